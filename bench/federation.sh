#!/usr/bin/env bash
# The federation benchmark of BENCHMARKS.md ("Tracker-to-tracker exchange (issue 8)"),
# on a copy of a store synced from a gen-corpus output (bench/tracker.sh makes one):
#   1. three receiving trackers (`secfixes serve`, each its own empty SQLite store) on
#      127.0.0.1, with the sender as their peer;
#   2. rejections of (package, CVE) pairs that are open in the store, added to the
#      corpus's main.yaml (in an overlay of the corpus directory), imported and the states
#      updated: at least 10,000 verdicts change;
#   3. `secfixes federation send --until-done` on the sender: queues one notification per
#      changed verdict for each of the three peers and delivers them all — the target
#      (< 30 s), checked by counting what each receiver stored;
#   4. the rejections withdrawn again, and the changes sent to one receiver only: the
#      rate one inbox accepts signed notifications (the target: ≥ 500 per second).
#
# usage: bench/federation.sh CORPUS_DIR SQLITE_STORE
#   SQLITE_STORE is copied, never written.
set -euo pipefail
corpus=$(realpath "$1")
store=$(realpath "$2")
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p secfixes-cli
bin=$PWD/target/release/secfixes
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sender_port=$(free_port)
sender_url="http://127.0.0.1:$sender_port"
"$bin" federation keygen "$work/sender.key" >"$work/sender.pub"

# The receivers.
receivers=()
for n in 1 2 3; do
    port=$(free_port)
    dir="$work/receiver$n"
    mkdir -p "$dir"
    "$bin" federation keygen "$dir/key" >"$dir/pub"
    cat >"$dir/secfixes.toml" <<EOF
[distribution]
name = "Receiver $n"
url = "http://127.0.0.1:$port"
[database]
url = "sqlite:$dir/store.db"
[federation]
key_file = "$dir/key"
[[federation.peer]]
name = "sender"
url = "$sender_url"
key_id = "$sender_url/#ldn-key"
public_key = "$(cat "$work/sender.pub")"
EOF
    "$bin" serve --config "$dir/secfixes.toml" --listen "127.0.0.1:$port" 2>"$dir/log" &
    pids+=($!)
    receivers+=("$port")
done
for n in 1 2 3; do
    until curl -sf "http://127.0.0.1:${receivers[$((n - 1))]}/" >/dev/null; do
        if ! kill -0 "${pids[$((n - 1))]}" 2>/dev/null; then
            cat "$work/receiver$n/log" >&2
            exit 1
        fi
        sleep 0.1
    done
done

# The sender: the corpus configuration with a public URL and the three peers.
cp "$store" "$work/sender.db"
overlay="$work/corpus"
mkdir -p "$overlay/rejections"
for entry in "$corpus"/*; do
    [ "$(basename "$entry")" = rejections ] || ln -s "$entry" "$overlay/"
done
cp "$corpus/rejections/community.yaml" "$overlay/rejections/"
peers_toml() {
    for n in "$@"; do
        local port=${receivers[$((n - 1))]}
        cat <<EOF
[[federation.peer]]
name = "receiver$n"
url = "http://127.0.0.1:$port"
key_id = "http://127.0.0.1:$port/#ldn-key"
public_key = "$(cat "$work/receiver$n/pub")"
EOF
    done
}
sender_config() {
    sed "s|^name = \"gen-corpus\"|name = \"gen-corpus\"\nurl = \"$sender_url\"|" examples/corpus.toml
    printf '[federation]\nkey_file = "%s"\n' "$work/sender.key"
    peers_toml "$@"
}
sender_config 1 2 3 >"$work/sender3.toml"
sender_config 1 >"$work/sender1.toml"
args=(--data-dir "$overlay" --database "sqlite:$work/sender.db")

cp "$corpus/rejections/main.yaml" "$overlay/rejections/main.yaml"
"$bin" import rejections --config "$work/sender3.toml" "${args[@]}" >/dev/null 2>&1
"$bin" update --config "$work/sender3.toml" "${args[@]}" >/dev/null 2>&1
# The first send starts the cursor: the changes below are what the peers hear of.
"$bin" federation send --config "$work/sender3.toml" "${args[@]}" 2>/dev/null

# (package, CVE) pairs open on some branch, until their rejection changes 10,000
# (CVE, package, branch) verdicts: every branch where the pair is not already not-affected.
python3 - "$work/sender.db" "$corpus/rejections/main.yaml" "$work/extra.yaml" <<'EOF'
import re, sqlite3, sys
db, existing, out = sys.argv[1:]
taken = {m.group(1) for m in re.finditer(r'^(\S+):', open(existing).read(), re.M)}
con = sqlite3.connect(db)
rows = con.execute("""
    SELECT s.origin, s.vuln_id, COUNT(DISTINCT r.branch) FROM state s
    JOIN repo r ON r.tag = s.repo_tag
    JOIN origin_version o ON o.repo_tag = s.repo_tag AND o.origin = s.origin
      AND o.version = s.version AND o.published = 1
    WHERE r.repo = 'main' AND s.state != 'not-affected'
    GROUP BY s.origin, s.vuln_id
    HAVING SUM(s.state IN ('vulnerable', 'possibly-vulnerable', 'unknown')) > 0
    ORDER BY s.origin, s.vuln_id""")
picked, verdicts = {}, 0
for origin, vuln, branches in rows:
    if origin in taken:
        continue
    picked.setdefault(origin, []).append(vuln)
    verdicts += branches
    if verdicts >= 10000:
        break
with open(out, "w") as f:
    for origin, vulns in picked.items():
        f.write(f"{origin}:\n" + "".join(f"  - {v}\n" for v in vulns))
print(f"rejecting {sum(map(len, picked.values()))} (package, CVE) pairs: {verdicts} verdicts change")
EOF
cat "$corpus/rejections/main.yaml" "$work/extra.yaml" >"$overlay/rejections/main.yaml"
"$bin" import rejections --config "$work/sender3.toml" "${args[@]}" >/dev/null 2>&1
"$bin" update --config "$work/sender3.toml" "${args[@]}" 2>&1 | tail -n 1

stored() {
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM ldn_notification').fetchone()[0])" "$1"
}
echo "--- 3 peers"
start=$(date +%s.%N)
"$bin" federation send --until-done --config "$work/sender3.toml" "${args[@]}"
end=$(date +%s.%N)
python3 -c "print(f'fan-out to 3 peers: {$end - $start:.2f} s wall')"
for n in 1 2 3; do
    echo "receiver$n stored $(stored "$work/receiver$n/store.db") notifications"
done

echo "--- 1 peer (the inbox's rate)"
before=$(stored "$work/receiver1/store.db")
cp "$corpus/rejections/main.yaml" "$overlay/rejections/main.yaml"
"$bin" import rejections --config "$work/sender1.toml" "${args[@]}" >/dev/null 2>&1
"$bin" update --config "$work/sender1.toml" "${args[@]}" 2>&1 | tail -n 1
start=$(date +%s.%N)
"$bin" federation send --until-done --config "$work/sender1.toml" "${args[@]}"
end=$(date +%s.%N)
after=$(stored "$work/receiver1/store.db")
python3 -c "n = $after - $before; t = $end - $start; print(f'one inbox: {n} notifications in {t:.2f} s: {n / t:.0f} per second')"
