# The hostile-server suite (issue 15): every misbehave mode of tests/server with its exact HRESULT, bounded
# time and bounded heap, through the public COM API; the session works on after each.
add_executable(test_hostile test_hostile.c comutil.c serverctl.c)
target_compile_definitions(test_hostile PRIVATE ${SERVER_DEFS})
target_link_libraries(test_hostile PRIVATE wsmauto)
add_test(NAME hostile COMMAND test_hostile)
set_tests_properties(hostile PROPERTIES TIMEOUT 240)
