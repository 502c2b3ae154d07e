#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_apk::secdb::{self, Format};

// Any text, read as secdb JSON, historical YAML and the vuln-list form: never a panic,
// and whatever is read writes out as JSON that reads back to the same bytes.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [Format::Json, Format::Yaml, Format::VulnList] {
        let Ok(parsed) = secdb::parse(text, format) else {
            continue;
        };
        for d in &parsed.diagnostics {
            let _ = d.to_string();
        }
        let written = secdb::to_json(&parsed.value);
        let again = secdb::from_json(&written).expect("written secdb JSON must read back");
        assert_eq!(secdb::to_json(&again.value), written);
        assert_eq!(again.value, parsed.value);
        let _ = parsed.strict();
    }
});
