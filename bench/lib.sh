# Shared by the benchmark scripts (source it from the repository root): installs the bench
# peers, builds the release binary, and gives a scratch folder whose processes are stopped
# and files removed on exit.
scripts/deps --bench >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target edgegw >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
