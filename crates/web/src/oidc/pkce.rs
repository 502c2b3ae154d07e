//! Proof Key for Code Exchange (RFC 7636) with the S256 method.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// The `code_challenge` for `verifier`: base64url(SHA-256(verifier)) without padding.
///
/// The verifier is [`super::random_token`]: 43 characters of the base64url alphabet, which
/// is within RFC 7636 §4.1's 43 to 128 unreserved characters.
pub(crate) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256() {
        // Computed independently with Python's hashlib and base64.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mJ92K9rWxMRKuuNO2jpfvVxl5EXHp8"),
            "e6TE8e_HuW9bkwxYMFnHjcEfeC0gq6nBOFz-FCFB1b8"
        );
    }
}
