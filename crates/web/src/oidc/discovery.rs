//! OpenID Connect Discovery 1.0: the provider's metadata document.

use serde_json::{Map, Value};

use super::OidcError;
use super::http::Http;

/// What the relying party needs from the provider's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Metadata {
    pub(crate) issuer: String,
    pub(crate) authorization_endpoint: String,
    pub(crate) token_endpoint: String,
    pub(crate) jwks_uri: String,
    pub(crate) userinfo_endpoint: Option<String>,
    pub(crate) end_session_endpoint: Option<String>,
    /// `token_endpoint_auth_methods_supported`; empty when the document leaves it out,
    /// which means `client_secret_basic` (Discovery §3).
    pub(crate) token_endpoint_auth_methods: Vec<String>,
}

/// The discovery URL of `issuer`: any terminating `/` is removed before appending
/// `/.well-known/openid-configuration` (Discovery §4).
pub(crate) fn url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// Fetches and checks the metadata of `issuer`.
pub(crate) fn fetch(http: &Http, issuer: &str) -> Result<Metadata, OidcError> {
    let url = url(issuer);
    let response = http.get(&url, None)?;
    if !response.is_success() {
        return Err(OidcError::Status {
            url,
            status: response.status,
        });
    }
    let doc = response.json_object(&url)?;
    parse(&url, issuer, &doc)
}

fn parse(url: &str, issuer: &str, doc: &Map<String, Value>) -> Result<Metadata, OidcError> {
    let found = required(url, doc, "issuer")?;
    // Discovery §4.3: exactly the configured issuer, or an attacker's metadata could
    // stand in for it (no normalisation of trailing slashes or case).
    if found != issuer {
        return Err(OidcError::IssuerMismatch {
            url: url.to_owned(),
            expected: issuer.to_owned(),
            found: found.to_owned(),
        });
    }
    let authorization_endpoint = endpoint(url, doc, "authorization_endpoint")?;
    // RFC 6749 §3.1: the endpoint URI must not include a fragment.
    if authorization_endpoint.contains('#') {
        return Err(invalid(url, "authorization_endpoint", "has a fragment"));
    }
    let token_endpoint = endpoint(url, doc, "token_endpoint")?;
    let jwks_uri = endpoint(url, doc, "jwks_uri")?;
    let userinfo_endpoint = optional_endpoint(url, doc, "userinfo_endpoint")?;
    let end_session_endpoint = optional_endpoint(url, doc, "end_session_endpoint")?;
    let token_endpoint_auth_methods = match doc.get("token_endpoint_auth_methods_supported") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(_) => {
            return Err(invalid(
                url,
                "token_endpoint_auth_methods_supported",
                "is not an array",
            ));
        }
    };
    Ok(Metadata {
        issuer: found.to_owned(),
        authorization_endpoint,
        token_endpoint,
        jwks_uri,
        userinfo_endpoint,
        end_session_endpoint,
        token_endpoint_auth_methods,
    })
}

fn required<'a>(
    url: &str,
    doc: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, OidcError> {
    match doc.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        None | Some(Value::Null) => Err(OidcError::MissingMetadata {
            url: url.to_owned(),
            field,
        }),
        Some(_) => Err(invalid(url, field, "is not a non-empty string")),
    }
}

fn endpoint(url: &str, doc: &Map<String, Value>, field: &'static str) -> Result<String, OidcError> {
    let value = required(url, doc, field)?;
    if !(value.starts_with("https://") || value.starts_with("http://")) {
        return Err(invalid(url, field, "is not an http(s) URL"));
    }
    Ok(value.to_owned())
}

fn optional_endpoint(
    url: &str,
    doc: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, OidcError> {
    match doc.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => endpoint(url, doc, field).map(Some),
    }
}

fn invalid(url: &str, field: &str, what: &str) -> OidcError {
    OidcError::Document {
        url: url.to_owned(),
        message: format!("`{field}` {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn discovery_url_drops_the_trailing_slash() {
        assert_eq!(
            url("https://gitlab.example/"),
            "https://gitlab.example/.well-known/openid-configuration"
        );
        assert_eq!(
            url("https://id.example/realms/x"),
            "https://id.example/realms/x/.well-known/openid-configuration"
        );
    }

    #[test]
    fn fields_are_checked() {
        let good = serde_json::json!({
            "issuer": "https://op",
            "authorization_endpoint": "https://op/authorize?x=1",
            "token_endpoint": "https://op/token",
            "jwks_uri": "https://op/jwks",
        });
        let m = parse("u", "https://op", &doc(good.clone())).expect("valid metadata");
        assert_eq!(m.userinfo_endpoint, None);
        assert!(m.token_endpoint_auth_methods.is_empty());

        let mut missing = doc(good.clone());
        missing.remove("jwks_uri");
        assert!(matches!(
            parse("u", "https://op", &missing),
            Err(OidcError::MissingMetadata {
                field: "jwks_uri",
                ..
            })
        ));

        let mut bad = doc(good.clone());
        bad.insert("token_endpoint".into(), Value::from("javascript:x"));
        assert!(matches!(
            parse("u", "https://op", &bad),
            Err(OidcError::Document { .. })
        ));

        let mut number = doc(good);
        number.insert("userinfo_endpoint".into(), Value::from(3));
        assert!(parse("u", "https://op", &number).is_err());
    }
}
