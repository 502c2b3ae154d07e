//! HTTP Message Signatures (RFC 9421) with `ed25519`, as trackers sign the notifications
//! they send and check the ones they receive.
//!
//! A sender signs the method, the target URI, the content type and the `Content-Digest`
//! of the body (so the signature covers the body), with the time it signed and its key
//! id:
//!
//! ```text
//! Signature-Input: sig1=("@method" "@target-uri" "content-type" "content-digest");created=1764720000;keyid="https://tracker.example/#ldn-key";alg="ed25519"
//! Signature: sig1=:<base64 of 64 bytes>:
//! ```
//!
//! The receiver rebuilds the signature base (section 2.5) from the request it got and the
//! parameters of `Signature-Input`, looks the key id up among the keys it trusts, and
//! checks the signature, the covered components it requires and the signature's age.
//! The component and parameter syntax is the subset of structured fields (RFC 8941)
//! these headers use: strings, integers and tokens.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey};

pub use ed25519_dalek::VerifyingKey;

use crate::Error;

/// The components a tracker signs, and requires when it verifies.
pub const COMPONENTS: [&str; 4] = ["@method", "@target-uri", "content-type", "content-digest"];

/// The label of the signature a tracker writes.
const LABEL: &str = "sig1";

/// A request as far as a signature sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `POST`.
    pub method: String,
    /// The absolute URI the request was sent to: `https://tracker.example/inbox`.
    pub target_uri: String,
    /// Header fields (names in any case; a name given twice has its values joined with
    /// `, `, as section 2.1 says).
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of a covered component: a derived one (`@method`, `@target-uri`,
    /// `@authority`, `@scheme`, `@path`, `@query`) or a header field.
    fn component(&self, name: &str) -> Result<String, Error> {
        let uri = || split_uri(&self.target_uri);
        let value = match name {
            "@method" => Some(self.method.clone()),
            "@target-uri" => Some(self.target_uri.clone()),
            "@scheme" => uri().map(|u| u.scheme.to_ascii_lowercase()),
            "@authority" => uri().map(|u| u.authority.to_ascii_lowercase()),
            "@path" => uri().map(|u| {
                if u.path.is_empty() {
                    "/".to_owned()
                } else {
                    u.path.to_owned()
                }
            }),
            "@query" => uri().map(|u| format!("?{}", u.query.unwrap_or(""))),
            _ if name.starts_with('@') => {
                return Err(Error::Signature(format!(
                    "the component {name} is not supported"
                )));
            }
            _ => {
                let values: Vec<&str> = self
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim())
                    .collect();
                (!values.is_empty()).then(|| values.join(", "))
            }
        };
        value.ok_or_else(|| {
            Error::Signature(format!("the signed component {name} is not in the request"))
        })
    }
}

/// The parts of an absolute URI the derived components use.
struct UriParts<'a> {
    scheme: &'a str,
    authority: &'a str,
    path: &'a str,
    query: Option<&'a str>,
}

fn split_uri(uri: &str) -> Option<UriParts<'_>> {
    let (scheme, rest) = uri.split_once("://")?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    Some(UriParts {
        scheme,
        authority,
        path,
        query,
    })
}

/// One parameter of a signature: `created=1764720000`, `keyid="…"`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Param {
    Integer(i64),
    String(String),
    Token(String),
}

/// The covered components and parameters of one signature, in their order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Params {
    components: Vec<String>,
    params: Vec<(String, Param)>,
}

impl Params {
    /// The inner list as structured fields serialize it: the `@signature-params` value
    /// and what follows the label in `Signature-Input`.
    fn serialize(&self) -> String {
        let components: Vec<String> = self.components.iter().map(|c| quote(c)).collect();
        let mut out = format!("({})", components.join(" "));
        for (key, value) in &self.params {
            out.push(';');
            out.push_str(key);
            out.push('=');
            match value {
                Param::Integer(n) => out.push_str(&n.to_string()),
                Param::String(s) => out.push_str(&quote(s)),
                Param::Token(t) => out.push_str(t),
            }
        }
        out
    }

