#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_apk::rejections;

// Any text as a rejections file: never a panic, and whatever is read writes out as
// YAML that reads back to the same packages and ids, and writes the same again.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = rejections::from_yaml(text) else {
        return;
    };
    for d in &parsed.diagnostics {
        let _ = d.to_string();
    }
    let written = rejections::to_yaml(&parsed.value);
    let again = rejections::from_yaml(&written).expect("written rejections must read back");
    assert_eq!(again.value.packages.len(), parsed.value.packages.len());
    for ((a_name, a), (b_name, b)) in again.value.packages.iter().zip(&parsed.value.packages) {
        assert_eq!(a_name, b_name);
        assert_eq!(a.ids, b.ids);
    }
    assert_eq!(rejections::to_yaml(&again.value), written);
});
