#![no_main]

use libfuzzer_sys::fuzz_target;
use secfixes_cve::configuration::{self, nvd_json};
use secfixes_cve::cpe::Cpe;

// Two lines: a pattern and a name. Parsing never panics; what parses prints to a string
// that parses back to the same name (print -> parse is the identity) and prints the same
// again; matching never panics, and a name without wildcards matches itself.
// Input starting with `[` is also read as API 2.0 configurations: rule extraction and
// evaluation never panic, and every vulnerable match gives one rule.
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if text.starts_with('[') {
        if let Ok(configs) = nvd_json::parse_v2(&text) {
            let rules = configuration::rules(&configs, None);
            let vulnerable = configs
                .iter()
                .flat_map(|c| &c.nodes)
                .flat_map(|n| &n.matches)
                .filter(|m| m.vulnerable)
                .count();
            assert_eq!(rules.len(), vulnerable);
            for c in &configs {
                let _ = c.applies(|m| m.vulnerable);
            }
        }
    }
    let (a, b) = text.split_once('\n').unwrap_or((&text, ""));
    let parsed: Vec<Cpe> = [a, b].iter().filter_map(|s| s.parse::<Cpe>().ok()).collect();
    for c in &parsed {
        let printed = c.to_string();
        let back: Cpe = printed.parse().expect("a printed name parses");
        assert_eq!(&back, c);
        assert_eq!(back.to_string(), printed);
        if c.values().iter().all(|v| !v.has_wildcards()) {
            assert!(c.matches(c));
        }
    }
    if let [p, n] = parsed.as_slice() {
        let _ = p.matches(n);
        let _ = n.matches(p);
        let _ = secfixes_cve::cpe::matching::compare_names(p, n);
    }
});
