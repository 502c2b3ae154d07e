//! ID tokens: compact JWS (RFC 7515) signed with RS256 (RFC 7518 §3.3), the provider's
//! JWK set (RFC 7517), and the claim checks of OpenID Connect Core §3.1.3.7.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::{BoxedUint, Pkcs1v15Sign, PublicKey};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::OidcError;

/// Clock skew allowed between us and the provider for `exp`, `iat` and `nbf`.
pub(crate) const LEEWAY_SECS: i64 = 60;

/// RFC 7518 §3.3: RS256 keys must be 2048 bits or larger; 8192 bounds the work an
/// oversized key could cost.
const KEY_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// The keys of one JWK set document, as fetched from `url`.
#[derive(Debug)]
pub(crate) struct KeySet {
    pub(crate) url: String,
    keys: Vec<Jwk>,
}

#[derive(Debug)]
struct Jwk {
    kid: Option<String>,
    /// The key, or why the entry cannot be used (bad base64, a modulus too small …).
    key: Result<PublicKey, String>,
}

/// What [`KeySet::select`] found.
pub(crate) enum Selected<'a> {
    Key(&'a PublicKey),
    /// A key with the right `kid` that cannot be used, and why.
    Unusable(&'a str),
    None,
}

impl KeySet {
    /// Reads a JWK set. Keys that are not RSA signature keys usable with RS256 are left
    /// out; an RSA signing key whose numbers are unusable is kept with the reason, so that
    /// selecting it says so.
    pub(crate) fn parse(url: &str, body: &[u8]) -> Result<KeySet, OidcError> {
        let invalid = |message: String| OidcError::Document {
            url: url.to_owned(),
            message,
        };
        let doc: Value = serde_json::from_slice(body)
            .map_err(|err| invalid(format!("the JWK set is not JSON: {err}")))?;
        let Some(entries) = doc.get("keys").and_then(Value::as_array) else {
            return Err(invalid("the JWK set has no `keys` array".to_owned()));
        };
        let keys = entries.iter().filter_map(Jwk::parse).collect();
        Ok(KeySet {
            url: url.to_owned(),
            keys,
        })
    }

    /// The key for a token whose header names `kid`; with no `kid`, the set's only key.
    pub(crate) fn select(&self, kid: Option<&str>) -> Selected<'_> {
        let found = match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        };
        match found {
            Some(Jwk { key: Ok(key), .. }) => Selected::Key(key),
            Some(Jwk { key: Err(why), .. }) => Selected::Unusable(why),
            None => Selected::None,
        }
    }
}

impl Jwk {
    fn parse(entry: &Value) -> Option<Jwk> {
        let str_field = |name: &str| entry.get(name).and_then(Value::as_str);
        if str_field("kty") != Some("RSA") {
            return None;
        }
        if !matches!(entry.get("use"), None | Some(Value::Null)) && str_field("use") != Some("sig")
        {
            return None;
        }
        if !matches!(entry.get("alg"), None | Some(Value::Null))
            && str_field("alg") != Some("RS256")
        {
            return None;
        }
        if let Some(ops) = entry.get("key_ops").and_then(Value::as_array)
            && !ops.iter().any(|op| op.as_str() == Some("verify"))
        {
            return None;
        }
        let kid = str_field("kid").map(str::to_owned);
        let key = match (str_field("n"), str_field("e")) {
            (Some(n), Some(e)) => rsa_key(n, e),
            _ => Err("it has no `n` or no `e`".to_owned()),
        };
        Some(Jwk { kid, key })
    }
}

/// An RSA public key from a JWK's base64url big-endian `n` and `e` (RFC 7518 §6.3.1).
fn rsa_key(n: &str, e: &str) -> Result<PublicKey, String> {
    let n = URL_SAFE_NO_PAD
        .decode(n)
        .map_err(|_| "`n` is not base64url".to_owned())?;
    let e = URL_SAFE_NO_PAD
        .decode(e)
        .map_err(|_| "`e` is not base64url".to_owned())?;
    // RFC 7518 asks for minimal encodings; some providers still send a leading zero.
    let n = strip_zeros(&n);
    let e = strip_zeros(&e);
    if n.is_empty() || n.len() > KEY_BITS.end() / 8 {
        return Err("the modulus is not between 2048 and 8192 bits".to_owned());
    }
    if e.is_empty() || e.len() > 8 {
        return Err("the exponent is out of range".to_owned());
    }
    let bits = |bytes: &[u8]| u32::try_from(bytes.len() * 8).unwrap_or(u32::MAX);
    let n = BoxedUint::from_be_slice(n, bits(n)).map_err(|_| "bad modulus".to_owned())?;
    let e = BoxedUint::from_be_slice(e, 64).map_err(|_| "bad exponent".to_owned())?;
    PublicKey::new_with_size_limits(n, e, KEY_BITS).map_err(|err| err.to_string())
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// A compact JWS split into its parts; nothing in it is trusted before [`Jws::verify`].
#[derive(Debug)]
pub(crate) struct Jws<'a> {
    pub(crate) kid: Option<String>,
    /// `BASE64URL(header) '.' BASE64URL(payload)`, what the signature covers.
    signing_input: &'a str,
    payload: &'a str,
    signature: Vec<u8>,
}

