# gw_cc_library / gw_cc_test: one CMake target per module, after absl_cc_library.
# Every target shares the repository root as include root, so "gw/router/router.h" is the
# include path of gw/router/router.h. tools/check_layering enforces who may include whom.

function(gw_cc_library)
  cmake_parse_arguments(GW "" "NAME" "SRCS;DEPS" ${ARGN})
  set(target gw_${GW_NAME})
  if(GW_SRCS)
    add_library(${target} STATIC ${GW_SRCS})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} PUBLIC ${GW_DEPS})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} INTERFACE ${GW_DEPS})
  endif()
  add_library(gw::${GW_NAME} ALIAS ${target})
  # clang-14 cannot emit sanitizer coverage for C++20 coroutine frames ("Cannot represent a
  # difference across sections"): in the fuzz build, files with coroutines (the Asio I/O
  # edge, which no fuzz target drives) are compiled without coverage or sanitizers (ASan has
  # the same trouble there).
  if(GW_FUZZ)
    foreach(src ${GW_SRCS})
      file(READ ${CMAKE_CURRENT_SOURCE_DIR}/${src} text)
      if(text MATCHES "co_await|co_return")
        set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS -fno-sanitize=all)
      endif()
    endforeach()
  endif()
endfunction()

# Unit tests sit beside the code and are discovered case by case by CTest.
function(gw_cc_test)
  cmake_parse_arguments(GW "" "NAME" "SRCS;DEPS" ${ARGN})
  if(NOT GW_BUILD_TESTS)
    return()
  endif()
  add_executable(${GW_NAME} ${GW_SRCS})
  target_link_libraries(${GW_NAME} PRIVATE ${GW_DEPS} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${GW_NAME} DISCOVERY_TIMEOUT 60)
endfunction()
