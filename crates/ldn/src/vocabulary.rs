//! The notification vocabulary: an ActivityStreams 2.0 `Announce` (a first verdict) or
//! `Update` (a changed one) whose object is a `Verdict` of the sending tracker about one
//! CVE, one upstream product and the sender's package on one branch:
//!
//! ```json
//! {
//!   "@context": "https://w3id.org/secfixes/v1",
//!   "id": "https://security.example/ldn/outbox/41",
//!   "type": "Update",
//!   "actor": "https://security.example/",
//!   "published": "2026-11-02T10:00:00Z",
//!   "object": {
//!     "type": "Verdict",
//!     "vulnerability": "CVE-2026-1234",
//!     "product": "pkg:generic/openssl",
//!     "upstream": "openssl",
//!     "package": "openssl",
//!     "distribution": "Debian",
//!     "branch": "bookworm",
//!     "status": "not_affected",
//!     "justification": "vulnerable_code_not_present",
//!     "rationale": "Built without the legacy provider.",
//!     "changed": "2026-11-02T09:58:12Z"
//!   }
//! }
//! ```
//!
//! The terms are ActivityStreams' for the envelope and OpenVEX's for `status` and
//! `justification` (whose values are OpenVEX's, plus `different_software`); the rest are
//! secfixes' own, in the namespace `https://w3id.org/secfixes#`. [`CONTEXT`] is the
//! JSON-LD context that says so, which every tracker serves at `/ns/v1` ([`CONTEXT_PATH`]);
//! docs/LDN.md documents each term.

use serde::{Deserialize, Serialize};

use crate::Error;

/// The context document.
pub const CONTEXT: &str = include_str!("context.jsonld");

/// The context's IRI, which notifications name.
pub const CONTEXT_IRI: &str = "https://w3id.org/secfixes/v1";

/// Where a tracker serves [`CONTEXT`].
pub const CONTEXT_PATH: &str = "/ns/v1";

/// The largest notification a receiver reads, in bytes.
pub const MAX_BYTES: usize = 64 * 1024;

/// A verdict's status: OpenVEX's four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Affected,
    NotAffected,
    Fixed,
    UnderInvestigation,
}

/// Why a product is not affected: OpenVEX's justifications, and `different_software`
/// (the CVE is about other software of the same name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeCannotBeControlledByAdversary,
    InlineMitigationsAlreadyExist,
    DifferentSoftware,
}

impl Justification {
    pub const ALL: [Justification; 6] = [
        Justification::ComponentNotPresent,
        Justification::VulnerableCodeNotPresent,
        Justification::VulnerableCodeNotInExecutePath,
        Justification::VulnerableCodeCannotBeControlledByAdversary,
        Justification::InlineMitigationsAlreadyExist,
        Justification::DifferentSoftware,
    ];

    /// The code as sent, stored and exported.
    pub fn as_str(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
            Justification::DifferentSoftware => "different_software",
        }
    }

    /// What the code means, for people.
    pub fn label(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "the vulnerable component is not in the package",
            Justification::VulnerableCodeNotPresent => {
                "the vulnerable code is not built or shipped"
            }
            Justification::VulnerableCodeNotInExecutePath => {
                "the vulnerable code is never executed"
            }
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "an attacker cannot reach the vulnerable code"
            }
            Justification::InlineMitigationsAlreadyExist => "mitigations in the package prevent it",
            Justification::DifferentSoftware => {
                "the CVE is about other software with the same name"
            }
        }
    }

    pub fn parse(code: &str) -> Option<Justification> {
        Justification::ALL.into_iter().find(|r| r.as_str() == code)
    }
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Affected,
        Status::NotAffected,
        Status::Fixed,
        Status::UnderInvestigation,
    ];

    /// The value as sent and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Affected => "affected",
            Status::NotAffected => "not_affected",
            Status::Fixed => "fixed",
            Status::UnderInvestigation => "under_investigation",
        }
    }

    /// For people: `not affected`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Affected => "affected",
            Status::NotAffected => "not affected",
            Status::Fixed => "fixed",
            Status::UnderInvestigation => "under investigation",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == code)
    }
}

