//! Content negotiation: HTML for browsers and for `*/*` (curl's default, which the
//! original tracker refused with 406), JSON-LD for `application/ld+json`, plain JSON
//! (the same document) for `application/json`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};

use crate::error::WebError;

/// What a response is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    JsonLd,
    Json,
}

impl Format {
    /// The media type of a response in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::JsonLd => "application/ld+json",
            Format::Json => "application/json",
        }
    }

    /// The format the `Accept` header prefers; `None` when it accepts none of ours.
    pub fn of(headers: &HeaderMap) -> Option<Format> {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Some(Format::Html);
        };
        if accept.trim().is_empty() {
            return Some(Format::Html);
        }
        let mut best: Option<(f32, u8, Format)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let mut q = 1.0_f32;
            for p in parts {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            if q <= 0.0 {
                continue;
            }
            // More specific ranges win ties: an exact type over `text/*` over `*/*`.
            let (format, specificity) = match media.as_str() {
                "text/html" | "application/xhtml+xml" => (Format::Html, 2),
                "application/ld+json" => (Format::JsonLd, 2),
                "application/json" => (Format::Json, 2),
                "text/*" => (Format::Html, 1),
                "application/*" => (Format::JsonLd, 1),
                "*/*" => (Format::Html, 0),
                _ => continue,
            };
            let better = match best {
                None => true,
                Some((bq, bs, _)) => q > bq || (q == bq && specificity > bs),
            };
            if better {
                best = Some((q, specificity, format));
            }
        }
        best.map(|(_, _, f)| f)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Format, WebError> {
        Format::of(&parts.headers).ok_or_else(|| {
            WebError::new(
                StatusCode::NOT_ACCEPTABLE,
                "this resource is available as text/html, application/ld+json and application/json",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn of(accept: &str) -> Option<Format> {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT,
            HeaderValue::from_str(accept).unwrap_or(HeaderValue::from_static("")),
        );
        Format::of(&h)
    }

    #[test]
    fn picks_by_quality_and_specificity() {
        assert_eq!(Format::of(&HeaderMap::new()), Some(Format::Html));
        assert_eq!(of("*/*"), Some(Format::Html));
        assert_eq!(of("application/ld+json"), Some(Format::JsonLd));
        assert_eq!(of("application/json"), Some(Format::Json));
        assert_eq!(
            of("text/html,application/xhtml+xml,*/*;q=0.8"),
            Some(Format::Html)
        );
        assert_eq!(
            of("application/json;q=0.5, application/ld+json"),
            Some(Format::JsonLd)
        );
        assert_eq!(of("*/*, application/json"), Some(Format::Json));
        assert_eq!(of("image/png"), None);
        assert_eq!(of("text/html;q=0"), None);
    }
}
