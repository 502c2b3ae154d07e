//! Reading NVD and CVE 5 records into the normalised model, on the real fixtures (see
//! BENCHMARKS.md for the full-scale corpus measurement with `examples/ingest.rs`):
//!
//! - `nvd-v2-page`: vunnel's API 2.0 page of 38 CVEs, from bytes.
//! - `nvd-v11-feed`: osv.dev's 1.1 test feed of 669 CVEs, streamed from bytes.
//! - `cve5-records`: the 24 CVE 5 records, from bytes.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

#[path = "../../apk/benches/support/mod.rs"]
mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secfixes_cve::{cve5, nvd};

fn bench(c: &mut Criterion) {
    let dir = support::fixtures().join("nvd");
    let read = |p: &str| {
        let path = dir.join(p);
        std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (set SECFIXES_FIXTURES)", path.display()))
    };
    let page = read("vunnel/nvd-api2-full-page.json");
    let feed = read("osv.dev-vulnfeeds/nvdcve-1.1-test-data.json");
    let mut records = Vec::new();
    for sub in ["osv.dev-vulnfeeds/cve5", "osv.dev-vulnfeeds/cvelistV5"] {
        for p in cve5::walk::record_files(&dir.join(sub)).unwrap() {
            records.push(std::fs::read(p).unwrap());
        }
    }

    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("nvd-v2-page", |b| {
        b.iter(|| {
            let mut n = 0;
            nvd::v2::read(black_box(&page), &mut |r| n += r.unwrap().rules.len()).unwrap();
            black_box(n)
        })
    });
    group.throughput(Throughput::Bytes(feed.len() as u64));
    group.bench_function("nvd-v11-feed", |b| {
        b.iter(|| {
            let mut n = 0;
            nvd::v11::read(black_box(feed.as_slice()), &mut |r| {
                n += r.unwrap().rules.len()
            })
            .unwrap();
            black_box(n)
        })
    });
    let total: usize = records.iter().map(Vec::len).sum();
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("cve5-records", |b| {
        b.iter(|| {
            let mut n = 0;
            for r in &records {
                n += cve5::read(black_box(r)).unwrap().rules.len();
            }
            black_box(n)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