    fn get(&self, key: &str) -> Option<&Param> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn string(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Param::String(s) | Param::Token(s)) => Some(s),
            _ => None,
        }
    }

    fn integer(&self, key: &str) -> Option<i64> {
        match self.get(key) {
            Some(Param::Integer(n)) => Some(*n),
            _ => None,
        }
    }

    /// The signature base of `request` under these parameters (section 2.5).
    fn base(&self, request: &Request) -> Result<String, Error> {
        let mut base = String::new();
        for name in &self.components {
            if self.components.iter().filter(|c| *c == name).count() > 1 {
                return Err(Error::Signature(format!("{name} is covered twice")));
            }
            let value = request.component(name)?;
            if value.contains(['\n', '\r']) {
                return Err(Error::Signature(format!("{name} holds a line break")));
            }
            base.push_str(&format!("{}: {value}\n", quote(name)));
        }
        base.push_str(&format!("\"@signature-params\": {}", self.serialize()));
        Ok(base)
    }
}

/// A structured-field string: `"…"` with `\` before `"` and `\`.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Reads structured-field text one piece at a time.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.at..).unwrap_or_default()
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    }

    fn eat(&mut self, c: char) -> bool {
        if self.rest().starts_with(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), Error> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("`{c}` expected")))
        }
    }

    fn error(&self, what: &str) -> Error {
        Error::Signature(format!("{what} at byte {} of `{}`", self.at, self.text))
    }

    /// A key or a token: letters, digits and `_-.*:/%` (RFC 8941 sections 3.1.2, 3.3.4).
    fn word(&mut self) -> Result<&'a str, Error> {
        let rest = self.rest();
        let n = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_-.*:/%!#$&'+^`|~".contains(c)))
            .unwrap_or(rest.len());
        if n == 0 {
            return Err(self.error("a name expected"));
        }
        self.at += n;
        Ok(&rest[..n])
    }

    fn string(&mut self) -> Result<String, Error> {
        self.expect('"')?;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.at += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    _ => return Err(self.error("a bad escape")),
                },
                ' '..='~' => out.push(c),
                _ => return Err(self.error("a character strings may not hold")),
            }
        }
        Err(self.error("an unterminated string"))
    }

    fn param_value(&mut self) -> Result<Param, Error> {
        let rest = self.rest();
        if rest.starts_with('"') {
            return self.string().map(Param::String);
        }
        if rest.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            let n = rest
                .char_indices()
                .skip(1)
                .find(|(_, c)| !c.is_ascii_digit())
                .map_or(rest.len(), |(i, _)| i);
            let number = rest[..n]
                .parse()
                .map_err(|_| self.error("an integer out of range"))?;
            self.at += n;
            return Ok(Param::Integer(number));
        }
        self.word().map(|w| Param::Token(w.to_owned()))
    }

    /// `("a" "b");k=v;…`
    fn inner_list(&mut self) -> Result<Params, Error> {
        self.expect('(')?;
        let mut components = Vec::new();
        loop {
            self.skip_spaces();
            if self.eat(')') {
                break;
            }
            components.push(self.string()?.to_ascii_lowercase());
            if !self.rest().starts_with([' ', ')']) {
                return Err(self.error("` ` or `)` expected"));
            }
        }
        let mut params = Vec::new();
        while self.eat(';') {
            self.skip_spaces();
            let key = self.word()?.to_owned();
            let value = if self.eat('=') {
                self.param_value()?
            } else {
                Param::Token("?1".to_owned())
            };
            params.push((key, value));
        }
        Ok(Params { components, params })
    }

    /// Every member of a dictionary (`name=value, …`), each value read by `member`.
    fn dictionary<T>(
        &mut self,
        mut member: impl FnMut(&mut Self) -> Result<T, Error>,
    ) -> Result<Vec<(String, T)>, Error> {
        let mut out = Vec::new();
        loop {
            self.skip_spaces();
            if self.rest().is_empty() {
                return Ok(out);
            }
            let name = self.word()?.to_owned();
            self.expect('=')?;
            out.push((name, member(self)?));
            self.skip_spaces();
            if !self.eat(',') {
                self.skip_spaces();
                if !self.rest().is_empty() {
                    return Err(self.error("`,` expected"));
                }
                return Ok(out);
            }
        }
    }
}

/// The labels of a `Signature-Input` field, in order.
fn labels(field: &str) -> Result<Vec<(String, Params)>, Error> {
    Cursor { text: field, at: 0 }.dictionary(Cursor::inner_list)
}

