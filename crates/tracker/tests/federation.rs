//! Sending verdicts to peers, on both backends, against a scripted inbox on 127.0.0.1:
//! a triage rejection on the demo becomes one notification per branch for each peer that
//! follows openssl (and none for a peer that follows only zlib), signed and with its
//! digest; a 5xx is retried later, counting an attempt, and the rest of that peer's queue
//! waits without counting; a refusal (4xx) is a dead letter at once, which `retry_dead`
//! queues again; 429 waits without counting; the withdrawal is an `Update`.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secfixes_ldn::content_digest;
use secfixes_ldn::signature::{self, Policy, Signer};
use secfixes_ldn::vocabulary::{self, Activity, Justification, Received, Status};
use secfixes_tracker::config::{Config, Delivery, Federation, Peer};
use secfixes_tracker::db::{self, Db};
use secfixes_tracker::federation::{delivery, outbox};
use secfixes_tracker::triage::{self, Actor, Reason, Request};
use secfixes_tracker::{demo, sync::Quiet};
use support::backend_tests;

const CVE: &str = "CVE-2026-90003";

/// A request the inbox saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// An LDN peer that advertises `/inbox` and answers posts with the scripted statuses
/// (201 once the script is used up).
struct FakePeer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl FakePeer {
    fn start() -> FakePeer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let script: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let (s, q) = (Arc::clone(&seen), Arc::clone(&script));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or("").to_owned();
                let path = parts.next().unwrap_or("").to_owned();
                let mut headers = Vec::new();
                loop {
                    let mut h = String::new();
                    reader.read_line(&mut h).unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    let (k, v) = h.split_once(':').unwrap();
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
                }
                let length: usize = headers
                    .iter()
                    .find(|(k, _)| k == "content-length")
                    .map_or(0, |(_, v)| v.parse().unwrap());
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let answer = if method == "GET" {
                    "HTTP/1.1 200 OK\r\nLink: </inbox>; rel=\"http://www.w3.org/ns/ldp#inbox\"\r\n\
                     Content-Length: 2\r\nConnection: close\r\n\r\n{}"
                        .to_owned()
                } else {
                    let status = q.lock().unwrap().pop_front().unwrap_or(201);
                    let n = s.lock().unwrap().len();
                    format!(
                        "HTTP/1.1 {status} X\r\nLocation: /inbox/{n}\r\nRetry-After: 0\r\n\
                         Content-Length: 4\r\nConnection: close\r\n\r\nnope"
                    )
                };
                s.lock().unwrap().push(Seen {
                    method,
                    path,
                    headers,
                    body,
                });
                let mut stream = stream;
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        FakePeer { url, seen, script }
    }

    fn posts(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.method == "POST")
            .cloned()
            .collect()
    }

    fn answer(&self, statuses: &[u16]) {
        self.script.lock().unwrap().extend(statuses);
    }
}

fn signer() -> Signer {
    Signer::from_seed("https://security.secfixes.example/#ldn-key", &[7; 32])
}

fn configured(peer: &FakePeer) -> Config {
    let mut config = demo::embedded_config().unwrap();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let other = Signer::from_seed("x", &[8; 32]).public_key().to_bytes();
    config.federation = Some(Federation {
        key_id: signer().key_id().to_owned(),
        key_file: "unused".into(),
        peers: vec![
            Peer {
                name: "Beta".into(),
                url: peer.url.clone(),
                key_id: format!("{}/#ldn-key", peer.url),
                public_key: other,
                follows: vec!["openssl".into(), "zlib".into()],
            },
            Peer {
                name: "Gamma".into(),
                url: format!("http://{closed}"),
                key_id: "gamma".into(),
                public_key: other,
                follows: vec!["zlib".into()],
            },
        ],
        delivery: Delivery {
            retry_after: Duration::from_secs(5),
            connections: 1,
            ..Delivery::default()
        },
        rate_limit: 100,
    });
    config
}

fn sam() -> Actor {
    Actor {
        id: "sam".into(),
        name: None,
        security: true,
        emails: vec![],
        grants: vec![],
    }
}

fn request<'a>(why: &'a str) -> Request<'a> {
    Request {
        vuln_id: CVE,
        origin: "openssl",
        tags: &[],
        rationale: why,
        evidence: None,
    }
}

fn verdict(body: &[u8]) -> vocabulary::Notification {
    match vocabulary::read(body).unwrap() {
        Received::Verdict(n) => *n,
        other => panic!("{other:?}"),
    }
}

fn now_ms() -> i64 {
    secfixes_tracker::federation::now_ms()
}

