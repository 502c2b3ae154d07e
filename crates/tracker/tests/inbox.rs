//! `inbox` on both backends: a notification is stored once however often it is posted
//! (a verdict by its sender and id, anything else by its bytes), listed oldest first and
//! read back byte for byte; storing moves the store's generation.
#![allow(clippy::unwrap_used)]

mod support;

use secfixes_tracker::db;
use secfixes_tracker::inbox::{self, Incoming, Kind};

fn incoming<'a>(sender: &'a str, id: Option<&'a str>, body: &'a [u8]) -> Incoming<'a> {
    Incoming {
        sender,
        received_at: 1_764_720_000,
        kind: if id.is_some() {
            Kind::Verdict
        } else {
            Kind::Other
        },
        notification_id: id,
        body,
        verdict: None,
    }
}

support::backend_tests! {
    fn stored_once(db: &mut dyn Db) {
        let before = db::generation(db).unwrap();
        let first = inbox::store(db, &incoming("debian", None, b"{\"a\": 1}")).unwrap();
        assert!(first.new);
        assert!(db::generation(db).unwrap() > before);
        let again = inbox::store(db, &incoming("debian", None, b"{\"a\": 1}")).unwrap();
        assert_eq!(again.seq, first.seq);
        assert!(!again.new);
        // Other bytes: another notification, even from the same sender.
        let other = inbox::store(db, &incoming("debian", None, b"{\"a\": 2}")).unwrap();
        assert!(other.new && other.seq > first.seq);

        // A verdict is the same notification by its sender and id, whatever the bytes
        // (a retry may be serialized again); another sender's id 41 is another one.
        let v1 = inbox::store(db, &incoming("debian", Some("https://d/41"), b"{\"v\": 1}")).unwrap();
        let v2 = inbox::store(db, &incoming("debian", Some("https://d/41"), b"{ \"v\": 1 }")).unwrap();
        assert_eq!(v1.seq, v2.seq);
        assert!(v1.new && !v2.new);
        let w = inbox::store(db, &incoming("wolfi", Some("https://d/41"), b"{\"v\": 1}")).unwrap();
        assert!(w.new);

        assert_eq!(inbox::list(db).unwrap(), [first.seq, other.seq, v1.seq, w.seq]);
        let got = inbox::get(db, v1.seq).unwrap().unwrap();
        assert_eq!(got.body, b"{\"v\": 1}");
        assert_eq!((got.sender.as_str(), got.kind.as_str()), ("debian", "verdict"));
        assert_eq!(got.received_at, 1_764_720_000);
        assert_eq!(inbox::get(db, 9999).unwrap(), None);
    }
}