/// The byte sequence of `label` in a `Signature` field.
fn signature_bytes(field: &str, label: &str) -> Result<Vec<u8>, Error> {
    let members = Cursor { text: field, at: 0 }.dictionary(|c| {
        c.expect(':')?;
        let rest = c.rest();
        let end = rest
            .find(':')
            .ok_or_else(|| c.error("an unterminated byte sequence"))?;
        c.at += end + 1;
        Ok(rest[..end].to_owned())
    })?;
    let encoded = members
        .into_iter()
        .find(|(name, _)| name == label)
        .map(|(_, value)| value)
        .ok_or_else(|| Error::Signature(format!("the Signature field has no {label}")))?;
    STANDARD
        .decode(encoded)
        .map_err(|e| Error::Signature(format!("the signature {label} is not base64: {e}")))
}

/// The two header fields a signature travels in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    pub signature_input: String,
    pub signature: String,
}

/// A tracker's signing key and the id its peers know it by.
pub struct Signer {
    key_id: String,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// The key whose 32-byte seed is `seed`.
    pub fn from_seed(key_id: &str, seed: &[u8; 32]) -> Signer {
        Signer {
            key_id: key_id.to_owned(),
            key: SigningKey::from_bytes(seed),
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key, as peers configure it.
    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Signs [`COMPONENTS`] of `request` at `created` (Unix seconds).
    pub fn sign(&self, request: &Request, created: i64) -> Result<Headers, Error> {
        self.sign_components(request, &COMPONENTS, created)
    }

    /// Signs the named components of `request`.
    pub fn sign_components(
        &self,
        request: &Request,
        components: &[&str],
        created: i64,
    ) -> Result<Headers, Error> {
        let params = Params {
            components: components.iter().map(|c| (*c).to_owned()).collect(),
            params: vec![
                ("created".to_owned(), Param::Integer(created)),
                ("keyid".to_owned(), Param::String(self.key_id.clone())),
                ("alg".to_owned(), Param::String("ed25519".to_owned())),
            ],
        };
        let base = params.base(request)?;
        let signature = self.key.sign(base.as_bytes());
        Ok(Headers {
            signature_input: format!("{LABEL}={}", params.serialize()),
            signature: format!("{LABEL}=:{}:", STANDARD.encode(signature.to_bytes())),
        })
    }
}

/// What a receiver requires of a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy<'a> {
    /// Components that must be covered.
    pub required: &'a [&'a str],
    /// The receiver's clock (Unix seconds).
    pub now: i64,
    /// How old `created` may be, and how far in the future (clock skew), in seconds.
    pub max_age: i64,
}

/// A signature that checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub key_id: String,
    pub created: i64,
}

/// Checks the signature of `request` whose key the receiver knows (`key` looks key ids
/// up): the first label of `Signature-Input` with a known key id is checked; an unknown
/// key id, a missing required component, a signature too old or from the future, another
/// algorithm or bad bytes is an error.
pub fn verify(
    request: &Request,
    headers: &Headers,
    key: impl Fn(&str) -> Option<VerifyingKey>,
    policy: &Policy<'_>,
) -> Result<Verified, Error> {
    let labels = labels(&headers.signature_input)?;
    if labels.is_empty() {
        return Err(Error::Signature("Signature-Input is empty".to_owned()));
    }
    let mut unknown = Vec::new();
    for (label, params) in &labels {
        let Some(key_id) = params.string("keyid") else {
            unknown.push(format!("{label} (no keyid)"));
            continue;
        };
        let Some(public) = key(key_id) else {
            unknown.push(key_id.to_owned());
            continue;
        };
        if let Some(alg) = params.string("alg")
            && alg != "ed25519"
        {
            return Err(Error::Signature(format!(
                "{label} is signed with {alg}, not ed25519"
            )));
        }
        for required in policy.required {
            if !params.components.iter().any(|c| c == required) {
                return Err(Error::Signature(format!(
                    "{label} does not cover {required}"
                )));
            }
        }
        let created = params
            .integer("created")
            .ok_or_else(|| Error::Signature(format!("{label} has no created time")))?;
        if created > policy.now + policy.max_age || created < policy.now - policy.max_age {
            return Err(Error::Signature(format!(
                "{label} was made at {created}, more than {} s from now ({})",
                policy.max_age, policy.now
            )));
        }
        if let Some(expires) = params.integer("expires")
            && expires < policy.now
        {
            return Err(Error::Signature(format!("{label} expired at {expires}")));
        }
        let bytes = signature_bytes(&headers.signature, label)?;
        let signature = ed25519_dalek::Signature::from_slice(&bytes)
            .map_err(|_| Error::Signature(format!("{label} is not 64 bytes")))?;
        let base = params.base(request)?;
        public
            .verify_strict(base.as_bytes(), &signature)
            .map_err(|_| Error::Signature(format!("{label} does not verify with {key_id}")))?;
        return Ok(Verified {
            key_id: key_id.to_owned(),
            created,
        });
    }
    Err(Error::Signature(format!(
        "no signature by a known key: {}",
        unknown.join(", ")
    )))
}