backend_tests! {
    fn verdict_changes_reach_the_peers_that_follow_them(db: &mut dyn Db) {
        demo::load(db, &Quiet).unwrap();
        let peer = FakePeer::start();
        let config = configured(&peer);
        // The first run only starts the cursor.
        assert_eq!(outbox::enqueue(db, &config).unwrap(), outbox::Queued::default());

        triage::reject(db, &config, &sam(), &request("Built without the legacy provider."),
            Reason::VulnerableCodeNotPresent).unwrap();
        let queued = outbox::enqueue(db, &config).unwrap();
        assert!(queued.events >= 1);
        assert!(queued.notifications >= 1);
        // Only Beta follows openssl.
        assert_eq!(queued.deliveries, queued.notifications);
        // A peer may follow a package by its product instead.
        let mut by_product = config.federation.clone().unwrap();
        by_product.peers[1].follows = vec!["pkg:apk/demo/openssl".into()];
        let names = |peers: Vec<&Peer>| peers.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(outbox::followers(&by_product, "openssl", "pkg:apk/demo/openssl")), ["Beta", "Gamma"]);
        assert_eq!(names(outbox::followers(&by_product, "zlib", "pkg:apk/demo/zlib")), ["Beta"]);
        assert_eq!(outbox::enqueue(db, &config).unwrap().notifications, 0, "queued once");
        let body = outbox::get(db, 1).unwrap().unwrap();
        let n = verdict(body.as_bytes());
        assert_eq!(n.activity, Activity::Announce);
        assert_eq!(n.id, "https://security.secfixes.example/outbox/1");
        assert_eq!(n.actor, "https://security.secfixes.example");
        assert_eq!(n.object.vulnerability, CVE);
        assert_eq!(n.object.package, "openssl");
        assert_eq!(n.object.product, "pkg:apk/demo/openssl");
        assert_eq!(n.object.status, Status::NotAffected);
        assert_eq!(n.object.justification, Some(Justification::VulnerableCodeNotPresent));
        assert_eq!(n.object.rationale.as_deref(), Some("Built without the legacy provider."));

        // A server error: retried later, an attempt counted; the rest waits uncounted.
        let fed = config.federation.as_ref().unwrap();
        let sender = delivery::Sender::new(fed, signer());
        peer.answer(&[500]);
        let start = now_ms();
        let pass = sender.deliver_due(db, start).unwrap();
        assert_eq!((pass.delivered, pass.dead), (0, 0));
        assert_eq!(pass.retrying, queued.deliveries);
        let health = delivery::health(db, 10).unwrap();
        assert_eq!((health.pending, health.retrying), (i64::try_from(queued.deliveries).unwrap(), 1));
        assert!(sender.next_due(db).unwrap().unwrap() >= start + 5000);
        assert_eq!(sender.deliver_due(db, start + 1000).unwrap(), delivery::Pass::default(), "not due yet");
        let pass = sender.deliver_due(db, start + 10_000).unwrap();
        assert_eq!(pass.delivered, queued.deliveries);
        assert_eq!(delivery::health(db, 10).unwrap().pending, 0);

        // What arrived is signed by our key over the inbox URL, with the body's digest.
        let posts = peer.posts();
        assert_eq!(posts.len(), 1 + queued.deliveries);
        let last = posts.last().unwrap();
        assert_eq!(last.path, "/inbox");
        let header = |name: &str| last.headers.iter().find(|(k, _)| k == name).unwrap().1.clone();
        content_digest::verify(&header("content-digest"), &last.body).unwrap();
        let verified = signature::verify(
            &signature::Request {
                method: "POST".into(),
                target_uri: format!("{}/inbox", peer.url),
                headers: last.headers.clone(),
            },
            &signature::Headers {
                signature_input: header("signature-input"),
                signature: header("signature"),
            },
            |_| Some(signer().public_key()),
            &Policy { required: &signature::COMPONENTS, now: start / 1000, max_age: 300 },
        )
        .unwrap();
        assert_eq!(verified.key_id, signer().key_id());

        // The withdrawal is an Update to affected; a refusal is dead at once, and queued
        // again by retry_dead; 429 waits without counting an attempt.
        triage::withdraw(db, &config, &sam(), &request("")).unwrap();
        let again = outbox::enqueue(db, &config).unwrap();
        assert_eq!(again.notifications, queued.notifications);
        let seq = db::query_int(db, "SELECT MAX(seq) FROM ldn_outbox", &[]).unwrap().unwrap();
        let n = verdict(outbox::get(db, seq).unwrap().unwrap().as_bytes());
        assert_eq!(n.activity, Activity::Update);
        assert_eq!(n.object.status, Status::Affected);
        assert_eq!(n.object.justification, None);
        peer.answer(&[400]);
        let pass = sender.deliver_due(db, start + 20_000).unwrap();
        assert_eq!(pass.dead, 1);
        let health = delivery::health(db, 10).unwrap();
        assert_eq!(health.dead.len(), 1);
        assert_eq!(health.dead[0].peer, "Beta");
        assert!(health.dead[0].error.contains("HTTP 400: nope"), "{:?}", health.dead[0]);
        assert_eq!(delivery::retry_dead(db, Some("Gamma"), start).unwrap(), 0);
        assert_eq!(delivery::retry_dead(db, Some("Beta"), start + 20_000).unwrap(), 1);
        peer.answer(&[429]);
        let pass = sender.deliver_due(db, start + 20_000).unwrap();
        assert_eq!(pass.retrying, again.deliveries);
        assert_eq!(delivery::health(db, 10).unwrap().retrying, 0, "429 counts no attempt");
        let pass = sender.deliver_due(db, start + 60_000).unwrap();
        assert_eq!(pass.delivered, again.deliveries);
        let health = delivery::health(db, 10).unwrap();
        assert_eq!((health.pending, health.dead.len()), (0, 0));
        assert_eq!(health.delivered, i64::try_from(queued.deliveries + again.deliveries).unwrap());
    }
}

