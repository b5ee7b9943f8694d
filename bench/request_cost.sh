#!/usr/bin/env bash
# Benchmark (issue 13): where one local tools/call goes inside the gateway, counted rather
# than timed, so the figures hold on a noisy machine: instructions (valgrind's callgrind),
# heap allocations (memcheck's heap summary) and system calls (strace), per request, with
# tracing off and with tracing on (every span exported over OTLP/HTTP protobuf to a local
# receiver, bench/otlp_sink.mjs). Each figure is the difference between a run of SMALL and
# one of LARGE requests, divided by LARGE - SMALL, so start-up and shutdown cancel out.
#   bench/request_cost.sh [SMALL LARGE]      (default 500 1500)
# Prints a markdown table (the one in docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-500}
large=${2:-1500}
source bench/lib.sh
gw=$PWD/build/release/bin/edgegw

wait_http() {  # start-up readiness, not a measurement
  for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "no answer from $1" >&2; return 1
}

node bench/otlp_sink.mjs >"$work/sink.log" 2>"$work/sink.err" &
pids+=($!)
for _ in $(seq 1 200); do grep -q "^listening" "$work/sink.log" && break; sleep 0.05; done
sink_port=$(awk '/^listening/ {print $2}' "$work/sink.log")

# measure TOOL MODE N -> one number for the whole run
#   TOOL: callgrind (instructions), memcheck (allocations), strace (system calls)
#   MODE: off, traced
measure() {
  local tool=$1 mode=$2 n=$3 port out
  port=$(free_port)
  out=$work/$tool-$mode-$n
  # Exports go out when 512 spans are ready (and at shutdown), not on a timer, so the runs
  # differ only in the number of requests.
  cat >"$out.toml" <<TOML
[server]
log_level = "error"
$( [ "$mode" = traced ] && printf '[telemetry]\notlp_endpoint = "http://127.0.0.1:%s"\nexport_interval_ms = 3600000\n' "$sink_port")
TOML
  local cmd=("$gw" serve --config "$out.toml" --listen "127.0.0.1:$port")
  case $tool in
    callgrind) valgrind --tool=callgrind --callgrind-out-file="$out.cg" "${cmd[@]}" 2>"$out.log" & ;;
    memcheck) valgrind --tool=memcheck --leak-check=no "${cmd[@]}" 2>"$out.log" & ;;
    strace) strace -f -c -o "$out.st" "${cmd[@]}" 2>"$out.log" & ;;
  esac
  local pid=$!
  wait_http "http://127.0.0.1:$port/healthz"
  node bench/send_calls.mjs "http://127.0.0.1:$port/mcp" "$n"
  # strace runs the gateway as its child; valgrind runs it in its own process.
  if [ "$tool" = strace ]; then kill -TERM "$(pgrep -P "$pid")"; else kill -TERM "$pid"; fi
  wait "$pid" || true
  case $tool in
    callgrind) awk '/^summary:/ {print $2}' "$out.cg" ;;
    memcheck) awk '/total heap usage:/ {gsub(",", "", $5); print $5}' "$out.log" ;;
    strace) awk '$NF == "total" {print $(NF-2)}' "$out.st" ;;
  esac
}

per_request() {  # TOOL MODE -> per request, to one decimal
  local a b
  a=$(measure "$1" "$2" "$small")
  b=$(measure "$1" "$2" "$large")
  awk -v a="$a" -v b="$b" -v n=$((large - small)) 'BEGIN {printf "%.1f", (b - a) / n}'
}

echo "| per local tools/call (Streamable HTTP, keep-alive) | tracing off | tracing on | tracing's cost |"
echo "|---|---|---|---|"
for tool in callgrind memcheck strace; do
  off=$(per_request "$tool" off)
  on=$(per_request "$tool" traced)
  label=$(case $tool in callgrind) echo "instructions";; memcheck) echo "heap allocations";; strace) echo "system calls";; esac)
  awk -v l="$label" -v a="$off" -v b="$on" 'BEGIN {printf "| %s | %.1f | %.1f | %+.1f |\n", l, a, b, b - a}'
done
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m); $small and $large requests per run"
