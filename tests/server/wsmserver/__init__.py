# SPDX-License-Identifier: MIT
"""wsmauto test server: a WS-Management (WinRM-like) service for loopback tests, as a package.

Written independently of the wsmauto C client. Only the Python standard library and lxml are used, plus
python3-gssapi for --auth negotiate/kerberos/credssp (imported only then). Shapes of replies and faults are
modelled on WinRM's (see tests/server/README.md for the rules and the module layout). The command line is
tests/server/wsman_server.py, which calls wsmserver.main.main().
"""
