#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_apk::version::{self, Op, Version};

// Any bytes: validation, comparison and operator parsing must never panic, and the
// comparison must stay antisymmetric on whatever it is given.
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, rest) = text.split_once(' ').unwrap_or((&text, ""));
    let (op, b) = rest.split_once(' ').unwrap_or(("<", rest));
    let _ = version::validate(a);
    let ab = version::compare(a, b);
    assert_eq!(ab, version::compare(b, a).reverse());
    if let Ok(op) = Op::parse(op) {
        let _ = op.matches(a, b);
    }
    if let (Ok(x), Ok(y)) = (Version::parse(a), Version::parse(b)) {
        assert_eq!(x.cmp(&y), ab);
        let _ = (x.upstream(), x.revision());
    }
});
