#!/usr/bin/env bash
# The audit benchmark of BENCHMARKS.md ("Audit (issue 7)"), on a gen-corpus output
# directory: the v3.20 main and community indexes annotated from the corpus's secdb
# (`secfixes index annotate`), then `secfixes audit --upgradable --security` of the
# corpus's 2,000-package system against them as file repositories, timed by hyperfine
# (warm page cache: 5 warm-up runs).
#
# usage: bench/audit.sh CORPUS_DIR [SYSTEM]     SYSTEM: small, medium or large (default)
set -euo pipefail
corpus=$(realpath "$1")
system=${2:-large}
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p secfixes-cli
bin=$PWD/target/release/secfixes
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
key="$corpus/keys/corpus@example.org-00000000.rsa"
root="$work/root"
mkdir -p "$root/lib/apk/db" "$root/etc/apk/keys"
cp "$corpus/installed/$system/lib/apk/db/installed" "$root/lib/apk/db/installed"
cp "$key.pub" "$root/etc/apk/keys/"
echo x86_64 >"$root/etc/apk/arch"
for repo in main community; do
    mkdir -p "$work/repo/$repo/x86_64"
    "$bin" index annotate --key "$key" --keys-dir "$corpus/keys" \
        --secdb "$corpus/secdb/v3.20/$repo.json" \
        "$corpus/apkindex/v3.20/$repo/x86_64/APKINDEX.tar.gz" \
        "$work/repo/$repo/x86_64/APKINDEX.tar.gz" 2>/dev/null
    echo "$work/repo/$repo" >>"$root/etc/apk/repositories"
done
"$bin" audit --root "$root" --upgradable --security | tail -n 1 || true
# Exit status 1 (upgrades found) is the expected answer, not a failure.
hyperfine -N -w 5 -r "${RUNS:-100}" -i "$bin audit --root $root --upgradable --security"
