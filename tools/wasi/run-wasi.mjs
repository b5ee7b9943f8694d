// Runs a wasm32-wasi command module (e.g. build/wasm/bin/edgegw.wasm) under Node's WASI.
//   node --no-warnings tools/wasi/run-wasi.mjs MODULE.wasm [ARGS...]
// stdin: Node hands the guest fd 0 in non-blocking mode when it is a pipe, and a read with no
// data ready then fails with EAGAIN, which C stdio treats as end of file. Opening
// /dev/stdin again gives a blocking description of the same pipe, so an interactive stdio
// server waits for its next line as it does natively.
import { readFile } from 'node:fs/promises';
import { openSync } from 'node:fs';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [modulePath, ...guestArgs] = process.argv.slice(2);
if (!modulePath) {
  console.error('usage: node --no-warnings run-wasi.mjs MODULE.wasm [ARGS...]');
  process.exit(2);
}
let stdinFd = 0;
try {
  stdinFd = openSync('/dev/stdin', 'r');
} catch {
  // No /dev/stdin (e.g. stdin is a socket): fall back to the descriptor Node gives us.
}
const wasi = new WASI({
  version: 'preview1',
  args: [modulePath, ...guestArgs],
  env: {},
  // The working directory is visible to the guest as '.', so relative paths (models) work.
  preopens: { '.': process.cwd() },
  stdin: stdinFd,
  stdout: 1,
  stderr: 2,
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(modulePath));
const imports = typeof wasi.getImportObject === 'function'
  ? wasi.getImportObject()
  : { wasi_snapshot_preview1: wasi.wasiImport };
const instance = await WebAssembly.instantiate(module, imports);
process.exitCode = wasi.start(instance) ?? 0;
