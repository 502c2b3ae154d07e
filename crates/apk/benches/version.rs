//! Version comparison speed on the 13,979 real Alpine version pairs of
//! `apk-tools/osv-semantic/alpine-versions-generated.txt` (the same input the apk-tools C
//! harness uses; see BENCHMARKS.md). Reports time per pass; divide by the pair count for
//! ns per compare (printed once at start).

use std::hint::black_box;

mod support;
use support::fixtures;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secfixes_apk::version;

fn pairs() -> Vec<(String, String)> {
    let path = fixtures().join("apk-tools/osv-semantic/alpine-versions-generated.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set SECFIXES_FIXTURES)", path.display()));
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let a = parts.next()?;
            let _op = parts.next()?;
            let b = parts.next()?;
            Some((a.to_string(), b.to_string()))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let pairs = pairs();
    eprintln!("{} pairs per pass", pairs.len());
    let mut group = c.benchmark_group("version");
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.bench_function("compare_real_pairs", |b| {
        b.iter(|| {
            let mut acc = 0i64;
            for (x, y) in &pairs {
                acc += version::compare(black_box(x), black_box(y)) as i64;
            }
            acc
        })
    });
    group.bench_function("validate_real_versions", |b| {
        b.iter(|| {
            pairs
                .iter()
                .filter(|(x, _)| version::is_valid(black_box(x)))
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
