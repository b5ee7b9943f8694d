#!/usr/bin/env bash
# Benchmark (issues 2 and 13): tools/call of a trivial local tool over Streamable HTTP with
# keep-alive at concurrency 1, 16 and 64, side by side in one run with
#   - edgegw with traces on: every request's spans exported over OTLP/HTTP to a local
#     receiver (bench/otlp_sink.mjs), to show what tracing costs,
#   - @modelcontextprotocol/server-everything (Node) serving its echo tool, and
#   - nginx answering a fixed JSON-RPC body (the HTTP ceiling on this machine).
# Also reports idle RSS and the stripped release binary size.
# Each point runs REPEATS times, the four servers taking turns, and the run with the median
# req/s is reported, so that a burst of noise on a shared machine hits every server alike.
#   bench/http_tools_call.sh [SECONDS_PER_POINT [REPEATS]]      (default 10 3)
# Prints a markdown table (the one in docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
repeats=${2:-3}
source bench/lib.sh

wait_http() {  # polls a URL until it answers: start-up readiness, not a timing measurement
  for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "no answer from $1" >&2; return 1
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# edgegw (release, default packs, 2 I/O threads on this 2-core machine).
gw_port=$(free_port)
build/release/bin/edgegw serve --listen "127.0.0.1:$gw_port" --log-level warning 2>"$work/gw.log" &
pids+=($!); gw_pid=$!
wait_http "http://127.0.0.1:$gw_port/healthz"

# The same with traces on, exported to a local receiver.
sink_log=$work/sink.log
node bench/otlp_sink.mjs >"$sink_log" 2>"$work/sink.err" &
pids+=($!); sink_pid=$!
for _ in $(seq 1 200); do grep -q "^listening" "$sink_log" && break; sleep 0.05; done
sink_port=$(awk '/^listening/ {print $2}' "$sink_log")
gt_port=$(free_port)
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_SERVICE_NAME=edgegw-bench \
  build/release/bin/edgegw serve --listen "127.0.0.1:$gt_port" --log-level warning 2>"$work/gt.log" &
pids+=($!)
wait_http "http://127.0.0.1:$gt_port/healthz"

# server-everything over Streamable HTTP.
se_port=$(free_port)
(cd tests/js && PORT=$se_port exec node node_modules/@modelcontextprotocol/server-everything/dist/index.js streamableHttp) \
  >"$work/se.log" 2>&1 &
pids+=($!); se_pid=$!
for _ in $(seq 1 200); do grep -q "listening on port" "$work/se.log" && break; sleep 0.05; done

# nginx with a fixed JSON-RPC result.
ng_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes 2;
error_log $work/nginx/logs/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$ng_port;
    location /mcp {
      default_type application/json;
      return 200 '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}';
    }
  }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!); ng_pid=$!
wait_http "http://127.0.0.1:$ng_port/mcp"

idle_gw=$(rss_kb "$gw_pid")
idle_se=$(rss_kb "$se_pid")
cp build/release/bin/edgegw "$work/edgegw.stripped" && strip "$work/edgegw.stripped"
bin_size=$(stat -c %s "$work/edgegw.stripped")

# run NAME PORT TOOL ARGS CONC SESSIONS -> "rps p50_ms p99_ms errors"
run() {
  local port=$1 tool=$2 args=$3 conc=$4 sessions=$5 threads=$(( $4 < 2 ? 1 : 2 ))
  MCP_SESSIONS=$sessions MCP_TOOL=$tool MCP_ARGS=$args MCP_PATH=/mcp \
    wrk -t"$threads" -c"$conc" -d"${duration}s" --latency -s bench/mcp_tools_call.lua \
    "http://127.0.0.1:$port/mcp" >"$work/wrk.out" 2>&1
  awk -v errs=0 '
    /Requests\/sec:/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx or 3xx responses:/ {errs=$5}
    /Socket errors:/ {errs+=0}
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    END {printf "%d %.3f %.3f %d\n", rps, ms(p50), ms(p99), errs}' "$work/wrk.out"
}

