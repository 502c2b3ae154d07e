//! The blocking HTTP client the relying party talks to its provider with.

use std::time::Duration;

use super::OidcError;

/// The largest response body read from the provider (discovery, JWKS, token, userinfo).
pub(crate) const BODY_LIMIT: u64 = 1 << 20;

/// A response: its status and at most [`BODY_LIMIT`] bytes of body.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as a JSON object, or an error naming `url`.
    pub(crate) fn json_object(
        &self,
        url: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, OidcError> {
        match serde_json::from_slice(&self.body) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            Ok(_) => Err(OidcError::Document {
                url: url.to_owned(),
                message: "the response is JSON but not an object".to_owned(),
            }),
            Err(err) => Err(OidcError::Document {
                url: url.to_owned(),
                message: format!("the response is not JSON: {err}"),
            }),
        }
    }
}

/// A ureq agent with short timeouts: the web layer waits for these calls while a user
/// waits for the page.
#[derive(Debug)]
pub(crate) struct Http {
    agent: ureq::Agent,
}

impl Http {
    pub(crate) fn new() -> Http {
        let config = ureq::Agent::config_builder()
            // Statuses are ours to interpret: a token endpoint's 400 carries an OAuth error.
            .http_status_as_error(false)
            .user_agent(concat!("secfixes/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(10)))
            .timeout_per_read(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        Http {
            agent: config.into(),
        }
    }

    /// GET `url`, with `Authorization: Bearer` when `bearer` is given.
    pub(crate) fn get(&self, url: &str, bearer: Option<&str>) -> Result<Response, OidcError> {
        let mut request = self.agent.get(url).header("Accept", "application/json");
        if let Some(token) = bearer {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        read(url, request.call())
    }

    /// POST `form` to `url` as `application/x-www-form-urlencoded`, with `authorization`
    /// as the `Authorization` header when given.
    pub(crate) fn post_form(
        &self,
        url: &str,
        authorization: Option<&str>,
        form: &[(&str, &str)],
    ) -> Result<Response, OidcError> {
        let mut request = self.agent.post(url).header("Accept", "application/json");
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        read(url, request.send_form(form.iter().copied()))
    }
}

fn read(
    url: &str,
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Response, OidcError> {
    let fail = |err: ureq::Error| OidcError::Http {
        url: url.to_owned(),
        message: match err {
            ureq::Error::BodyExceedsLimit(_) => {
                format!("the response body is larger than {BODY_LIMIT} bytes")
            }
            other => other.to_string(),
        },
    };
    let mut response = result.map_err(fail)?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_vec()
        .map_err(fail)?;
    Ok(Response { status, body })
}
