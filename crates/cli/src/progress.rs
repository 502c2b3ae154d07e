//! Progress for long operations: a bar on stderr when it is a terminal, log lines
//! otherwise (a bar's redraws would clutter a log file).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use secfixes_tracker::sync::Reporter;

/// Bars or log lines on stderr.
#[derive(Debug)]
pub struct Terminal {
    bars: bool,
}

impl Terminal {
    pub fn new() -> Terminal {
        Terminal {
            bars: std::io::stderr().is_terminal(),
        }
    }
}

impl Reporter for Terminal {
    fn step(&self, what: &str, len: u64) -> ProgressBar {
        if !self.bars {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        let template = if len == 0 {
            "{spinner} {prefix}: {pos} {msg} [{elapsed_precise}, {per_sec}]"
        } else {
            "{prefix}: {bar:40} {pos}/{len} {msg} [{elapsed_precise}, ETA {eta}]"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_prefix(what.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    }

    fn line(&self, text: &str) {
        eprintln!("secfixes: {text}");
    }
}