/// A public key from its 32 bytes in base64, as a peer's configuration gives it.
pub fn public_key_from_base64(text: &str) -> Result<VerifyingKey, Error> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|e| Error::Signature(format!("a public key is not base64: {e}")))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::Signature("an ed25519 public key is 32 bytes".to_owned()))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::Signature("not an ed25519 public key".to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 9421 appendix B.1.4: the ed25519 test key (`test-key-ed25519`), its PKCS#8
    /// private key (the seed is the last 32 bytes) and its public key.
    const RFC_PRIVATE: &str = "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF";
    const RFC_PUBLIC: &str = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";

    fn rfc_signer() -> Signer {
        let der = STANDARD.decode(RFC_PRIVATE).unwrap();
        let seed: [u8; 32] = der[der.len() - 32..].try_into().unwrap();
        Signer::from_seed("test-key-ed25519", &seed)
    }

    /// RFC 9421 section 2.5's request (appendix B.2).
    fn rfc_request() -> Request {
        Request {
            method: "POST".to_owned(),
            target_uri: "https://example.com/foo?param=Value&Pet=dog".to_owned(),
            headers: [
                ("Host", "example.com"),
                ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
                ("Content-Type", "application/json"),
                (
                    "Content-Digest",
                    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
                ),
                ("Content-Length", "18"),
            ]
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        }
    }

    /// Appendix B.2.6, "Signing a Request Using ed25519": the signature base and the
    /// signature given there.
    #[test]
    fn rfc_9421_b_2_6() {
        let signer = rfc_signer();
        let spki = STANDARD.decode(RFC_PUBLIC).unwrap();
        assert_eq!(signer.public_key().as_bytes(), &spki[spki.len() - 32..]);
        let headers = Headers {
            signature_input: "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \
                              \"content-type\" \"content-length\");created=1618884473;\
                              keyid=\"test-key-ed25519\""
                .to_owned(),
            signature: "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:".to_owned(),
        };
        let (_, params) = labels(&headers.signature_input).unwrap().remove(0);
        assert_eq!(
            params.base(&rfc_request()).unwrap(),
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\
             \"@method\": POST\n\
             \"@path\": /foo\n\
             \"@authority\": example.com\n\
             \"content-type\": application/json\n\
             \"content-length\": 18\n\
             \"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \
             \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
        );
        let public = signer.public_key();
        let policy = Policy {
            required: &[],
            now: 1_618_884_473,
            max_age: 300,
        };
        let verified = verify(&rfc_request(), &headers, |_| Some(public), &policy).unwrap();
        assert_eq!(verified.key_id, "test-key-ed25519");
        // ed25519 is deterministic: signing the same base gives the RFC's bytes.
        let ours = signer
            .key
            .sign(params.base(&rfc_request()).unwrap().as_bytes());
        assert_eq!(
            format!("sig-b26=:{}:", STANDARD.encode(ours.to_bytes())),
            headers.signature
        );
    }

    fn inbox_request(body: &[u8]) -> Request {
        Request {
            method: "POST".to_owned(),
            target_uri: "https://tracker.example/inbox".to_owned(),
            headers: vec![
                ("Content-Type".to_owned(), "application/ld+json".to_owned()),
                (
                    "Content-Digest".to_owned(),
                    crate::content_digest::sha256(body),
                ),
            ],
        }
    }

    const NOW: i64 = 1_764_720_000;

    fn policy() -> Policy<'static> {
        Policy {
            required: &COMPONENTS,
            now: NOW,
            max_age: 300,
        }
    }

    #[test]
    fn signed_then_verified() {
        let signer = rfc_signer();
        let public = signer.public_key();
        let request = inbox_request(b"{}");
        let headers = signer.sign(&request, NOW - 10).unwrap();
        assert_eq!(
            headers.signature_input,
            "sig1=(\"@method\" \"@target-uri\" \"content-type\" \"content-digest\");\
             created=1764719990;keyid=\"test-key-ed25519\";alg=\"ed25519\""
        );
        let known = |id: &str| (id == "test-key-ed25519").then_some(public);
        let verified = verify(&request, &headers, known, &policy()).unwrap();
        assert_eq!(verified.created, NOW - 10);

        // Whatever is changed, the signature no longer holds.
        let mut other = request.clone();
        other.target_uri = "https://tracker.example/inbox2".to_owned();
        let mut body = request.clone();
        body.headers[1].1 = crate::content_digest::sha256(b"{ }");
        let mut method = request.clone();
        method.method = "PUT".to_owned();
        for changed in [other, body, method] {
            let err = verify(&changed, &headers, known, &policy()).unwrap_err();
            assert!(err.to_string().contains("does not verify"), "{err}");
        }
    }

    #[test]
    fn refusals() {
        let signer = rfc_signer();
        let public = signer.public_key();
        let request = inbox_request(b"{}");
        let known = |id: &str| (id == "test-key-ed25519").then_some(public);
        let check = |headers: &Headers, want: &str| {
            let err = verify(&request, headers, known, &policy()).unwrap_err();
            assert!(err.to_string().contains(want), "{headers:?}: {err}");
        };
        // Another key id, or another key under the same id.
        let stranger = Signer::from_seed("someone", &[7; 32]);
        check(
            &stranger.sign(&request, NOW).unwrap(),
            "no signature by a known key: someone",
        );
        let impostor = Signer::from_seed("test-key-ed25519", &[7; 32]);
        check(&impostor.sign(&request, NOW).unwrap(), "does not verify");
        // Too old, from the future.
        check(
            &signer.sign(&request, NOW - 301).unwrap(),
            "more than 300 s",
        );
        check(
            &signer.sign(&request, NOW + 301).unwrap(),
            "more than 300 s",
        );
        // Not covering the digest.
        let partial = signer
            .sign_components(&request, &["@method", "@target-uri", "content-type"], NOW)
            .unwrap();
        check(&partial, "does not cover content-digest");
        // Malformed fields and bytes.
        let good = signer.sign(&request, NOW).unwrap();
        for (input, signature, want) in [
            ("", good.signature.as_str(), "empty"),
            ("sig1=(\"@method\"", good.signature.as_str(), "`)` expected"),
            ("sig1=\"x\"", good.signature.as_str(), "`(` expected"),
            (good.signature_input.as_str(), "sig2=:AAAA:", "has no sig1"),
            (good.signature_input.as_str(), "sig1=:AAAA:", "not 64 bytes"),
            (good.signature_input.as_str(), "sig1=:!!:", "not base64"),
        ] {
            let headers = Headers {
                signature_input: input.to_owned(),
                signature: signature.to_owned(),
            };
            check(&headers, want);
        }
        // A covered header the request lacks.
        let mut bare = request.clone();
        bare.headers.truncate(1);
        let err = verify(&bare, &good, known, &policy()).unwrap_err();
        assert!(
            err.to_string()
                .contains("content-digest is not in the request"),
            "{err}"
        );
        // Another algorithm.
        let rsa = Headers {
            signature_input: good
                .signature_input
                .replace("alg=\"ed25519\"", "alg=\"rsa-pss-sha512\""),
            signature: good.signature.clone(),
        };
        check(&rsa, "not ed25519");
    }

    #[test]
    fn derived_components() {
        let request = rfc_request();
        assert_eq!(request.component("@scheme").unwrap(), "https");
        assert_eq!(request.component("@query").unwrap(), "?param=Value&Pet=dog");
        assert_eq!(
            request.component("@target-uri").unwrap(),
            request.target_uri
        );
        assert!(request.component("@status").is_err());
        assert_eq!(
            public_key_from_base64("AAAA").unwrap_err().to_string(),
            "signature: an ed25519 public key is 32 bytes"
        );
    }
}
