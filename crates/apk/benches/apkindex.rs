//! Reading and verifying Alpine's real v3.16 main x86_64 index (4,929 packages, 655 KB
//! compressed, 1.9 MB of text): inflate both gzip members with CRC checks, verify the
//! RSA/SHA-1 signature, read the tar and parse every package record. The target is at
//! most ~14 ms, half of apk-tools 3's ~29 ms `apk search` on the same index.
//!
//! - `read_verify_parse`: from the file's bytes, already in memory.
//! - `file_read_verify_parse`: the same, including reading the file.
//! - the stages alone (`inflate`, `parse_text`), to see where the time goes.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

mod support;
use support::fixtures;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secfixes_apk::apkindex::{self, Keys, Trust, archive};

fn bench(c: &mut Criterion) {
    let dir = fixtures().join("apkindex");
    let path = dir.join("alpine-v3.16-main-x86_64.APKINDEX.tar.gz");
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set SECFIXES_FIXTURES)", path.display()));
    let keys = Keys::from_dir(&dir.join("keys")).unwrap();

    let count = apkindex::read(&bytes, Trust::keys(&keys))
        .unwrap()
        .packages()
        .unwrap()
        .len();
    assert_eq!(count, 4929);

    let mut group = c.benchmark_group("apkindex-v3.16-main");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("read_verify_parse", |b| {
        b.iter(|| {
            let index = apkindex::read(black_box(&bytes), Trust::keys(&keys)).unwrap();
            black_box(index.packages().unwrap().len())
        })
    });
    group.bench_function("file_read_verify_parse", |b| {
        b.iter(|| {
            let index = apkindex::read_file(black_box(&path), Trust::keys(&keys)).unwrap();
            black_box(index.packages().unwrap().len())
        })
    });
    group.bench_function("inflate", |b| {
        b.iter(|| black_box(archive::gzip_members(black_box(&bytes)).unwrap().len()))
    });
    let index = apkindex::read(&bytes, Trust::keys(&keys)).unwrap();
    group.bench_function("parse_text", |b| {
        b.iter(|| black_box(apkindex::parse_text(black_box(index.text())).unwrap().len()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
