#!/usr/bin/env bash
# Search benchmark (issue 3): 100,000 solutions with realistic Swedish text in the
# embedded index. Prints indexing throughput, index size and in-process query latency
# (examples/bench.rs in services/search), then serves the same index over HTTP and
# measures the same query mix with wrk on loopback, and the server's RSS.
#
#   tests/bench/search.sh [COUNT] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-100000}
duration=${2:-10}
port=18095
base="http://127.0.0.1:$port"

command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --locked -p samverkan -p samverkan-search --bin samverkan --example bench >/dev/null

dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir" "$lua"' EXIT
echo "== in-process"
target/release/examples/bench "$dir/search-index" "$count"

# The server finds a built index and an empty registry, so it serves the index as is.
SAMVERKAN_DATA_DIR="$dir" SAMVERKAN_LOG=warn target/release/samverkan serve --listen "127.0.0.1:$port" >/dev/null &
server=$!
for _ in $(seq 50); do curl -sf "$base/livez" >/dev/null && break; sleep 0.2; done

lua=$(mktemp --suffix=.lua)
cat >"$lua" <<'LUA'
local paths = {
  "/api/v1/search?q=hemtj%C3%A4nsten",
  "/api/v1/search?q=arkiv",
  "/api/v1/search?q=bygglov",
  "/api/v1/search?q=%22digitala%20l%C3%A5s%22",
  "/api/v1/search?q=%22%C3%B6ppen%20k%C3%A4llkod%22",
  "/api/v1/search?q=%C3%A4rendehantring",
  "/api/v1/search?q=trygghetslarn",
  "/api/v1/search?q=sjukv%C3%A5rd",
  "/api/v1/search?q=sensorer%20skolor",
  "/api/v1/search?q=gemensam%20upphandling%20Sk%C3%A5ne",
  "/api/v1/search?q=kommun&topic=e_arkiv",
  "/api/v1/search?maturity=production&subregion=Sk%C3%A5ne%20Nordost",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("HTTP: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d errors\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
LUA
for connections in 1 8; do
    echo
    echo "== over HTTP (wrk -t1 -c$connections -d${duration}s, anonymous caller)"
    wrk -t1 -c"$connections" -d"${duration}s" -s "$lua" "$base" | grep '^HTTP:'
done
echo "server peak RSS: $(awk '/VmHWM/ {print $2 " " $3}' "/proc/$server/status")"
