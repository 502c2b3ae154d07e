//! JSON-LD: the `@context` document (every term the API uses is defined, unlike the
//! original's, whose top-level key was `"context"` and which left `minimumVersion`,
//! `cpeUri` and others undefined) and the ids of things, which keep the original
//! tracker's shapes: `/vuln/<CVE>`, `…#state/<n>`, `…#ref/<n>`, `…#cpeMatch/<n>`,
//! `/srcpkg/<name>`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::error::WebError;
use crate::links;
use crate::negotiate::Format;

/// The context document served at `/static/context.jsonld`.
pub const CONTEXT: &str = include_str!("../static/context.jsonld");

/// Where the context document is, below the base URL.
pub const CONTEXT_PATH: &str = "/static/context.jsonld";

/// The scheme and authority ids start with: the configured public URL, or what the
/// request came to (`X-Forwarded-Proto` and `Host`; the original always said https).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base(pub String);

/// The public base URL from the server's settings, when configured.
#[derive(Debug, Clone, Default)]
pub struct PublicUrl(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Base {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Base, WebError> {
        if let Some(PublicUrl(Some(url))) = parts.extensions.get::<PublicUrl>() {
            return Ok(Base(url.trim_end_matches('/').to_owned()));
        }
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'@')
            })
            .unwrap_or("localhost");
        let scheme = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .filter(|p| *p == "https" || *p == "http")
            .unwrap_or("http");
        Ok(Base(format!("{scheme}://{host}")))
    }
}

impl Base {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    pub fn context(&self) -> String {
        self.url(CONTEXT_PATH)
    }

    pub fn cve(&self, id: &str) -> String {
        self.url(&links::cve(id))
    }

    pub fn package(&self, origin: &str) -> String {
        self.url(&links::package(origin))
    }

    /// One version of a package in one repository: the version's document, with the
    /// repository tag as the fragment (the same version is often in several).
    pub fn package_version(&self, origin: &str, version: &str, tag: &str) -> String {
        format!(
            "{}#{}",
            self.url(&links::package_version(origin, version)),
            links::segment(tag)
        )
    }

    /// A state: `/vuln/<CVE>#state/<tag>/<origin>/<version>`.
    pub fn state(&self, cve: &str, tag: &str, origin: &str, version: &str) -> String {
        format!(
            "{}#state/{}/{}/{}",
            self.cve(cve),
            links::segment(tag),
            links::segment(origin),
            links::segment(version)
        )
    }

    pub fn branch(&self, tag: &str) -> String {
        self.url(&links::branch(tag))
    }

    pub fn maintainer(&self, m: &str) -> String {
        self.url(&links::maintainer(m))
    }
}

/// A JSON-LD document: the object with `@context` first, and the tracker's LDN inbox
/// (`ldp:inbox`), where notifications about it are sent (LDN section 3.1).
pub fn document(base: &Base, body: Value) -> Value {
    let mut out = Map::new();
    out.insert("@context".to_owned(), Value::String(base.context()));
    if let Value::Object(fields) = body {
        out.extend(fields);
    }
    out.insert(
        "inbox".to_owned(),
        Value::String(base.url(crate::inbox::PATH)),
    );
    Value::Object(out)
}

/// A collection document: `id`, `type: Collection`, `totalItems`, `items`, and more
/// fields (paging links) from `extra`.
pub fn collection(base: &Base, id: String, total: usize, items: Vec<Value>, extra: Value) -> Value {
    let mut body = json!({
        "id": id,
        "type": "Collection",
        "totalItems": total,
        "items": items,
    });
    if let (Value::Object(fields), Value::Object(more)) = (&mut body, extra) {
        fields.extend(more);
    }
    document(base, body)
}

/// A JSON-LD (or plain JSON) response.
pub fn response(format: Format, doc: &Value) -> Response {
    let media = match format {
        Format::Json => "application/json",
        _ => "application/ld+json",
    };
    ([(header::CONTENT_TYPE, media)], doc.to_string()).into_response()
}

/// Drops the `null` fields of an object (JSON-LD would drop them anyway; leaving them
/// out keeps documents small and honest about what is known).
pub fn compact(mut value: Value) -> Value {
    if let Value::Object(fields) = &mut value {
        fields.retain(|_, v| !v.is_null());
    }
    value
}
