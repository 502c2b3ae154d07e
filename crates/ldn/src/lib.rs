//! Tracker-to-tracker exchange over Linked Data Notifications (W3C LDN): what travels
//! between trackers and how it is authenticated, with no store and no network.
//!
//! - [`content_digest`]: `Content-Digest` (RFC 9530), the body's digest.
//! - [`signature`]: HTTP Message Signatures (RFC 9421) with ed25519 over the method, the
//!   target URI, the content type and the digest.
//! - [`vocabulary`]: the verdict notifications trackers send each other (ActivityStreams
//!   `Announce` / `Update` around a `Verdict`), their JSON-LD context, and what an inbox
//!   accepts.

pub mod content_digest;
pub mod signature;
pub mod vocabulary;

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("Content-Digest: {0}")]
    Digest(String),
    #[error("signature: {0}")]
    Signature(String),
    #[error("notification: {0}")]
    Payload(String),
}
