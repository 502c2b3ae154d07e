#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_cve::{Origin, cve5};

// Arbitrary bytes as a CVE JSON 5 record: nothing panics; every rule names where it stands
// and comes from the CNA or an ADP container; the record serializes.
fuzz_target!(|data: &[u8]| {
    if let Ok(cve) = cve5::read(data) {
        for r in &cve.rules {
            assert!(r.path.starts_with("containers."), "{}", r.path);
            assert!(matches!(r.origin, Origin::Cna | Origin::Adp));
            assert!(cve.sources.contains(&r.origin));
        }
        serde_json::to_string(&cve).unwrap();
    }
});