/// The kind of activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activity {
    /// A verdict the receiver has not been told of before.
    Announce,
    /// A new verdict for the same (vulnerability, product, package, branch).
    Update,
}

/// One tracker's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    #[serde(rename = "type")]
    pub kind: VerdictType,
    /// `CVE-2026-1234` (or another `PREFIX-ID`).
    pub vulnerability: String,
    /// The upstream product as a purl (`pkg:generic/openssl`) or CPE 2.3 name.
    pub product: String,
    /// The upstream project's name, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
    /// The sender's (source) package.
    pub package: String,
    /// The sender's distribution (`Alpine Linux`) and branch (`v3.20`).
    pub distribution: String,
    pub branch: String,
    pub status: Status,
    /// With `fixed`: the first fixed version of the package.
    #[serde(
        rename = "fixedVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub fixed_version: Option<String>,
    /// With `not_affected`: why, as a code (or, without one, the rationale says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// When the verdict last changed at the sender (RFC 3339).
    pub changed: String,
}

/// The one object type a verdict notification carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerdictType {
    Verdict,
}

/// A verdict notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    #[serde(rename = "@context")]
    pub context: String,
    /// The sender's id of the notification: the same id twice is one notification.
    pub id: String,
    #[serde(rename = "type")]
    pub activity: Activity,
    /// The sending tracker's URL.
    pub actor: String,
    /// When it was sent (RFC 3339).
    pub published: String,
    pub object: Verdict,
}

