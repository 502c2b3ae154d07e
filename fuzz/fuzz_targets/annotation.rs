#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_apk::annotation::Annotation;
use secfixes_apk::{apkindex, installed, summary};

// Any bytes as a SECFIXES member: nothing may panic, and a member that reads writes back
// to text that reads to the same annotation. Any text as records: the summary reader
// never panics and agrees with the full index and installed-db parsers on what they read.
fuzz_target!(|data: &[u8]| {
    if let Ok(annotation) = Annotation::parse(data) {
        let written = annotation.to_json();
        let again = Annotation::parse(written.as_bytes()).expect("written member must parse");
        assert_eq!(again, annotation);
        assert_eq!(again.to_json(), written);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let fast = summary::scan(text);
    let full: Option<Vec<(String, String, Option<String>)>> = apkindex::parse_text(text)
        .ok()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    (
                        p.name.to_string(),
                        p.version.to_string(),
                        p.origin.as_deref().map(str::to_owned),
                    )
                })
                .collect()
        })
        .or_else(|| {
            installed::parse(text).ok().map(|db| {
                db.packages
                    .iter()
                    .map(|p| {
                        let p = &p.package;
                        (
                            p.name.to_string(),
                            p.version.to_string(),
                            p.origin.as_deref().map(str::to_owned),
                        )
                    })
                    .collect()
            })
        });
    if let Some(full) = full {
        let fast = fast.expect("what the full parsers read, the summary reader reads");
        let fast: Vec<(String, String, Option<String>)> = fast
            .iter()
            .map(|s| {
                (
                    s.name.to_owned(),
                    s.version.to_owned(),
                    s.origin.map(str::to_owned),
                )
            })
            .collect();
        let full: Vec<_> = full
            .into_iter()
            .map(|(n, v, o)| (n, v, o.filter(|o| !o.is_empty())))
            .collect();
        assert_eq!(fast, full);
    }
});