fn peer_notification(
    id: &str,
    package: &str,
    upstream: Option<&str>,
    status: &str,
    changed: &str,
) -> vocabulary::Notification {
    let mut object = serde_json::json!({
        "type": "Verdict",
        "vulnerability": CVE,
        "product": "pkg:deb/debian/unknown-name",
        "package": package,
        "distribution": "Debian",
        "branch": "bookworm",
        "status": status,
        "changed": changed,
    });
    if let Some(u) = upstream {
        object["upstream"] = u.into();
    }
    if status == "not_affected" {
        object["justification"] = "component_not_present".into();
    }
    if status == "fixed" {
        object["fixedVersion"] = "1.0-1".into();
    }
    let body = serde_json::json!({
        "@context": vocabulary::CONTEXT_IRI,
        "id": format!("https://debian.test/outbox/{id}"),
        "type": "Announce",
        "actor": "https://debian.test",
        "published": changed,
        "object": object,
    });
    verdict(body.to_string().as_bytes())
}

fn receive(db: &mut dyn Db, n: &vocabulary::Notification) {
    let body = n.to_json();
    secfixes_tracker::inbox::store(
        db,
        &secfixes_tracker::inbox::Incoming {
            sender: "debian-key",
            received_at: 0,
            kind: secfixes_tracker::inbox::Kind::Verdict,
            notification_id: Some(&n.id),
            body: body.as_bytes(),
            verdict: Some(n),
        },
    )
    .unwrap();
}

backend_tests! {
    fn peer_verdicts_are_evidence_and_suggestions(db: &mut dyn Db) {
        use secfixes_tracker::federation::evidence;
        demo::load(db, &Quiet).unwrap();
        // Their package name differs; the upstream name is ours.
        receive(db, &peer_notification("1", "libssl3", Some("openssl"), "not_affected", "2026-11-02T10:00:00+01:00"));
        // An older verdict about the same key arriving later does not replace it.
        receive(db, &peer_notification("0", "libssl3", Some("openssl"), "affected", "2026-11-01T23:00:00Z"));
        // A package this tracker does not have: on the CVE only.
        receive(db, &peer_notification("2", "nothing-here", None, "fixed", "2026-11-03T00:00:00Z"));
        let on_cve = evidence::for_vuln(db, CVE).unwrap();
        assert_eq!(on_cve.len(), 2, "{on_cve:?}");
        let openssl = evidence::for_origin(db, "openssl").unwrap();
        assert_eq!(openssl.len(), 1);
        let e = &openssl[0];
        assert_eq!(e.status, Status::NotAffected);
        assert_eq!(e.notification_id, "https://debian.test/outbox/1");
        assert_eq!(e.changed_at, 1_793_610_000, "10:00+01:00 is 09:00 UTC");
        assert_eq!(e.summary(), "Debian bookworm: not affected — component_not_present, 2026-11-02");
        let suggestions = evidence::suggestions(db, &on_cve).unwrap();
        assert_eq!(suggestions.len(), 1, "only about a local, vulnerable package");
        assert_eq!(suggestions[0].origin, "openssl");
        assert!(suggestions[0].tags.contains(&"3.22-main".to_owned()), "{:?}", suggestions[0].tags);
        assert_eq!(suggestions[0].reason(), Justification::ComponentNotPresent);
        assert!(suggestions[0].rationale().ends_with("(https://debian.test/outbox/1)"));
        // A newer verdict replaces it; affected suggests nothing.
        receive(db, &peer_notification("3", "libssl3", Some("openssl"), "affected", "2026-11-04T00:00:00Z"));
        let openssl = evidence::for_origin(db, "openssl").unwrap();
        assert_eq!(openssl[0].status, Status::Affected);
        assert!(evidence::suggestions(db, &openssl).unwrap().is_empty());
    }
}