impl Notification {
    /// The JSON-LD text a sender posts.
    pub fn to_json(&self) -> String {
        // Cannot fail: every field is a string or an enum.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One notification of every shape the vocabulary allows: each activity, each status,
/// each justification, with and without the optional fields. For the JSON-LD expansion
/// test and the documentation.
pub fn examples() -> Vec<Notification> {
    let verdict = |status, fixed: Option<&str>, justification, rationale: Option<&str>| Verdict {
        kind: VerdictType::Verdict,
        vulnerability: "CVE-2026-1234".to_owned(),
        product: "pkg:apk/alpine/openssl".to_owned(),
        upstream: None,
        package: "openssl".to_owned(),
        distribution: "Alpine Linux".to_owned(),
        branch: "v3.22".to_owned(),
        status,
        fixed_version: fixed.map(str::to_owned),
        justification,
        rationale: rationale.map(str::to_owned),
        changed: "2026-11-02T09:58:12Z".to_owned(),
    };
    let mut verdicts = vec![
        verdict(Status::Affected, None, None, None),
        verdict(
            Status::UnderInvestigation,
            None,
            None,
            Some("A CPE names the package."),
        ),
        verdict(Status::Fixed, Some("3.5.4-r0"), None, None),
        verdict(
            Status::NotAffected,
            None,
            None,
            Some("rejected in security-rejections"),
        ),
    ];
    for justification in Justification::ALL {
        verdicts.push(verdict(
            Status::NotAffected,
            None,
            Some(justification),
            Some("Built without the legacy provider."),
        ));
    }
    let mut with_upstream = verdict(Status::Fixed, Some("3.0.15-1"), None, None);
    with_upstream.product = "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*".to_owned();
    with_upstream.upstream = Some("openssl".to_owned());
    verdicts.push(with_upstream);
    verdicts
        .into_iter()
        .enumerate()
        .map(|(i, object)| Notification {
            context: CONTEXT_IRI.to_owned(),
            id: format!("https://security.example/outbox/{}", i + 1),
            activity: if i % 2 == 0 {
                Activity::Announce
            } else {
                Activity::Update
            },
            actor: "https://security.example".to_owned(),
            published: "2026-11-02T10:00:00Z".to_owned(),
            object,
        })
        .collect()
}

/// What a body posted to an inbox is.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A verdict notification in this vocabulary, checked field by field.
    Verdict(Box<Notification>),
    /// Another JSON-LD notification (an object or an array of objects, with a context or
    /// already expanded): stored and listed as LDN asks, not interpreted.
    Other(serde_json::Value),
}

/// Reads a body posted to an inbox: JSON-LD of at most [`MAX_BYTES`]; in this
/// vocabulary (its context names [`CONTEXT_IRI`]) every field must be right, and the error
/// names the one that is not.
pub fn read(body: &[u8]) -> Result<Received, Error> {
    if body.len() > MAX_BYTES {
        return Err(Error::Payload(format!(
            "the notification is {} bytes, more than {MAX_BYTES}",
            body.len()
        )));
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Error::Payload(format!("not JSON: {e}")))?;
    let ours = value.get("@context").is_some_and(|c| {
        c == CONTEXT_IRI
            || c.as_array()
                .is_some_and(|a| a.iter().any(|c| c == CONTEXT_IRI))
    });
    if !ours {
        check_json_ld(&value)?;
        return Ok(Received::Other(value));
    }
    let notification = notification(value)?;
    check(&notification)?;
    Ok(Received::Verdict(Box::new(notification)))
}

/// Deserializes, naming the field that failed.
fn notification(value: serde_json::Value) -> Result<Notification, Error> {
    serde_json::from_value(value)
        .map_err(|e| Error::Payload(format!("a verdict notification: {e}")))
}

/// The rules of a JSON-LD document a receiver can store: an object, or an array of
/// objects; `@context`, when there is one, a string IRI, an object or an array of them.
fn check_json_ld(value: &serde_json::Value) -> Result<(), Error> {
    let objects: Vec<&serde_json::Value> = match value {
        serde_json::Value::Object(_) => vec![value],
        serde_json::Value::Array(items) if !items.is_empty() => items.iter().collect(),
        _ => {
            return Err(Error::Payload(
                "a JSON-LD notification is an object or an array of objects".to_owned(),
            ));
        }
    };
    for object in objects {
        let Some(map) = object.as_object() else {
            return Err(Error::Payload(
                "a JSON-LD notification is an object or an array of objects".to_owned(),
            ));
        };
        if let Some(context) = map.get("@context") {
            let fine = |c: &serde_json::Value| c.is_string() || c.is_object();
            let ok = fine(context) || context.as_array().is_some_and(|a| a.iter().all(fine));
            if !ok {
                return Err(Error::Payload(
                    "`@context` is an IRI, an object or an array of them".to_owned(),
                ));
            }
        }
        if map.is_empty() {
            return Err(Error::Payload(
                "the notification is an empty object".to_owned(),
            ));
        }
    }
    Ok(())
}

/// The field rules serde cannot say.
fn check(n: &Notification) -> Result<(), Error> {
    let bad = |field: &str, why: &str| Err(Error::Payload(format!("`{field}`: {why}")));
    if !is_absolute_url(&n.id) {
        return bad("id", "an absolute http(s) URL");
    }
    if !is_absolute_url(&n.actor) {
        return bad("actor", "the sending tracker's absolute http(s) URL");
    }
    if !is_rfc3339(&n.published) {
        return bad("published", "an RFC 3339 time");
    }
    let v = &n.object;
    if !is_vulnerability_id(&v.vulnerability) {
        return bad(
            "object.vulnerability",
            "a vulnerability id such as CVE-2026-1234",
        );
    }
    if !(v.product.starts_with("pkg:") || v.product.starts_with("cpe:2.3:")) || v.product.len() < 6
    {
        return bad(
            "object.product",
            "a purl (pkg:…) or a CPE 2.3 name (cpe:2.3:…)",
        );
    }
    for (field, text) in [
        ("object.package", &v.package),
        ("object.distribution", &v.distribution),
        ("object.branch", &v.branch),
    ] {
        if text.trim().is_empty() || text.len() > 200 || text.chars().any(char::is_control) {
            return bad(field, "a name of 1 to 200 printable characters");
        }
    }
    if !is_rfc3339(&v.changed) {
        return bad("object.changed", "an RFC 3339 time");
    }
    match (v.status, &v.fixed_version, v.justification) {
        (Status::Fixed, None, _) => {
            return bad("object.fixedVersion", "required with status fixed");
        }
        (Status::Fixed, Some(version), _) if version.trim().is_empty() => {
            return bad("object.fixedVersion", "not empty");
        }
        (s, Some(_), _) if s != Status::Fixed => {
            return bad("object.fixedVersion", "only with status fixed");
        }
        (Status::NotAffected, _, None)
            if v.rationale.as_deref().is_none_or(|r| r.trim().is_empty()) =>
        {
            return bad(
                "object.justification",
                "required with status not_affected, unless a rationale says why",
            );
        }
        (s, _, Some(_)) if s != Status::NotAffected => {
            return bad("object.justification", "only with status not_affected");
        }
        _ => {}
    }
    if v.rationale.as_ref().is_some_and(|r| r.len() > 4000) {
        return bad("object.rationale", "at most 4000 bytes");
    }
    Ok(())
}

fn is_absolute_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `PREFIX-REST`: letters, then `-`, then letters, digits, `-`, `_`, `.`, `:`.
fn is_vulnerability_id(text: &str) -> bool {
    let Some((prefix, rest)) = text.split_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        && text.len() <= 64
}

/// `2026-11-02T10:00:00Z`, `2026-11-02T10:00:00.123+01:00`.
fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
    {
        return false;
    }
    if !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> Notification {
        Notification {
            context: CONTEXT_IRI.to_owned(),
            id: "https://debian.example/ldn/outbox/41".to_owned(),
            activity: Activity::Update,
            actor: "https://debian.example/".to_owned(),
            published: "2026-11-02T10:00:00Z".to_owned(),
            object: Verdict {
                kind: VerdictType::Verdict,
                vulnerability: "CVE-2026-1234".to_owned(),
                product: "pkg:generic/openssl".to_owned(),
                upstream: Some("openssl".to_owned()),
                package: "openssl".to_owned(),
                distribution: "Debian".to_owned(),
                branch: "bookworm".to_owned(),
                status: Status::NotAffected,
                fixed_version: None,
                justification: Some(Justification::VulnerableCodeNotPresent),
                rationale: Some("Built without the legacy provider.".to_owned()),
                changed: "2026-11-02T09:58:12Z".to_owned(),
            },
        }
    }

