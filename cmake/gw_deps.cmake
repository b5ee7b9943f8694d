# Third-party dependencies, all from Debian packages (installed by scripts/deps).
# The wasm32 build takes only header-only libraries (tl::expected, RapidJSON).

if(GW_PLATFORM STREQUAL "wasm32")
  # The wasm build sees no native /usr/include; header-only libraries come in through a
  # folder of links, so nothing else of the host leaks in.
  set(GW_WASM_INCLUDE ${CMAKE_BINARY_DIR}/wasm-include)
  file(MAKE_DIRECTORY ${GW_WASM_INCLUDE})
  foreach(dir rapidjson tl)
    if(NOT EXISTS ${GW_WASM_INCLUDE}/${dir})
      file(CREATE_LINK /usr/include/${dir} ${GW_WASM_INCLUDE}/${dir} SYMBOLIC)
    endif()
  endforeach()
  set(TL_EXPECTED_INCLUDE ${GW_WASM_INCLUDE})
  set(RAPIDJSON_INCLUDE ${GW_WASM_INCLUDE})
else()
  find_path(TL_EXPECTED_INCLUDE tl/expected.hpp REQUIRED)
  find_path(RAPIDJSON_INCLUDE rapidjson/document.h REQUIRED)
endif()
add_library(gw_thirdparty_headers INTERFACE)
target_include_directories(gw_thirdparty_headers SYSTEM INTERFACE ${TL_EXPECTED_INCLUDE}
                           ${RAPIDJSON_INCLUDE})
# RapidJSON: std::string overloads, and SSE4.2 scanning of whitespace where available.
target_compile_definitions(gw_thirdparty_headers INTERFACE RAPIDJSON_HAS_STDSTRING=1)

if(GW_PLATFORM STREQUAL "posix")
  find_package(Threads REQUIRED)
  find_package(Boost 1.74 REQUIRED)
  find_package(OpenSSL 3 REQUIRED)
  find_package(fmt REQUIRED)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
  pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
  pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
  find_path(CLI11_INCLUDE CLI/CLI.hpp REQUIRED)
  add_library(gw_cli11 INTERFACE)
  target_include_directories(gw_cli11 SYSTEM INTERFACE ${CLI11_INCLUDE})

  # Boost.Asio 1.74 with C++20 coroutines needs <utility> before its headers under g++ 12
  # (docs/decisions/0001-asio-beast.md).
  add_library(gw_asio INTERFACE)
  target_link_libraries(gw_asio INTERFACE Boost::headers Threads::Threads OpenSSL::SSL)
  target_compile_options(gw_asio INTERFACE -include utility)
  target_compile_definitions(gw_asio INTERFACE BOOST_ASIO_NO_DEPRECATED
                             BOOST_BEAST_USE_STD_STRING_VIEW)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_compile_definitions(gw_asio INTERFACE BOOST_ASIO_HAS_CO_AWAIT=1)
  endif()

  if(GW_BUILD_TESTS)
    find_package(GTest REQUIRED)
    include(GoogleTest)
  endif()
endif()
