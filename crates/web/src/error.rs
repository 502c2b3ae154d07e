//! Errors as responses: a handler returns a [`WebError`], and [`render`] (a middleware
//! that knows the request's `Accept`) turns it into an HTML page or a JSON object, so
//! that every error, wherever it is raised, looks the same.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::layout;
use crate::negotiate::Format;

/// A failed request: its status and a message for the person or program that asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
}

impl WebError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> WebError {
        WebError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn bad_request(message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn internal(message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<secfixes_tracker::Error> for WebError {
    fn from(e: secfixes_tracker::Error) -> WebError {
        WebError::internal(e.to_string())
    }
}

impl IntoResponse for WebError {
    /// A bare response carrying the error; [`render`] gives it its body.
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Gives every error response its body, in the format the request asked for. Server
/// errors are logged; their details stay out of the page.
pub async fn render(request: Request, next: Next) -> Response {
    let format = Format::of(request.headers()).unwrap_or(Format::Html);
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let Some(error) = response.extensions_mut().remove::<WebError>() else {
        return response;
    };
    let message = if error.status.is_server_error() {
        eprintln!("secfixes serve: {path}: {}", error.message);
        "the server failed to answer this request; the error is in its log".to_owned()
    } else {
        error.message
    };
    let mut out = match format {
        Format::Html => {
            let title = error.status.canonical_reason().unwrap_or("Error");
            let body = layout::error_page(error.status.as_u16(), title, &message);
            (error.status, axum::response::Html(body.into_string())).into_response()
        }
        Format::JsonLd | Format::Json => {
            let body = serde_json::json!({
                "error": message,
                "status": error.status.as_u16(),
            });
            (
                error.status,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response()
        }
    };
    // Headers set for the error (Allow, say) stay.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
