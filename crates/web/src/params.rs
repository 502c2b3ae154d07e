//! Query strings: read into a map of strings and checked field by field, so that a
//! malformed value is a 400 that names the parameter, never a 500 or a panic. Empty
//! values (what an HTML form sends for "any") count as absent.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;

use crate::error::WebError;

/// The query string's parameters (the last of repeated ones).
#[derive(Debug, Clone, Default)]
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Params, WebError> {
        let Query(map) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                WebError::bad_request(format!("malformed query string: {}", e.body_text()))
            })?;
        Ok(Params(map))
    }
}

impl Params {
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// A text parameter; `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// A whole number from `min` to `max`, or `default` when absent.
    pub fn number(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64, WebError> {
        let Some(v) = self.text(name) else {
            return Ok(default);
        };
        match v.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(WebError::bad_request(format!(
                "{name} must be a whole number from {min} to {max}, not {v:?}"
            ))),
        }
    }

    /// One of `choices` (by name), or `None` when absent.
    pub fn choice<T: Copy>(
        &self,
        name: &str,
        choices: &[(&str, T)],
    ) -> Result<Option<T>, WebError> {
        let Some(v) = self.text(name) else {
            return Ok(None);
        };
        choices
            .iter()
            .find(|(n, _)| *n == v)
            .map(|(_, c)| Some(*c))
            .ok_or_else(|| {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                WebError::bad_request(format!(
                    "{name} must be one of {}, not {v:?}",
                    names.join(", ")
                ))
            })
    }
}

/// A form body (`application/x-www-form-urlencoded`) with every pair in order, so that
/// repeated names (checkboxes) are all kept; a malformed body is a 400.
#[derive(Debug, Clone, Default)]
pub struct Form(Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Form {
    type Rejection = WebError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Form, WebError> {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|e| WebError::bad_request(format!("malformed form: {}", e.body_text())))?;
        Ok(Form(pairs))
    }
}

impl Form {
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Form {
        Form(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// The last value of `name`, trimmed; `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.raw(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The last value of `name` as sent.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every non-empty value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }
}