echo "| concurrency | edgegw req/s | p50 ms | p99 ms | edgegw traced req/s | p50 ms | p99 ms | server-everything req/s | p50 ms | p99 ms | nginx req/s | p50 ms | p99 ms | edgegw / server-everything | edgegw / nginx | traced / server-everything | traced / nginx | tracing cost us/req |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for conc in 1 16 64; do
  threads=$(( conc < 2 ? 1 : 2 ))
  gw_sessions=$(node bench/open_sessions.mjs "http://127.0.0.1:$gw_port/mcp" "$threads")
  gt_sessions=$(node bench/open_sessions.mjs "http://127.0.0.1:$gt_port/mcp" "$threads")
  se_sessions=$(node bench/open_sessions.mjs "http://127.0.0.1:$se_port/mcp" "$threads")
  : >"$work/g" && : >"$work/t" && : >"$work/s" && : >"$work/n"
  for _ in $(seq 1 "$repeats"); do
    run "$gw_port" echo '{"text":"hi"}' "$conc" "$gw_sessions" >>"$work/g"
    run "$gt_port" echo '{"text":"hi"}' "$conc" "$gt_sessions" >>"$work/t"
    run "$se_port" echo '{"message":"hi"}' "$conc" "$se_sessions" >>"$work/s"
    run "$ng_port" echo '{}' "$conc" "" >>"$work/n"
  done
  median() { sort -n -k1,1 "$1" | awk -v n="$repeats" 'NR == int((n + 1) / 2)'; }
  read -r g_rps g_p50 g_p99 g_err < <(median "$work/g")
  read -r t_rps t_p50 t_p99 t_err < <(median "$work/t")
  read -r s_rps s_p50 s_p99 s_err < <(median "$work/s")
  read -r n_rps n_p50 n_p99 n_err < <(median "$work/n")
  if [ "$g_err" != 0 ] || [ "$t_err" != 0 ] || [ "$s_err" != 0 ] || [ "$n_err" != 0 ]; then
    echo "non-2xx answers: edgegw=$g_err traced=$t_err server-everything=$s_err nginx=$n_err" >&2
  fi
  # Tracing's cost per request: the machine time of one request traced minus untraced
  # (both CPUs busy from c=16 on, so 1/rps is time per request on the whole machine).
  awk -v c="$conc" -v g="$g_rps" -v gp="$g_p50" -v g9="$g_p99" -v t="$t_rps" -v tp="$t_p50" -v t9="$t_p99" \
      -v s="$s_rps" -v sp="$s_p50" -v s9="$s_p99" -v n="$n_rps" -v np="$n_p50" -v n9="$n_p99" \
      'BEGIN {printf "| %d | %d | %.3f | %.3f | %d | %.3f | %.3f | %d | %.3f | %.3f | %d | %.3f | %.3f | %.1fx | %.0f%% | %.1fx | %.0f%% | %.1f |\n",
              c, g, gp, g9, t, tp, t9, s, sp, s9, n, np, n9, (s > 0 ? g / s : 0), (n > 0 ? 100 * g / n : 0),
              (s > 0 ? t / s : 0), (n > 0 ? 100 * t / n : 0), (g > 0 && t > 0 ? 1e6 / t - 1e6 / g : 0)}'
done
echo
echo "idle RSS: edgegw $((idle_gw / 1024)).$(( (idle_gw % 1024) * 10 / 1024 )) MiB, server-everything $((idle_se / 1024)) MiB"
echo "stripped release binary: $((bin_size / 1024)) KiB ($(ldd build/release/bin/edgegw | wc -l) shared libraries)"
# CPU per request inside each gateway (its own counters), which leaves the load generator and
# the receiver out.
cpu_per_request() {  # PORT -> microseconds of gateway CPU per tools/call served
  curl -s "http://127.0.0.1:$1/metrics" | awk '
    /^edgegw_process_cpu_seconds_total / {cpu=$2}
    /^edgegw_requests_total\{method="tools\/call",outcome="ok"\}/ {n=$2}
    END {if (n > 0) printf "%.1f", 1e6 * cpu / n; else print "-"}'
}
echo "gateway CPU per tools/call: untraced $(cpu_per_request "$gw_port") us, traced $(cpu_per_request "$gt_port") us"
kill "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null || true
echo "spans received by the local OTLP receiver: $(awk '/^spans/ {print $2}' "$work/sink.err")"
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d); ${duration}s per point, the median of $repeats runs each"
