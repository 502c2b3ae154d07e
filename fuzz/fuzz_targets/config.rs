#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use secfixes_tracker::config::Config;

// Any text as a configuration file: never a panic, and a rejection names a line of the
// text (or none), since the error is all a user has to find the mistake.
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Config::parse(&text, Path::new("fuzz.toml"), Path::new("/data")) {
        Ok(config) => {
            for (_, repo) in config.repos() {
                let _ = repo.tag.len();
            }
        }
        Err(err) => {
            let _ = err.to_string();
            if let Some(line) = err.location().line {
                let lines = text.split('\n').count();
                assert!(
                    (1..=lines).contains(&line),
                    "line {line} of a {lines}-line text: {err}"
                );
            }
        }
    }
});
