//! `Content-Digest` (RFC 9530): the digest of a message body, which the signature covers
//! instead of the body itself.
//!
//! The field is a structured dictionary of algorithm → byte sequence:
//! `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`. Senders here write
//! `sha-256`; receivers accept `sha-256` and `sha-512` and ignore algorithms they do not
//! know, as the RFC asks, but need at least one they know.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256, Sha512};

use crate::Error;

/// The `Content-Digest` value of `body`: `sha-256=:<base64>:`.
pub fn sha256(body: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)))
}

/// Checks a `Content-Digest` value against `body`: every known algorithm it names must
/// match, and it must name one.
pub fn verify(field: &str, body: &[u8]) -> Result<(), Error> {
    let mut known = 0;
    for member in field.split(',') {
        let member = member.trim();
        let Some((alg, value)) = member.split_once('=') else {
            return Err(Error::Digest(format!("`{member}` is not `alg=:base64:`")));
        };
        let encoded = value
            .strip_prefix(':')
            .and_then(|v| v.strip_suffix(':'))
            .ok_or_else(|| Error::Digest(format!("the value of {alg} is not a byte sequence")))?;
        let sent = STANDARD
            .decode(encoded)
            .map_err(|e| Error::Digest(format!("the value of {alg} is not base64: {e}")))?;
        let ours = match alg.trim().to_ascii_lowercase().as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        known += 1;
        if sent != ours {
            return Err(Error::Digest(format!(
                "the body does not match its {alg} digest"
            )));
        }
    }
    if known == 0 {
        return Err(Error::Digest(format!(
            "no sha-256 or sha-512 digest in `{field}`"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 9530, section 2: `{"hello": "world"}` and its SHA-256 and SHA-512 digests.
    const BODY: &[u8] = b"{\"hello\": \"world\"}";
    const SHA256: &str = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
    const SHA512: &str = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

    #[test]
    fn rfc_9530_examples() {
        assert_eq!(sha256(BODY), SHA256);
        verify(SHA256, BODY).unwrap();
        verify(SHA512, BODY).unwrap();
        verify(&format!("{SHA256}, {SHA512}"), BODY).unwrap();
        verify(&format!("md5=:AAAA:, {SHA256}"), BODY).unwrap();
    }

    #[test]
    fn mismatches_and_bad_fields() {
        for (field, body, what) in [
            (SHA256, &b"{\"hello\": \"World\"}"[..], "does not match"),
            ("md5=:AAAA:", BODY, "no sha-256"),
            ("sha-256=X48E", BODY, "not a byte sequence"),
            ("sha-256=:*:", BODY, "not base64"),
            ("sha-256", BODY, "is not `alg=:base64:`"),
        ] {
            let err = verify(field, body).unwrap_err().to_string();
            assert!(err.contains(what), "{field}: {err}");
        }
    }
}
