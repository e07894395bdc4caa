# ---- CredSSP (issue 16) ----
# Unit tests without network: the TSRequest/TSCredentials DER, the OpenSSL TLS client of auth/tls.h against an
# in-process OpenSSL server (TLS 1.2 and 1.3, trailer lengths), and the 16 KiB chunking of the framing.
add_executable(test_credssp test_credssp.c comutil.c serverctl.c)
target_compile_definitions(test_credssp PRIVATE ${SERVER_DEFS})
target_link_libraries(test_credssp PRIVATE wsmauto_static OpenSSL::SSL OpenSSL::Crypto)
add_test(NAME credssp_unit COMMAND test_credssp)
# End to end through the COM API against the bundled server's CredSSP acceptor
# (tests/server/wsmserver/credssp.py), with Kerberos inside (credssp) and NTLM inside (credssp_ntlm), over the
# test realm.
add_test(NAME credssp COMMAND test_credssp e2e)
add_test(NAME credssp_ntlm COMMAND test_credssp e2e ntlm)
set_tests_properties(credssp credssp_ntlm PROPERTIES FIXTURES_REQUIRED kdc ENVIRONMENT "${KDC_ENV}")
# wsmanctl -a:CredSSP end to end (Kerberos and NTLM inside, HTTP and HTTPS, the delegation policy, -debug).
add_test(NAME cli_credssp COMMAND "${WSMAUTO_PYTHON}" "${CMAKE_CURRENT_SOURCE_DIR}/cli/run_cli_credssp_tests.py"
                                  "$<TARGET_FILE:wsmanctl>" "${CMAKE_SOURCE_DIR}")
set_tests_properties(cli_credssp PROPERTIES FIXTURES_REQUIRED kdc ENVIRONMENT "${KDC_ENV}")
