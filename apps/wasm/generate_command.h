// `edgegw.wasm generate ...`: see generate_command.cc. Returns the exit code.
#pragma once

int RunWasmGenerate(int argc, char** argv);
