//! Reads a gen-corpus (or any) set of NVD API 2.0 pages and CVE 5 records and counts the
//! CVEs and rules: the full-scale ingestion measurement of BENCHMARKS.md.
//!
//! `cargo run --release -p secfixes-cve --example ingest -- DIR [--threads N]` reads
//! `DIR/nvd/*.json[.gz]` and every `CVE-*.json` under `DIR/cve5`. Workers (two by default,
//! one per core here) take pages and record files from a shared index, so memory stays
//! at a page or a record per worker whatever the corpus size.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use secfixes_cve::{cve5, nvd, source};

#[derive(Default)]
struct Counts {
    nvd: usize,
    cve5: usize,
    rules: usize,
    errors: usize,
}

enum Job {
    Page(PathBuf),
    Record(PathBuf),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let mut dir = None;
    let mut threads = 2;
    while let Some(a) = args.next() {
        if a == "--threads" {
            threads = args
                .next()
                .ok_or("--threads N")?
                .to_string_lossy()
                .parse()?;
        } else {
            dir = Some(PathBuf::from(a));
        }
    }
    let dir = dir.ok_or("usage: ingest DIR [--threads N]")?;
    let start = Instant::now();
    let mut jobs = Vec::new();
    let nvd_dir = dir.join("nvd");
    if nvd_dir.is_dir() {
        let mut pages: Vec<PathBuf> = std::fs::read_dir(&nvd_dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p.to_string_lossy();
                n.ends_with(".json") || n.ends_with(".json.gz")
            })
            .collect();
        pages.sort();
        jobs.extend(pages.into_iter().map(Job::Page));
    }
    let cve5_dir = dir.join("cve5");
    if cve5_dir.is_dir() {
        jobs.extend(
            cve5::walk::record_files(&cve5_dir)?
                .into_iter()
                .map(Job::Record),
        );
    }
    let next = AtomicUsize::new(0);
    let totals: Vec<Counts> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| s.spawn(|| work(&jobs, &next)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let mut all = Counts::default();
    for t in totals {
        all.nvd += t.nvd;
        all.cve5 += t.cve5;
        all.rules += t.rules;
        all.errors += t.errors;
    }
    writeln!(
        std::io::stdout().lock(),
        "nvd {} cve5 {} rules {} errors {} in {:.2?}",
        all.nvd,
        all.cve5,
        all.rules,
        all.errors,
        start.elapsed()
    )?;
    Ok(())
}

fn work(jobs: &[Job], next: &AtomicUsize) -> Counts {
    let mut c = Counts::default();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(i) else {
            return c;
        };
        match job {
            Job::Page(path) => page(path, &mut c),
            Job::Record(path) => match cve5::walk::read_file(path) {
                Ok(cve) => {
                    c.cve5 += 1;
                    c.rules += cve.rules.len();
                }
                Err(e) => report(&e, &mut c),
            },
        }
    }
}

fn page(path: &Path, c: &mut Counts) {
    let bytes = match source::read(path) {
        Ok(b) => b,
        Err(e) => return report(&e, c),
    };
    let mut errors = Vec::new();
    let read = nvd::v2::read(&bytes, &mut |r| match r {
        Ok(cve) => {
            c.nvd += 1;
            c.rules += cve.rules.len();
        }
        Err(e) => errors.push(e.in_file(path)),
    });
    if let Err(e) = read {
        errors.push(e.in_file(path));
    }
    for e in errors {
        report(&e, c);
    }
}

fn report(e: &secfixes_apk::Error, c: &mut Counts) {
    c.errors += 1;
    let _ = writeln!(std::io::stderr().lock(), "ingest: {e}");
}
