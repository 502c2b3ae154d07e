#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_apk::apkindex::{self, Trust};

// Any bytes, as an APKINDEX.tar.gz (gzip members, tar, signature entries; checked with
// allow-untrusted, so the parser behind the signature is reached) and as APKINDEX text.
// Nothing may panic, and text that parses must survive writing: writing what was read
// back in apk-tools' order gives records that write the same again.
fuzz_target!(|data: &[u8]| {
    if let Ok(index) = apkindex::read(data, Trust::untrusted()) {
        let _ = index.packages();
        let _ = (index.description(), index.signatures(), index.signed_by());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let mut warnings = Vec::new();
        if let Ok(packages) = apkindex::parse_text_with_warnings(text, &mut warnings) {
            let written = apkindex::write_text(&packages);
            let again = apkindex::parse_text(&written).expect("written index must parse");
            assert_eq!(apkindex::write_text(&again), written);
            assert_eq!(again.len(), packages.len());
            let mut as_read = String::new();
            for package in &packages {
                package.write_as_read(&mut as_read);
                as_read.push('\n');
            }
            let reread = apkindex::parse_text(&as_read).expect("as-read index must parse");
            assert_eq!(apkindex::write_text(&reread), written);
            for package in &packages {
                let _ = serde_json::to_string(package);
            }
        }
    }
});
