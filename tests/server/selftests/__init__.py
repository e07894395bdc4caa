# SPDX-License-Identifier: MIT
"""The self-tests of the test server, split by subject; run them with selftest.py, gss_selftest.py and
credssp_selftest.py (see tests/server/README.md)."""
