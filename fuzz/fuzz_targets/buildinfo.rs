#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_apk::buildinfo::BuildInfo;

// Any bytes as a BUILDINFO file: nothing may panic, and a file that reads must write
// text that reads to the same entries and writes the same again.
fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = BuildInfo::parse(data) {
        let written = parsed.value.to_text();
        let again = BuildInfo::parse(written.as_bytes()).expect("written file must parse");
        assert_eq!(again.value, parsed.value);
        assert_eq!(again.value.to_text(), written);
        let _ = parsed.value.format();
    }
});
