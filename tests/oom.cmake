# Allocation-failure injection over every public COM call (issue 15): the library's own allocations fail one
# at a time through the linker's --wrap (so only calls from our objects, not libc's or other libraries', are
# redirected), libxml2's through xmlMemSetup and libcurl's through curl_global_init_mem.
add_executable(test_oom test_oom.c comutil.c serverctl.c)
target_compile_definitions(test_oom PRIVATE ${SERVER_DEFS})
target_link_libraries(test_oom PRIVATE wsmauto_static PkgConfig::LIBCURL)
target_link_options(test_oom PRIVATE
  "-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=vasprintf,--wrap=open_memstream")
add_test(NAME oom COMMAND test_oom)
set_tests_properties(oom PROPERTIES TIMEOUT 300)
