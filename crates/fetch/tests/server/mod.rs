//! A small HTTP/1.1 server on 127.0.0.1 for the fetch tests: one thread, one request per
//! connection, answers chosen by a closure that sees every request in order.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    /// Position among all requests, from 0.
    pub n: usize,
}

impl Seen {
    pub fn int(&self, key: &str) -> Option<usize> {
        self.query.get(key).and_then(|v| v.parse().ok())
    }
}

/// An answer: status, headers, body; `cut` sends a `Content-Length` that many bytes longer
/// than the body and closes the connection early; `hang` never answers (the connection is
/// kept open until the test ends), for time-outs.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub cut: usize,
    pub hang: bool,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            body: body.into(),
            ..Reply::default()
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            body: b"{\"error\": true}".to_vec(),
            ..Reply::default()
        }
    }

    pub fn header(mut self, key: &str, value: &str) -> Reply {
        self.headers.push((key.into(), value.into()));
        self
    }
}

/// The running server: its base URL and the requests it has seen.
pub struct Server {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Starts a server answering with `handler`; it runs until the test process ends.
    pub fn start(handler: impl Fn(&Seen) -> Reply + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        thread::spawn(move || {
            let mut hung = Vec::new();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if let Ok(Some(stream)) = serve(stream, &handler, &log) {
                    hung.push(stream);
                }
            }
        });
        Server { url, seen }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(
    mut stream: TcpStream,
    handler: &impl Fn(&Seen) -> Reply,
    log: &Mutex<Vec<Seen>>,
) -> std::io::Result<Option<TcpStream>> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let target = line.split(' ').nth(1).unwrap_or("/").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    let seen = {
        let mut log = log.lock().unwrap();
        let seen = Seen {
            path: path.to_string(),
            query,
            headers,
            n: log.len(),
        };
        log.push(seen.clone());
        seen
    };
    let reply = handler(&seen);
    if reply.hang {
        return Ok(Some(stream));
    }
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len() + reply.cut
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&reply.body)?;
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Both)?;
    Ok(None)
}

/// Percent-decoding of a query part (`+` is a space in forms; NVD's `+` offsets must come
/// encoded as `%2B`, which the tests check).
pub fn decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// NVD API pages cut from one list of `vulnerabilities` by `startIndex` and
/// `resultsPerPage`, as the real API serves them.
#[derive(Clone)]
pub struct Pages {
    pub items: Arc<Vec<serde_json::Value>>,
}

impl Pages {
    pub fn new(items: Vec<serde_json::Value>) -> Pages {
        Pages {
            items: Arc::new(items),
        }
    }

    /// The 38 CVEs of vunnel's API 2.0 page.
    pub fn vunnel(fixtures: &std::path::Path) -> Pages {
        let path = fixtures.join("nvd/vunnel/nvd-api2-full-page.json");
        let page: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        Pages::new(page["vulnerabilities"].as_array().unwrap().clone())
    }

    /// The page for request `seen`.
    pub fn page(&self, seen: &Seen) -> Vec<u8> {
        let start = seen.int("startIndex").unwrap_or(0);
        let per = seen.int("resultsPerPage").unwrap_or(2000);
        let end = (start + per).min(self.items.len());
        let slice = self.items.get(start..end).unwrap_or(&[]);
        serde_json::to_vec(&serde_json::json!({
            "resultsPerPage": slice.len(),
            "startIndex": start,
            "totalResults": self.items.len(),
            "format": "NVD_CVE",
            "version": "2.0",
            "timestamp": "2026-03-01T00:00:00.000",
            "vulnerabilities": slice,
        }))
        .unwrap()
    }
}

/// The CVE ids of an API page.
pub fn ids(page: &[u8]) -> Vec<String> {
    let page: serde_json::Value = serde_json::from_slice(page).unwrap();
    page["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["cve"]["id"].as_str().unwrap().to_string())
        .collect()
}