impl<'a> Jws<'a> {
    /// Splits `token` and reads its header, refusing every algorithm but RS256 — `none`,
    /// the HMAC family (where an attacker would use our RSA public key as the secret),
    /// and anything else.
    pub(crate) fn parse(token: &'a str) -> Result<Jws<'a>, OidcError> {
        let malformed = |what: &str| OidcError::MalformedToken(what.to_owned());
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("it is not a compact JWS of three parts"));
        };
        let signing_input = token
            .get(..header.len() + 1 + payload.len())
            .ok_or_else(|| malformed("it is not a compact JWS of three parts"))?;
        let header = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| malformed("the header is not base64url"))?;
        let header: Map<String, Value> = serde_json::from_slice(&header)
            .map_err(|_| malformed("the header is not a JSON object"))?;
        let alg = match header.get("alg") {
            Some(Value::String(alg)) => alg,
            _ => return Err(malformed("the header has no `alg`")),
        };
        if alg != "RS256" {
            return Err(OidcError::UnsupportedAlgorithm(
                alg.chars().take(32).collect(),
            ));
        }
        // RFC 7515 §4.1.11: extensions we do not understand make the token invalid.
        if header.contains_key("crit") {
            return Err(malformed("the header has `crit` extensions"));
        }
        let kid = match header.get("kid") {
            None | Some(Value::Null) => None,
            Some(Value::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(malformed("the header's `kid` is not a string")),
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| malformed("the signature is not base64url"))?;
        Ok(Jws {
            kid,
            signing_input,
            payload,
            signature,
        })
    }

    /// Checks the RS256 signature with `key`; only then are the claims read.
    pub(crate) fn verify(&self, key: &PublicKey) -> Result<Claims<'a>, BadSignature> {
        let hashed = Sha256::digest(self.signing_input.as_bytes());
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, &self.signature)
            .map_err(|_| BadSignature)?;
        Ok(Claims(self.payload))
    }
}

/// The signature did not verify.
#[derive(Debug)]
pub(crate) struct BadSignature;

/// The payload of a JWS whose signature verified.
#[derive(Debug)]
pub(crate) struct Claims<'a>(&'a str);

impl Claims<'_> {
    /// The payload as a JSON object.
    pub(crate) fn read(&self) -> Result<Map<String, Value>, OidcError> {
        let malformed = |what: &str| OidcError::MalformedToken(what.to_owned());
        let payload = URL_SAFE_NO_PAD
            .decode(self.0)
            .map_err(|_| malformed("the payload is not base64url"))?;
        serde_json::from_slice(&payload).map_err(|_| malformed("the payload is not a JSON object"))
    }
}

/// What the claims are checked against.
pub(crate) struct Expected<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) nonce: &'a str,
    pub(crate) access_token: &'a str,
    /// Seconds since the Unix epoch.
    pub(crate) now: i64,
}

/// OpenID Connect Core §3.1.3.7 steps 2–11 on verified claims; gives the `sub`.
pub(crate) fn check_claims(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<String, OidcError> {
    let invalid = |claim: &'static str, reason: &str| OidcError::InvalidClaim {
        claim,
        reason: reason.to_owned(),
    };
    match claims.get("iss") {
        Some(Value::String(iss)) if iss == expected.issuer => {}
        Some(Value::String(iss)) => {
            return Err(invalid(
                "iss",
                &format!("is {iss:?}, not the issuer {:?}", expected.issuer),
            ));
        }
        _ => return Err(invalid("iss", "is missing or not a string")),
    }

    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(items)) => {
            let strings: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            match strings {
                Some(s) if !s.is_empty() => s,
                _ => return Err(invalid("aud", "is not a non-empty array of strings")),
            }
        }
        _ => return Err(invalid("aud", "is missing or not a string or array")),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(invalid(
            "aud",
            &format!("does not contain the client id {:?}", expected.client_id),
        ));
    }
    match claims.get("azp") {
        None | Some(Value::Null) if audiences.len() > 1 => {
            return Err(invalid(
                "azp",
                "is missing while there are several audiences",
            ));
        }
        None | Some(Value::Null) => {}
        Some(Value::String(azp)) if azp == expected.client_id => {}
        Some(_) => {
            return Err(invalid(
                "azp",
                &format!("is not the client id {:?}", expected.client_id),
            ));
        }
    }

    let exp = numeric_date(claims, "exp")?.ok_or_else(|| invalid("exp", "is missing"))?;
    if expected.now >= exp.saturating_add(LEEWAY_SECS) {
        return Err(invalid(
            "exp",
            &format!("{exp} has passed (now {})", expected.now),
        ));
    }
    let iat = numeric_date(claims, "iat")?.ok_or_else(|| invalid("iat", "is missing"))?;
    if iat > expected.now.saturating_add(LEEWAY_SECS) {
        return Err(invalid(
            "iat",
            &format!("{iat} is in the future (now {})", expected.now),
        ));
    }
    if let Some(nbf) = numeric_date(claims, "nbf")?
        && nbf > expected.now.saturating_add(LEEWAY_SECS)
    {
        return Err(invalid(
            "nbf",
            &format!("{nbf} is in the future (now {})", expected.now),
        ));
    }

    match claims.get("nonce") {
        Some(Value::String(nonce)) if constant_time_eq(nonce, expected.nonce) => {}
        // Neither value goes into the message: the nonce binds the token to a browser.
        Some(Value::String(_)) => return Err(invalid("nonce", "is not the login's nonce")),
        _ => return Err(invalid("nonce", "is missing or not a string")),
    }

    // Core §3.1.3.8: optional in the code flow, but a wrong one means the access token
    // was swapped.
    match claims.get("at_hash") {
        None | Some(Value::Null) => {}
        Some(Value::String(at_hash))
            if constant_time_eq(at_hash, &at_hash_of(expected.access_token)) => {}
        Some(_) => return Err(invalid("at_hash", "does not match the access token")),
    }

    match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => Ok(sub.clone()),
        _ => Err(invalid("sub", "is missing or empty")),
    }
}

