# SPDX-License-Identifier: MIT
# CredSSP acceptor of the bundled server (tests/server/wsmserver/credssp.py, issue 16): its own Python client
# (credssp_selftest.py) over the test realm of the kdc fixture. Included from tests/CMakeLists.txt.
add_test(NAME credssp_selftest
  COMMAND "${WSMAUTO_PYTHON}" "${CMAKE_CURRENT_SOURCE_DIR}/server/credssp_selftest.py")
set_tests_properties(credssp_selftest PROPERTIES FIXTURES_REQUIRED kdc ENVIRONMENT "${KDC_ENV}" TIMEOUT 600)
