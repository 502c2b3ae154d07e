//! APKBUILD `# secfixes:` blocks and assignments over the real aports fixtures, and
//! their use in place of secdb entries.
#![allow(clippy::unwrap_used)]

mod support;

use std::fs;

use secfixes_apk::apkbuild;
use secfixes_apk::secdb::{self, FixVersion, Format};

const PACKAGES: [&str; 6] = ["busybox", "curl", "expat", "libxml2", "musl", "openssl"];

/// (version, id) pairs of a block, counted the simple way: every `#…- ` line after a
/// `#…:` line, up to the first line not starting with `#`.
fn naive_pairs(text: &str) -> Vec<(String, String)> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with("# secfixes:"))
        .skip(1);
    let mut out = Vec::new();
    let mut version = String::new();
    for line in lines.by_ref() {
        let Some(body) = line.strip_prefix('#') else {
            break;
        };
        let body = body.trim();
        if let Some(v) = body.strip_suffix(':') {
            version = v.to_string();
        } else if let Some(id) = body.strip_prefix("- ") {
            out.push((version.clone(), id.to_string()));
        }
    }
    out
}

#[test]
fn every_real_apkbuild_reads_cleanly() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    for name in PACKAGES {
        let path = fx.join("aports/main").join(name).join("APKBUILD");
        let text = fs::read_to_string(&path).unwrap();
        let parsed = apkbuild::read(&path).unwrap();
        assert!(parsed.is_clean(), "{name}: {:?}", parsed.diagnostics);
        let apk = parsed.value;
        assert_eq!(apk.name(), Some(name));
        assert!(
            apk.version().is_some(),
            "{name}: {:?} {:?}",
            apk.pkgver,
            apk.pkgrel
        );
        let pairs: Vec<(String, String)> = apk
            .secfixes
            .iter()
            .flat_map(|(v, ids)| ids.iter().map(move |i| (v.to_string(), i.to_string())))
            .collect();
        let mut expected = naive_pairs(&text);
        // The map groups by version in first-seen order; the naive list does not group.
        let order: Vec<String> = apk.secfixes.keys().map(|k| k.to_string()).collect();
        expected.sort_by_key(|(v, _)| order.iter().position(|o| o == v));
        assert_eq!(pairs, expected, "{name}");
        assert!(!pairs.is_empty());
    }
}

#[test]
fn real_layouts() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let read = |name: &str| {
        apkbuild::read(&fx.join("aports/main").join(name).join("APKBUILD"))
            .unwrap()
            .value
    };

    // One CVE under two versions.
    let busybox = read("busybox");
    let with_5747: Vec<&str> = busybox
        .secfixes
        .iter()
        .filter(|(_, ids)| ids.iter().any(|i| i.id() == "CVE-2019-5747"))
        .map(|(v, _)| v.as_str())
        .collect();
    assert_eq!(with_5747, ["1.30.1-r2", "1.29.3-r10"]);
    assert_eq!(busybox.secfixes_line, Some(50));
    assert_eq!(busybox.version().as_deref(), Some("1.31.1-r17"));

    // Ids at the depth of their version.
    let libxml2 = read("libxml2");
    let keys: Vec<&str> = libxml2.secfixes.keys().map(FixVersion::as_str).collect();
    assert_eq!(keys, ["2.9.8-r1", "2.9.4-r4", "2.9.4-r2", "2.9.4-r1"]);
    assert_eq!(libxml2.secfixes[0].len(), 3);

    // `0:` entries.
    for name in ["curl", "openssl"] {
        let apk = read(name);
        let (last, ids) = apk.secfixes.last().unwrap();
        assert!(matches!(last, FixVersion::NotAffected), "{name}");
        assert!(!ids.is_empty());
    }

    // openssl's `_abiver=${pkgver%.*.*}` does not disturb the plain ones.
    let openssl = read("openssl");
    assert_eq!(openssl.version().as_deref(), Some("3.0.5-r2"));
}

#[test]
fn apkbuild_entries_are_secdb_entries() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let db = secdb::read(&fx.join("secdb/v3.16-main.partial.json"), Format::Json)
        .unwrap()
        .strict()
        .unwrap();
    // These three aports have no fixes newer than the v3.16 secdb.
    for name in ["expat", "libxml2", "musl"] {
        let apk = apkbuild::read(&fx.join("aports/main").join(name).join("APKBUILD"))
            .unwrap()
            .strict()
            .unwrap();
        let from_apkbuild = apk.to_package().unwrap();
        let from_secdb = db.package(name).unwrap();
        for (version, ids) in &from_apkbuild.secfixes {
            let theirs = &from_secdb.secfixes[version];
            for id in ids {
                assert!(theirs.contains(id), "{name} {version} {id}");
            }
        }
    }
}
