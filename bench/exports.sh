#!/usr/bin/env bash
# The exports benchmark of BENCHMARKS.md ("Exports (issue 7)"), on a store synced from a
# gen-corpus output directory (bench/tracker.sh makes one), every branch:
#   1. `secfixes export all --output DIR` into an empty directory: secdb per repository,
#      OSV (records, all.zip, modified_id.csv), OpenVEX per branch, the rejections, from
#      one snapshot of the store; the target;
#   2. the same again over its own output (the in-place update a mirror runs after each
#      sync);
#   3. for reference, the per-format commands one after the other into an empty
#      directory: `export secdb` per repository, `export osv`, `export openvex` per branch.
# GNU time gives wall time, CPU and peak RSS. Dirty pages are flushed (`sync`) before
# each fresh write, so that one step's write-back is not charged to the next. Nothing is
# deleted until the end: ext4 passes over inodes freed in the last 60-300 s when it
# allocates new ones (fs/ext4/ialloc.c, recently_deleted), which makes creating the
# 383,000 OSV files up to half again slower; start a run a few minutes after deleting a
# previous run's output.
#
# usage: bench/exports.sh CORPUS_DIR DATABASE_URL
set -euo pipefail
corpus=$(realpath "$1")
url=$2
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p secfixes-cli
bin=$PWD/target/release/secfixes
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
args=(--config examples/corpus.toml --data-dir "$corpus" --database "$url")
branches=$(sed -n 's/^name = "\(v[0-9.]*\|edge\)"$/\1/p' examples/corpus.toml)
timed() {
    local what=$1
    shift
    /usr/bin/time -f "$what: %e s wall, %U s user, %S s system, peak RSS %M KB" "$@" 2>&1 >/dev/null |
        grep -F "$what:"
}
sync
timed "export all, empty directory" "$bin" export all --output "$out/all" "${args[@]}"
timed "export all, over its own output" "$bin" export all --output "$out/all" "${args[@]}"
du -sh "$out/all"/* | sed 's/^/  /'
echo "  $(find "$out/all" -type f | wc -l) files"
sync
start=$(date +%s.%N)
for branch in $branches; do
    for repo in main community; do
        mkdir -p "$out/secdb/$branch"
        "$bin" export secdb --branch "$branch" --repo "$repo" \
            --output "$out/secdb/$branch/$repo.json" "${args[@]}" 2>/dev/null
    done
done
"$bin" export osv --output "$out/osv" "${args[@]}" 2>/dev/null
for branch in $branches; do
    "$bin" export openvex --branch "$branch" --output "$out/$branch.openvex.json" "${args[@]}" 2>/dev/null
done
echo "per-format commands, one after the other: $(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')") s"
