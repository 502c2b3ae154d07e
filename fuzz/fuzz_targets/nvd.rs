#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_cve::{Cve, Origin, nvd, source};

// Arbitrary bytes through every NVD reader: the API 2.0 page/record reader, the streamed 1.1
// feed reader, the single-record parsers and gzip decompression. Nothing panics; the
// readers count every record they hand out; what they produce is an NVD record and
// serializes.
fuzz_target!(|data: &[u8]| {
    let check = |cve: &Cve| {
        assert_eq!(cve.sources, vec![Origin::Nvd]);
        assert!(cve.rules.iter().all(|r| r.origin == Origin::Nvd));
        serde_json::to_string(cve).unwrap();
    };
    let mut n = 0;
    if let Ok(info) = nvd::v2::read(data, &mut |r| {
        n += 1;
        if let Ok(cve) = r {
            check(&cve);
        }
    }) {
        assert_eq!(info.records, n);
    }
    let mut m = 0;
    if let Ok(count) = nvd::v11::read(data, &mut |r| {
        m += 1;
        if let Ok(cve) = r {
            check(&cve);
        }
    }) {
        assert_eq!(count, m);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        for cve in [
            nvd::v2::parse_record(text),
            nvd::v2::parse_item(text),
            nvd::v11::parse_item(text),
        ]
        .into_iter()
        .flatten()
        {
            check(&cve);
        }
    }
    let _ = source::decompress(data.to_vec());
});
