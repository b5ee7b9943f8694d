# Toolchain: wasm32-wasi with Debian's clang-19, wasi-libc and libc++-19-dev-wasm32
# (installed by `scripts/deps --wasm`). No exceptions and no threads exist on this target
# (docs/decisions/0002-wasm32-wasi.md); native /usr/include is kept out of the search path so
# that a native-only header fails at compile time instead of at link time.
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")  # Platform/WASI.cmake
set(CMAKE_C_COMPILER clang-19)
set(CMAKE_CXX_COMPILER clang++-19)
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)
set(CMAKE_AR /usr/lib/llvm-19/bin/llvm-ar)
set(CMAKE_RANLIB /usr/lib/llvm-19/bin/llvm-ranlib)
set(GW_WASI_SYSTEM_INCLUDES
    "-nostdinc -isystem /usr/lib/llvm-19/lib/clang/19/include -isystem /usr/include/wasm32-wasi")
set(CMAKE_C_FLAGS_INIT "-msimd128 ${GW_WASI_SYSTEM_INCLUDES}")
# -fdelayed-template-parsing: RapidJSON 1.1.0 does not compile with clang-19 otherwise.
set(CMAKE_CXX_FLAGS_INIT "-msimd128 -fno-exceptions -fno-rtti -fdelayed-template-parsing -Wno-delayed-template-parsing-in-cxx20 -nostdinc++ -isystem /usr/include/wasm32-wasi/c++/v1 ${GW_WASI_SYSTEM_INCLUDES}")
# wasm-ld's default stack is 64 KiB and overflows silently into data; give it 1 MiB.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-z,stack-size=1048576")
set(CMAKE_FIND_ROOT_PATH /usr/lib/wasm32-wasi /usr/include/wasm32-wasi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
