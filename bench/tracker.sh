#!/usr/bin/env bash
# The tracker benchmark of BENCHMARKS.md, on a gen-corpus output directory:
#   1. `secfixes sync` from an empty database (every import, then the first update);
#   2. `secfixes update --full` (a full state recompute; nothing changes);
#   3. 1,000 changed CVEs imported, then `secfixes update` (the incremental update).
# Each line gives the wall time and the peak resident memory (GNU time).
#
# usage: bench/tracker.sh CORPUS_DIR DATABASE_URL
#   sqlite:PATH      the file is removed first
#   postgres://…     must name an empty database
set -euo pipefail
corpus=$(realpath "$1")
url=$2
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p secfixes-cli
bin=target/release/secfixes
if [[ $url == sqlite:* ]]; then rm -f "${url#sqlite:}" "${url#sqlite:}"-wal "${url#sqlite:}"-shm; fi
args=(--config examples/corpus.toml --data-dir "$corpus" --database "$url")
measure() {
    local what=$1
    shift
    /usr/bin/time -f "$what: %e s, peak RSS %M KB" "$@" 2>&1 | grep -E "^(secfixes: [a-z0-9 ]+:|$what:)" | grep -v 'warning'
}
measure "sync from empty" "$bin" sync "${args[@]}"
measure "update --full" "$bin" update --full "${args[@]}"
changed=$(mktemp --suffix=.json)
trap 'rm -f "$changed"' EXIT
# The changed CVEs are ones that have states (the expensive case), spread over the corpus.
if [[ $url == sqlite:* ]]; then states=(--sqlite "${url#sqlite:}"); else states=(--postgres "$url"); fi
python3 bench/changed-cves.py "$corpus" "$changed" --count 1000 "${states[@]}" --round "$(date +%s)" >/dev/null
"$bin" import nvd "$changed" "${args[@]}" 2>/dev/null
measure "update after 1,000 changed CVEs" "$bin" update "${args[@]}"
