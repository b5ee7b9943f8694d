#!/usr/bin/env bash
# Benchmark (issue 3): a proxied echo tools/call (client -> proxy -> upstream), in one run,
# side by side with the client calling the upstream directly and with the npm proxies
# supergateway and mcp-proxy fronting the same upstream program.
#
# Two upstreams: server-everything (Node) and a second edgegw serving its local echo (so the
# upstream is not the bottleneck). Each is reached:
#   direct        client -> upstream over Streamable HTTP
#   edgegw/http   client -> edgegw -> upstream over Streamable HTTP
#   edgegw/http traced   the same, the proxy exporting every span over OTLP/HTTP to a local
#                 receiver (bench/otlp_sink.mjs)
#   edgegw/stdio  client -> edgegw -> upstream as a stdio child
#   supergateway  client -> supergateway (stateful) -> upstream as a stdio child
#   mcp-proxy     client -> mcp-proxy -> upstream as a stdio child
# (the npm proxies can only front stdio servers, so they get the same program over stdio).
#   bench/proxy_tools_call.sh [SECONDS_PER_POINT]      (default 5)
# Prints markdown tables (the ones in docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5}
# Clients speak the current protocol, as the proxies do upstream (the SDK's servers are much
# slower at 2025-11-25 than at 2025-06-18, so a mixed comparison would flatter the proxies).
export MCP_VERSION=2025-11-25
source bench/lib.sh

gw=$PWD/build/release/bin/edgegw
node_bin=$(command -v node)
everything=$PWD/tests/js/node_modules/@modelcontextprotocol/server-everything/dist/index.js
supergateway=$PWD/bench/js/node_modules/.bin/supergateway
mcp_proxy=$PWD/bench/js/node_modules/.bin/mcp-proxy

wait_mcp() {  # polls until an MCP initialize succeeds: start-up readiness, not a measurement
  for _ in $(seq 1 400); do node bench/open_sessions.mjs "$1" 1 >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "no MCP answer from $1" >&2; return 1
}
start() {  # start NAME CMD... : runs CMD in the background, logging to $work/NAME.log
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}

# The upstreams over Streamable HTTP.
se_port=$(free_port); gwb_port=$(free_port)
PORT=$se_port start se-http "$node_bin" "$everything" streamableHttp
start gwb-http "$gw" serve --config bench/core.toml --listen "127.0.0.1:$gwb_port"
se_url=http://127.0.0.1:$se_port/mcp; gwb_url=http://127.0.0.1:$gwb_port/mcp
wait_mcp "$se_url"; wait_mcp "$gwb_url"

# The receiver for the traced proxy's spans.
node bench/otlp_sink.mjs >"$work/sink.log" 2>"$work/sink.err" &
pids+=($!)
for _ in $(seq 1 200); do grep -q "^listening" "$work/sink.log" && break; sleep 0.05; done
sink_url=http://127.0.0.1:$(awk '/^listening/ {print $2}' "$work/sink.log")

# The proxies. Each upstream program over stdio: the same command for every proxy.
se_cmd="$node_bin $everything stdio"
gwb_cmd="$gw serve --stdio --config $PWD/bench/core.toml"
declare -A url
for up in se gwb; do
  if [ $up = se ]; then up_url=$se_url; up_cmd=$se_cmd; else up_url=$gwb_url; up_cmd=$gwb_cmd; fi
  url[$up/direct]=$up_url
  p=$(free_port); start "$up-edgegw-http" "$gw" serve --config bench/front.toml --listen "127.0.0.1:$p" --upstream "$up_url"
  url[$up/edgegw-http]=http://127.0.0.1:$p/mcp
  p=$(free_port); OTEL_EXPORTER_OTLP_ENDPOINT=$sink_url start "$up-edgegw-traced" "$gw" serve \
    --config bench/front.toml --listen "127.0.0.1:$p" --upstream "$up_url"
  url[$up/edgegw-http-traced]=http://127.0.0.1:$p/mcp
  p=$(free_port); start "$up-edgegw-stdio" "$gw" serve --config bench/front.toml --listen "127.0.0.1:$p" --upstream "stdio:$up_cmd"
  url[$up/edgegw-stdio]=http://127.0.0.1:$p/mcp
  p=$(free_port); start "$up-supergateway" "$supergateway" --stdio "$up_cmd" --outputTransport streamableHttp \
    --stateful --port "$p" --logLevel none
  url[$up/supergateway]=http://127.0.0.1:$p/mcp
  p=$(free_port); start "$up-mcp-proxy" "$mcp_proxy" --host 127.0.0.1 --port "$p" --server stream -- $up_cmd
  url[$up/mcp-proxy]=http://127.0.0.1:$p/mcp
