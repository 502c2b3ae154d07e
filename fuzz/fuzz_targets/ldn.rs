#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_ldn::content_digest;
use secfixes_ldn::signature::{self, Headers, Policy, Signer};
use secfixes_ldn::vocabulary::{self, Received};

// What an inbox reads from a stranger: the body, `Content-Digest`, `Signature-Input` and
// `Signature` (the input split at the first three NUL bytes). Never a panic; a verdict
// that reads writes out as JSON that reads back the same; a signature made by the key
// the receiver trusts verifies over whatever headers the request has.
fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |b| *b == 0);
    let body = parts.next().unwrap_or_default();
    let text = |p: Option<&[u8]>| String::from_utf8_lossy(p.unwrap_or_default()).into_owned();
    let (digest, input, sig) = (text(parts.next()), text(parts.next()), text(parts.next()));

    if let Ok(Received::Verdict(n)) = vocabulary::read(body) {
        let again = vocabulary::read(n.to_json().as_bytes()).expect("a written verdict reads");
        assert_eq!(again, Received::Verdict(n));
    }
    let _ = content_digest::verify(&digest, body);

    let signer = Signer::from_seed("k", &[9; 32]);
    let key = signer.public_key();
    let request = signature::Request {
        method: "POST".to_owned(),
        target_uri: "https://tracker.example/inbox".to_owned(),
        headers: vec![
            ("content-type".to_owned(), "application/ld+json".to_owned()),
            ("content-digest".to_owned(), digest.clone()),
        ],
    };
    let policy = Policy {
        required: &[],
        now: 1_764_720_000,
        max_age: 300,
    };
    let headers = Headers {
        signature_input: input,
        signature: sig,
    };
    let _ = signature::verify(&request, &headers, |_| Some(key), &policy);
    if !digest.contains(['\n', '\r']) {
        let signed = signer
            .sign(&request, policy.now)
            .expect("a signature over plain headers");
        signature::verify(&request, &signed, |_| Some(key), &policy)
            .expect("our own signature verifies");
    }
});