/// The `at_hash` of an access token for RS256: the left half of its SHA-256, base64url.
fn at_hash_of(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// A NumericDate claim (RFC 7519 §2: seconds, possibly fractional), `None` when absent.
fn numeric_date(
    claims: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<i64>, OidcError> {
    match claims.get(claim) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Some(i)),
            // `as` saturates; finite is checked so NaN cannot become 0.
            (None, Some(f)) if f.is_finite() => Ok(Some(f.floor() as i64)),
            _ => Err(OidcError::InvalidClaim {
                claim,
                reason: "is not a usable number".to_owned(),
            }),
        },
        Some(_) => Err(OidcError::InvalidClaim {
            claim,
            reason: "is not a number".to_owned(),
        }),
    }
}

/// Equality that does not stop at the first differing byte (the lengths may leak).
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        for token in [
            "",
            ".",
            "..",
            "...",
            "a.b",
            "a.b.c.d",
            "!!.e30.",
            "e30.e30.",
            "eyJhbGciOjF9.e30.",
            "eyJhbGciOiJSUzI1NiJ9.e30.@@",
            "eyJhbGciOiJSUzI1NiJ9.e30",
            "W10.e30.",
            "\u{e9}.\u{e9}.\u{e9}",
        ] {
            assert!(Jws::parse(token).is_err(), "{token:?} was accepted");
        }
        let parsed = Jws::parse("eyJhbGciOiJSUzI1NiJ9.%%.").expect("the payload is read later");
        assert_eq!(parsed.signing_input, "eyJhbGciOiJSUzI1NiJ9.%%");
        assert!(matches!(
            Jws::parse("eyJhbGciOiJub25lIn0.e30."),
            Err(OidcError::UnsupportedAlgorithm(alg)) if alg == "none"
        ));
    }

    #[test]
    fn unusable_keys() {
        let set = KeySet::parse(
            "u",
            br#"{"keys":[
                {"kty":"EC","kid":"ec"},
                {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
                {"kty":"RSA","kid":"small","n":"AQAB","e":"AQAB"},
                {"kty":"RSA","kid":"b64","n":"@@","e":"AQAB"},
                {"kty":"RSA","kid":"none"},
                {"kty":"RSA","kid":[]},
                7
            ]}"#,
        )
        .expect("a JWK set");
        assert!(matches!(set.select(Some("ec")), Selected::None));
        assert!(matches!(set.select(Some("enc")), Selected::None));
        assert!(matches!(set.select(Some("small")), Selected::Unusable(_)));
        assert!(matches!(set.select(Some("b64")), Selected::Unusable(_)));
        assert!(matches!(set.select(Some("none")), Selected::Unusable(_)));
        assert!(matches!(set.select(None), Selected::None));
        assert!(KeySet::parse("u", b"[]").is_err());
        assert!(KeySet::parse("u", b"{").is_err());
    }

    #[test]
    fn numeric_dates() {
        let claims: Map<String, Value> =
            serde_json::from_str(r#"{"a":1.9,"b":"1","c":-5}"#).expect("JSON");
        assert_eq!(numeric_date(&claims, "a").ok(), Some(Some(1)));
        assert!(numeric_date(&claims, "b").is_err());
        assert_eq!(numeric_date(&claims, "c").ok(), Some(Some(-5)));
        assert_eq!(numeric_date(&claims, "missing").ok(), Some(None));
    }
}
