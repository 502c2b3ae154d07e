//! A blocking HTTP(S) client that retries what is worth retrying and keeps to a rate limit.
//!
//! Retried: 403 and 429 (NVD's answers to a client over its rate limit), 5xx, connection
//! failures, timeouts, and bodies that end early or fail the caller's check (a cut gzip
//! stream, a JSON page that does not parse). Not retried: other statuses (404, 400 for a
//! bad query) and bad URLs. Every wait goes through the [`Clock`].

use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use secfixes_apk::{Error, ErrorKind, Result};

use crate::clock::Clock;
use crate::rate_limit::RateLimiter;
use crate::retry::{Backoff, parse_retry_after};

/// Something to report while fetching (a retry and why), for logs and progress lines.
pub type Notify = Box<dyn Fn(&str) + Send + Sync>;

/// One GET: the URL, its query parameters and extra headers.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub url: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// A GET of `url` with no parameters.
    pub fn get(url: impl Into<String>) -> Self {
        Request {
            url: url.into(),
            ..Request::default()
        }
    }

    /// Adds a query parameter (percent-encoded when sent).
    #[must_use]
    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }

    /// The URL with its query, unencoded, for messages.
    pub fn display(&self) -> String {
        let mut text = self.url.clone();
        for (i, (key, value)) in self.query.iter().enumerate() {
            text.push(if i == 0 { '?' } else { '&' });
            text.push_str(&format!("{key}={value}"));
        }
        text
    }

    /// Adds a request header.
    #[must_use]
    pub fn header(mut self, key: &str, value: impl Into<String>) -> Self {
        self.headers.push((key.to_string(), value.into()));
        self
    }
}

/// The HTTP client with its rate limit, back-off and clock.
pub struct Client {
    agent: ureq::Agent,
    clock: Arc<dyn Clock>,
    limiter: RateLimiter,
    backoff: Backoff,
    notify: Option<Notify>,
    requests: u64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("clock", &self.clock)
            .field("limiter", &self.limiter)
            .field("backoff", &self.backoff)
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed, and whether another may succeed.
struct Failure {
    message: String,
    retry: bool,
    retry_after: Option<Duration>,
}

impl Client {
    /// A client with no rate limit, the default back-off, and generous timeouts (a
    /// 2,000-CVE NVD page can take a minute to be produced).
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Client::with_timeout(clock, Duration::from_secs(180))
    }

    /// As [`Client::new`], with `timeout` for connecting, for the response to start and
    /// between reads of the body.
    pub fn with_timeout(clock: Arc<dyn Clock>, timeout: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("secfixes/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(timeout.min(Duration::from_secs(30))))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .build();
        Client {
            agent: config.into(),
            clock,
            limiter: RateLimiter::unlimited(),
            backoff: Backoff::default(),
            notify: None,
            requests: 0,
        }
    }

    /// Keeps to `limiter` from now on.
    #[must_use]
    pub fn rate_limit(mut self, limiter: RateLimiter) -> Self {
        self.limiter = limiter;
        self
    }

    /// Uses `backoff` for retries.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Calls `notify` with a line for each retry.
    #[must_use]
    pub fn notify(mut self, notify: Notify) -> Self {
        self.notify = Some(notify);
        self
    }

    /// The clock the client waits on.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Sends `request` until `body` accepts a whole 2xx response body, retrying by the rules
    /// above. `body` reads the response; any error from it (a read error on a cut
    /// connection, a gzip or JSON check that fails) counts as a bad body and is retried.
    /// The error after the last attempt names the URL and the last reason.
    pub fn fetch<T>(
        &mut self,
        request: &Request,
        mut body: impl FnMut(&mut dyn Read) -> Result<T>,
    ) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.attempt(request, &mut body) {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            if !failure.retry || attempt >= self.backoff.max_attempts {
                let tries = if attempt > 1 {
                    format!(" (after {attempt} attempts)")
                } else {
                    String::new()
                };
                return Err(Error::new(
                    ErrorKind::Network,
                    format!("GET failed: {}{tries}", failure.message),
                )
                .in_file(request.display()));
            }
            let wait = self.backoff.delay(attempt, failure.retry_after);
            if let Some(notify) = &self.notify {
                notify(&format!(
                    "{}: {}; retrying in {:.1} s (attempt {} of {})",
                    request.display(),
                    failure.message,
                    wait.as_secs_f64(),
                    attempt + 1,
                    self.backoff.max_attempts
                ));
            }
            self.clock.sleep(wait);
        }
    }

    fn attempt<T>(
        &mut self,
        request: &Request,
        body: &mut impl FnMut(&mut dyn Read) -> Result<T>,
    ) -> std::result::Result<T, Failure> {
        self.limiter.acquire(self.clock.as_ref());
        self.requests += 1;
        let mut call = self.agent.get(&request.url);
        for (key, value) in &request.query {
            call = call.query(key, value);
        }
        for (key, value) in &request.headers {
            call = call.header(key, value);
        }
        let mut response = call.call().map_err(transport_failure)?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let now = self.clock.wall();
            let retry_after = header("retry-after")
                .as_deref()
                .and_then(|v| parse_retry_after(v, now));
            // NVD explains a refused query in a `message` header.
            let detail = header("message").map_or(String::new(), |m| format!(": {m}"));
            return Err(Failure {
                message: format!("HTTP status {status}{detail}"),
                retry: matches!(status, 403 | 408 | 429 | 500..=599),
                retry_after,
            });
        }
        let mut reader = response.body_mut().as_reader();
        body(&mut reader).map_err(|err| Failure {
            message: format!("bad response body: {err}"),
            retry: true,
            retry_after: None,
        })
    }
}

fn transport_failure(err: ureq::Error) -> Failure {
    let retry = matches!(
        err,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
            | ureq::Error::Decompress(..)
            | ureq::Error::BodyStalled
    );
    Failure {
        message: err.to_string(),
        retry,
        retry_after: None,
    }
}

/// Reads a whole body, with the error naming the cause (a connection closed before
/// `Content-Length` bytes came is an `UnexpectedEof` here).
pub fn read_all(reader: &mut dyn Read) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|err| {
        Error::new(ErrorKind::Truncated, format!("reading the body: {err}")).caused_by(err)
    })?;
    Ok(bytes)
}
