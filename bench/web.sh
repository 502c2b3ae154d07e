#!/usr/bin/env bash
# The web server benchmark of BENCHMARKS.md, on a database `secfixes sync` has filled:
#   - the largest branch page: `/branch/<tag>` for the repository tag with the most open
#     states (vulnerable, possibly vulnerable, unknown) on published packages, its first
#     page with the default parameters;
#     and the same with the largest page size (1,000 rows) sorted by severity;
#   - CVE pages: `/vuln/<id>` cycling through about 2,000 CVE ids that have states,
#     spread evenly over the sorted ids;
# each as HTML and as JSON-LD (`Accept: application/ld+json`). The server is started on a
# free port of 127.0.0.1 and stopped at the end; every run is wrk with 2 threads, 64
# connections, 30 s (after a 5 s warm-up of the same load), with bench/web.lua counting
# non-2xx responses. Prints requests/s, p50 and p99 latency (wrk --latency), non-2xx
# responses and socket errors for each.
#
# usage: bench/web.sh DATABASE_URL
#   sqlite:PATH      read with python3's sqlite3 to pick the pages
#   postgres://…     read with psql
# environment: DURATION (default 30s), WARMUP (default 5s), CVES (default 2000),
#   KEEP=DIR keeps wrk's full output and the server's log in DIR, BIN=FILE uses that
#   secfixes binary instead of building one.
set -euo pipefail
url=${1:?usage: bench/web.sh DATABASE_URL}
duration=${DURATION:-30s}
warmup=${WARMUP:-5s}
cves=${CVES:-2000}
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "web.sh: wrk is needed (apt-get install wrk)" >&2; exit 2; }
if [[ -n ${BIN:-} ]]; then
    bin=$BIN
else
    cargo build --release --locked -q -p secfixes-cli
    bin=target/release/secfixes
fi

work=$(mktemp -d)
server=
cleanup() {
    if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    if [[ -n ${KEEP:-} ]]; then mkdir -p "$KEEP" && cp "$work"/* "$KEEP"/; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The pages: the tag with the most open states, and CVE ids that have states.
open_states="SELECT s.repo_tag, COUNT(*) FROM state s JOIN origin_version ov
    ON ov.repo_tag = s.repo_tag AND ov.origin = s.origin AND ov.version = s.version
    AND ov.published = 1
    WHERE s.state IN ('vulnerable', 'possibly-vulnerable', 'unknown')
    GROUP BY s.repo_tag ORDER BY COUNT(*) DESC, s.repo_tag LIMIT 1"
states="SELECT COUNT(*) FROM state"
ids="SELECT DISTINCT vuln_id FROM state WHERE vuln_id LIKE 'CVE-%' ORDER BY vuln_id"
query() {
    if [[ $url == sqlite:* ]]; then
        python3 -c '
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for row in db.execute(sys.argv[2]):
    print("|".join(str(v) for v in row))
' "${url#sqlite:}" "$1"
    else
        psql "$url" -X -At -v ON_ERROR_STOP=1 -c "$1"
    fi
}
IFS='|' read -r tag tag_open < <(query "$open_states")
total_states=$(query "$states")
# Well-formed ids only: a secdb typo such as `CVE-????-?????` has states too, but its `?`
# would start a query string.
query "$ids" | grep -E '^CVE-[0-9]{4}-[0-9]{4,}$' >"$work/all-ids"
# Every n-th id, so that the sample covers the whole range of ids.
awk -v want="$cves" 'NR == FNR { n++; next }
    { if (int((FNR - 1) * want / n) != int(FNR * want / n)) print "/vuln/" $0 }' \
    "$work/all-ids" "$work/all-ids" >"$work/cve-paths"
echo "database: $url: $total_states states, $(wc -l <"$work/all-ids") CVE ids with states"
echo "largest branch: $tag, $tag_open open states; CVE pages: $(wc -l <"$work/cve-paths") ids"

# The server, on a free port.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
"$bin" serve --database "$url" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for ((try = 0; ; try++)); do
    if curl -fs -o /dev/null --max-time 5 "$base/health"; then break; fi
    if ! kill -0 "$server" 2>/dev/null || ((try >= 300)); then
        echo "web.sh: the server did not answer on $base:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    sleep 0.2
done

json='Accept: application/ld+json'
# Every page must answer 200 itself (no redirect) before it is measured.
check() {
    local path=$1 header=${2:-Accept: text/html} code
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "$header" "$base$path")
    if [[ $code != 200 ]]; then
        echo "web.sh: $path ($header) answered $code" >&2
        exit 1
    fi
}
check "/branch/$tag"
check "/branch/$tag" "$json"
check "/branch/$tag?per_page=1000&sort=severity"
while read -r path; do check "$path"; done < <(awk 'NR % 100 == 1' "$work/cve-paths")
check "$(head -n 1 "$work/cve-paths")" "$json"

# wrk's durations (850.00us, 12.34ms, 1.20s, 2.00m) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
        if (f < 0) { print "?"; exit } printf "%.2f", n * f }'
}
printf '%-18s %10s %9s %9s %8s %14s\n' page "req/s" "p50 ms" "p99 ms" non-2xx "socket errors"
run() {
    local name=$1 header=$2 path=$3
    shift 3
    local out=$work/wrk-$name.txt
    wrk -t 2 -c 64 -d "$warmup" -H "$header" -s bench/web.lua "$base$path" -- "$@" >/dev/null
    wrk -t 2 -c 64 -d "$duration" --latency -H "$header" -s bench/web.lua "$base$path" -- "$@" >"$out"
    local rps p50 p99 line
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    # web.lua: requests N non-2xx N connect N read N write N timeout N
    line=$(grep '^web.lua:' "$out")
    read -r _ _ _ _ non2xx _ connect _ read _ write _ timeout <<<"$line"
    printf '%-18s %10.0f %9s %9s %8d %14d\n' "$name" "$rps" "$p50" "$p99" "$non2xx" \
        $((connect + read + write + timeout))
}
html='Accept: text/html'
run branch-html "$html" "/branch/$tag"
run branch-jsonld "$json" "/branch/$tag"
# The worst case a client can ask for: the largest page size, sorted by severity.
run branch-1000-html "$html" "/branch/$tag?per_page=1000&sort=severity"
run cve-html "$html" /vuln/ "$work/cve-paths"
run cve-jsonld "$json" /vuln/ "$work/cve-paths"
echo "server peak RSS: $(awk '/^VmHWM/ { print $2, $3 }' "/proc/$server/status")"
