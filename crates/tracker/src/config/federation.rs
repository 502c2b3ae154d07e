//! `[federation]`: the tracker's key for signing what it sends other trackers, and the
//! peers it exchanges verdicts with over Linked Data Notifications.
//!
//! ```toml
//! [federation]
//! key_id = "https://security.example/#ldn-key"   # default: [distribution] url + "/#ldn-key"
//! key_file = "ldn-ed25519.key"                    # the 32-byte ed25519 seed in base64
//! retry_after = 30.0      # seconds before the first retry of a failed delivery; doubles
//! retry_max = 21600.0     # the longest wait between two attempts
//! max_attempts = 16       # then the delivery is dead (shown in importer health)
//! poll_interval = 5.0     # how often the sender looks for new verdicts
//! connections = 2         # deliveries in flight to each peer
//! rate_limit = 30000      # notifications a peer may post per minute; more get 429
//!
//! [[federation.peer]]
//! name = "Debian"
//! url = "https://security-tracker.debian.example/"
//! key_id = "https://security-tracker.debian.example/#ldn-key"
//! public_key = "JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs="
//! follows = ["openssl", "pkg:apk/alpine/zlib"]     # default: every package
//! ```

use std::path::PathBuf;
use std::time::Duration;

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
    pub delivery: Delivery,
    /// Notifications one peer may post per minute.
    pub rate_limit: u32,
}

/// How the sender delivers.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// The wait before the first retry; each failure doubles it up to `retry_max`.
    pub retry_after: Duration,
    pub retry_max: Duration,
    /// Attempts before a delivery is given up (dead).
    pub max_attempts: u32,
    pub poll_interval: Duration,
    /// Deliveries in flight to each peer.
    pub connections: usize,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            retry_after: Duration::from_secs(30),
            retry_max: Duration::from_secs(6 * 3600),
            max_attempts: 16,
            poll_interval: Duration::from_secs(5),
            connections: 2,
        }
    }
}

impl Eq for Delivery {}

/// Another tracker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub name: String,
    /// Its base URL (no `/` at the end); the inbox is discovered from it.
    pub url: String,
    pub key_id: String,
    /// Its ed25519 public key, 32 bytes.
    pub public_key: [u8; 32],
    /// The packages it follows, by origin name or by the product its notifications name
    /// (`pkg:apk/alpine/openssl`); empty: every package.
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
    let seconds = |value: &Option<toml::Spanned<f64>>, field: &str, default: Duration| match value {
        Some(v) if !(v.get_ref().is_finite() && (0.01..=604_800.0).contains(v.get_ref())) => {
            Err(loc.error(
                v.span(),
                &format!("federation.{field}"),
                "seconds, from 0.01 to 604800 (a week)",
            ))
        }
        Some(v) => Ok(Duration::from_secs_f64(*v.get_ref())),
        None => Ok(default),
    };
    let count = |value: &Option<toml::Spanned<i64>>,
                 field: &str,
                 range: std::ops::RangeInclusive<i64>,
                 default: i64| match value {
        Some(v) if !range.contains(v.get_ref()) => Err(loc.error(
            v.span(),
            &format!("federation.{field}"),
            format!("from {} to {}", range.start(), range.end()),
        )),
        Some(v) => Ok(*v.get_ref()),
        None => Ok(default),
    };
    let defaults = Delivery::default();
    let delivery = Delivery {
        retry_after: seconds(&raw.retry_after, "retry_after", defaults.retry_after)?,
        retry_max: seconds(&raw.retry_max, "retry_max", defaults.retry_max)?,
        max_attempts: u32::try_from(count(&raw.max_attempts, "max_attempts", 1..=100, 16)?)
            .unwrap_or(16),
        poll_interval: seconds(&raw.poll_interval, "poll_interval", defaults.poll_interval)?,
        connections: usize::try_from(count(&raw.connections, "connections", 1..=32, 2)?)
            .unwrap_or(2),
    };
    let rate_limit = u32::try_from(count(&raw.rate_limit, "rate_limit", 1..=1_000_000, 30_000)?)
        .unwrap_or(30_000);
    Ok(Federation {
        key_id,
        key_file: base_dir.join(key_file),
        peers,
        delivery,
        rate_limit,
    })
}