    #[test]
    fn every_example_is_a_valid_notification() {
        let examples = examples();
        assert!(examples.len() >= 11);
        for n in examples {
            let text = n.to_json();
            assert_eq!(
                read(text.as_bytes()).unwrap(),
                Received::Verdict(Box::new(n)),
                "{text}"
            );
        }
    }

    #[test]
    fn round_trip() {
        let n = sample();
        let text = n.to_json();
        assert!(text.contains("\"type\":\"Update\""), "{text}");
        assert!(text.contains("\"status\":\"not_affected\""), "{text}");
        assert!(!text.contains("fixedVersion"), "{text}");
        assert_eq!(
            read(text.as_bytes()).unwrap(),
            Received::Verdict(Box::new(n))
        );
    }

    #[test]
    fn the_context_is_json_ld_with_every_term() {
        let context: serde_json::Value = serde_json::from_str(CONTEXT).unwrap();
        let terms = context["@context"].as_object().unwrap();
        let text = sample().to_json();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.extend(value["object"].as_object().unwrap().keys().cloned());
        keys.push("fixedVersion".to_owned());
        for key in keys.iter().filter(|k| *k != "@context") {
            assert!(
                terms.contains_key(key),
                "{key} is not defined by the context"
            );
        }
        for value in [
            "Update",
            "Announce",
            "Verdict",
            "not_affected",
            "vulnerable_code_not_present",
            "different_software",
        ] {
            assert!(
                terms.contains_key(value),
                "{value} is not defined by the context"
            );
        }
    }

