# Many threads against one server (issue 15 item 7): each with its own WSMan object and Session doing every
# operation, and threads sharing one WSMan, one Session, one ResourceLocator and one Enumerator. Clean under
# ThreadSanitizer (tools/tsan.sh) and under ASan+UBSan (the normal test build).
add_executable(test_threads test_threads.c comutil.c serverctl.c)
target_compile_definitions(test_threads PRIVATE ${SERVER_DEFS})
target_link_libraries(test_threads PRIVATE wsmauto Threads::Threads)
add_test(NAME threads COMMAND test_threads)
