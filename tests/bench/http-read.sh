#!/usr/bin/env bash
# HTTP read benchmark (issue 2): a release build on SQLite with 10,000 needs, loaded with
# wrk on loopback. Measures throughput and p99 latency of
#   GET /api/v1/needs?limit=50, GET /api/v1/needs/{id}
# beside the trivial endpoint GET /livez in the same run, and prints the ratios.
#
#   tests/bench/http-read.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
connections=${2:-8}
port=18099
base="http://127.0.0.1:$port"

command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --locked -p samverkan -p samverkan-e2e --bin samverkan --bin bench_seed >/dev/null

dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
target/release/bench_seed "$dir" 10000
SAMVERKAN_DATA_DIR="$dir" SAMVERKAN_LOG=warn target/release/samverkan serve --listen "127.0.0.1:$port" >/dev/null &
server=$!
for _ in $(seq 300); do curl -sf "$base/livez" >/dev/null && break; sleep 0.2; done
# The search index is built in the background at first start; the read benchmark does not
# use it, but wait until it holds the 9,000 public needs so it does not compete for the CPU.
for _ in $(seq 300); do
    total=$(curl -sf "$base/api/v1/search?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
    [ "$total" -ge 9000 ] && break
    sleep 0.5
done
sleep 2
id=$(curl -sf "$base/api/v1/needs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

# wrk with one thread leaves the other core to the server. Eight connections keep the
# server busy without measuring mostly queueing (16 are reported in docs/benchmarks.md).
measure() {
    local out rps p99
    out=$(wrk -t1 -c"$connections" -d"${duration}s" --latency "$base$1")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    echo "$rps $p99"
}

read -r base_rps base_p99 < <(measure /livez)
read -r list_rps list_p99 < <(measure "/api/v1/needs?limit=50")
read -r get_rps get_p99 < <(measure "/api/v1/needs/$id")
rss=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$server/status")

echo
echo "| endpoint | requests/s | p99 latency | throughput vs /livez |"
echo "|---|---|---|---|"
printf '| GET /livez (trivial) | %s | %s | 100 %% |\n' "$base_rps" "$base_p99"
printf '| GET /api/v1/needs?limit=50 | %s | %s | %s %% |\n' "$list_rps" "$list_p99" "$(python3 -c "print(round(100*$list_rps/$base_rps))")"
printf '| GET /api/v1/needs/{id} | %s | %s | %s %% |\n' "$get_rps" "$get_p99" "$(python3 -c "print(round(100*$get_rps/$base_rps))")"
echo
echo "wrk -t1 -c$connections -d${duration}s on $(nproc) cores; server peak RSS $rss"