done
for k in "${!url[@]}"; do wait_mcp "${url[$k]}"; done

# run URL TOOL ARGS CONC -> "rps p50_us p99_us errors"
run() {
  local u=$1 tool=$2 args=$3 conc=$4 threads=$(( $4 < 2 ? 1 : 2 ))
  local sessions; sessions=$(node bench/open_sessions.mjs "$u" "$threads")
  MCP_SESSIONS=$sessions MCP_TOOL=$tool MCP_ARGS=$args MCP_PATH=/mcp \
    wrk -t"$threads" -c"$conc" -d"${duration}s" --latency -s bench/mcp_tools_call.lua "$u" >"$work/wrk.out" 2>&1
  awk '
    /Requests\/sec:/ {rps=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx or 3xx responses:/ {errs=$5}
    function us(v) { if (v ~ /us$/) return v+0; if (v ~ /ms$/) return v*1000; if (v ~ /s$/) return v*1000000; return v }
    END {printf "%d %d %d %d\n", rps, us(p50), us(p99), errs+0}' "$work/wrk.out"
}

ways=(direct edgegw-http edgegw-http-traced edgegw-stdio supergateway mcp-proxy)
for up in gwb se; do
  if [ $up = se ]; then title="server-everything"; args='{"message":"hi"}'; else title="edgegw (local echo)"; args='{"text":"hi"}'; fi
  echo "### upstream: $title"
  echo
  echo "| path | c=1 req/s | c=1 p50 us | c=1 p99 us | added p50 us | added p99 us | c=16 req/s | c=64 req/s |"
  echo "|---|---|---|---|---|---|---|---|"
  declare -A rps p50 p99
  for way in "${ways[@]}"; do
    for conc in 1 16 64; do
      read -r r a b e < <(run "${url[$up/$way]}" echo "$args" "$conc")
      [ "$e" = 0 ] || echo "$up/$way c=$conc: $e non-2xx answers" >&2
      rps[$way/$conc]=$r; p50[$way/$conc]=$a; p99[$way/$conc]=$b
    done
  done
  for way in "${ways[@]}"; do
    if [ $way = direct ]; then add50="-"; add99="-"; else
      add50=$(( ${p50[$way/1]} - ${p50[direct/1]} )); add99=$(( ${p99[$way/1]} - ${p99[direct/1]} )); fi
    echo "| $way | ${rps[$way/1]} | ${p50[$way/1]} | ${p99[$way/1]} | $add50 | $add99 | ${rps[$way/16]} | ${rps[$way/64]} |"
  done
  best() { local m=0; for w in supergateway mcp-proxy; do [ "${rps[$w/$1]}" -gt "$m" ] && m=${rps[$w/$1]}; done; echo "$m"; }
  echo
  for conc in 1 16 64; do
    b=$(best $conc)
    awk -v c=$conc -v h=${rps[edgegw-http/$conc]} -v s=${rps[edgegw-stdio/$conc]} -v b="$b" \
      'BEGIN {printf "c=%d: edgegw/http %.1fx, edgegw/stdio %.1fx the best npm proxy\n", c, (b>0?h/b:0), (b>0?s/b:0)}'
  done
  echo
  unset rps p50 p99
done
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d); ${duration}s per point; wrk and every process share the cores"