    #[test]
    fn bad_fields_are_named() {
        type Change = Box<dyn Fn(&mut serde_json::Value)>;
        let cases: Vec<(&str, Change)> = vec![
            ("`id`", Box::new(|v| v["id"] = "outbox/41".into())),
            ("`actor`", Box::new(|v| v["actor"] = "ftp://x".into())),
            (
                "`published`",
                Box::new(|v| v["published"] = "yesterday".into()),
            ),
            (
                "object.vulnerability",
                Box::new(|v| v["object"]["vulnerability"] = "CVE".into()),
            ),
            (
                "object.product",
                Box::new(|v| v["object"]["product"] = "openssl".into()),
            ),
            (
                "object.branch",
                Box::new(|v| v["object"]["branch"] = " ".into()),
            ),
            (
                "object.changed",
                Box::new(|v| v["object"]["changed"] = "2026-11-02".into()),
            ),
            (
                "object.justification",
                Box::new(|v| {
                    let object = v["object"].as_object_mut().unwrap();
                    object.remove("justification");
                    object.remove("rationale");
                }),
            ),
            (
                "object.fixedVersion",
                Box::new(|v| v["object"]["status"] = "fixed".into()),
            ),
            (
                "unknown variant `maybe`",
                Box::new(|v| v["object"]["status"] = "maybe".into()),
            ),
            (
                "unknown field `colour`",
                Box::new(|v| v["object"]["colour"] = "red".into()),
            ),
            (
                "missing field `package`",
                Box::new(|v| {
                    v["object"].as_object_mut().unwrap().remove("package");
                }),
            ),
            (
                "unknown variant `Create`",
                Box::new(|v| v["type"] = "Create".into()),
            ),
        ];
        for (want, change) in cases {
            let mut value: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
            change(&mut value);
            let err = read(value.to_string().as_bytes()).unwrap_err().to_string();
            assert!(err.contains(want), "{want}: {err}");
        }
    }

    #[test]
    fn other_json_ld_is_kept() {
        let announce = br#"{"@context": "https://www.w3.org/ns/activitystreams", "@id": "",
            "@type": "Announce", "actor": "https://rhiaro.co.uk/#me"}"#;
        assert!(matches!(read(announce).unwrap(), Received::Other(_)));
        let expanded = br#"[{"@id": "", "@type": ["http://rdfs.org/sioc/ns#Comment"]}]"#;
        assert!(matches!(read(expanded).unwrap(), Received::Other(_)));
        for (body, want) in [
            (&b"[]"[..], "an object or an array"),
            (b"42", "an object or an array"),
            (b"{}", "empty object"),
            (b"{\"@context\": 5, \"a\": 1}", "`@context` is"),
            (b"{\"a\": ", "not JSON"),
        ] {
            let err = read(body).unwrap_err().to_string();
            assert!(
                err.contains(want),
                "{}: {err}",
                String::from_utf8_lossy(body)
            );
        }
        let big = vec![b' '; MAX_BYTES + 1];
        assert!(read(&big).unwrap_err().to_string().contains("more than"));
    }

    #[test]
    fn times() {
        for good in [
            "2026-11-02T10:00:00Z",
            "2026-11-02T10:00:00.5+01:00",
            "2026-11-02t10:00:00z",
        ] {
            assert!(is_rfc3339(good), "{good}");
        }
        for bad in [
            "2026-11-02",
            "2026-11-02T10:00Z",
            "2026-11-02T10:00:00",
            "2026-11-02T10:00:00.Z",
            "2026-1-02T10:00:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
