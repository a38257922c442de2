# guardian_add_test(NAME SOURCES... LABELS label... LINK lib [TORCH]): one GoogleTest binary
# registered with CTest. Tests find the repository (configs, fixtures) and the built binary through
# GUARDIAN_SOURCE_DIR and GUARDIAN_BINARY.
include(GoogleTest)
function(guardian_add_test name)
  cmake_parse_arguments(T "TORCH" "LINK" "SOURCES;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LINK} GTest::gtest_main)
  if(T_TORCH)
    target_precompile_headers(${name} REUSE_FROM guardian)
  endif()
  target_compile_definitions(${name} PRIVATE
    GUARDIAN_SOURCE_DIR="${CMAKE_SOURCE_DIR}" GUARDIAN_BINARY="${CMAKE_BINARY_DIR}/bin/guardian")
  gtest_discover_tests(${name} PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
