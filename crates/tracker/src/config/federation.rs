//! `[federation]`: the tracker's key for signing what it sends other trackers, and the
//! peers it exchanges verdicts with over Linked Data Notifications.
//!
//! ```toml
//! [federation]
//! key_id = "https://security.example/#ldn-key"   # default: [distribution] url + "/#ldn-key"
//! key_file = "ldn-ed25519.key"                    # the 32-byte ed25519 seed in base64
//!
//! [[federation.peer]]
//! name = "Debian"
//! url = "https://security-tracker.debian.example/"
//! key_id = "https://security-tracker.debian.example/#ldn-key"
//! public_key = "JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs="
//! follows = ["openssl", "zlib"]                   # default: every package
//! ```

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::locate::Locator;
use super::raw::RawFederation;
use super::source::is_url;
use crate::Result;

/// The federation settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Federation {
    /// The id peers know this tracker's key by.
    pub key_id: String,
    /// The file holding the signing key (its seed, base64); read when the server
    /// starts, never stored in the database.
    pub key_file: PathBuf,
    pub peers: Vec<Peer>,
}

/// Another tracker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub name: String,
    /// Its base URL (no `/` at the end); the inbox is discovered from it.
    pub url: String,
    pub key_id: String,
    /// Its ed25519 public key, 32 bytes.
    pub public_key: [u8; 32],
    /// The packages (origins) it follows; empty: every package.
    pub follows: Vec<String>,
}

pub(crate) fn read(
    raw: &RawFederation,
    distribution_url: Option<&str>,
    base_dir: &std::path::Path,
    loc: &Locator<'_>,
) -> Result<Federation> {
    let key_id = match (&raw.key_id, distribution_url) {
        (Some(id), _) if !id.get_ref().trim().is_empty() => id.get_ref().trim().to_owned(),
        (Some(id), _) => return Err(loc.error(id.span(), "federation.key_id", "empty key id")),
        (None, Some(url)) => format!("{url}/#ldn-key"),
        (None, None) => {
            return Err(loc.error(
                raw.key_file.span(),
                "federation.key_id",
                "no key id: set it, or [distribution] url",
            ));
        }
    };
    let key_file = raw.key_file.get_ref();
    if key_file.trim().is_empty() {
        return Err(loc.error(raw.key_file.span(), "federation.key_file", "empty path"));
    }
    let mut peers: Vec<Peer> = Vec::new();
    for (i, peer) in raw.peer.iter().enumerate() {
        let field = |name: &str| format!("federation.peer[{i}].{name}");
        let url = peer.url.get_ref().trim_end_matches('/').to_owned();
        if !is_url(&url) {
            return Err(loc.error(
                peer.url.span(),
                &field("url"),
                format!("{:?} is not an http(s) URL", peer.url.get_ref()),
            ));
        }
        let name = peer.name.get_ref().trim().to_owned();
        if name.is_empty() {
            return Err(loc.error(peer.name.span(), &field("name"), "empty name"));
        }
        let peer_key_id = peer.key_id.get_ref().trim().to_owned();
        if peer_key_id.is_empty() {
            return Err(loc.error(peer.key_id.span(), &field("key_id"), "empty key id"));
        }
        if peer_key_id == key_id || peers.iter().any(|p| p.key_id == peer_key_id) {
            return Err(loc.error(
                peer.key_id.span(),
                &field("key_id"),
                format!("the key id {peer_key_id:?} is used twice"),
            ));
        }
        let public_key = STANDARD
            .decode(peer.public_key.get_ref().trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| {
                loc.error(
                    peer.public_key.span(),
                    &field("public_key"),
                    "an ed25519 public key: 32 bytes in base64",
                )
            })?;
        let follows = peer
            .follows
            .as_ref()
            .map(|l| l.get_ref().iter().map(|t| t.get_ref().clone()).collect())
            .unwrap_or_default();
        peers.push(Peer {
            name,
            url,
            key_id: peer_key_id,
            public_key,
            follows,
        });
    }
    Ok(Federation {
        key_id,
        key_file: base_dir.join(key_file),
        peers,
    })
}
