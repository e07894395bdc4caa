#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of tests/server/wsman_server.py.

Starts the server (several times, with different options) on ephemeral loopback ports, sends hand-written
SOAP envelopes over http.client (and a few raw sockets), and checks the replies and faults. Standard library
and lxml only. Prints one line per failure and finally "selftest: N passed, N failed"; exit status 0 only when
nothing failed.
Usage: /usr/bin/python3 tests/server/selftest.py [-v]
The tests live in the package selftests/ beside this script (see tests/server/README.md). The
Negotiate/Kerberos/NTLM and encryption tests are gss_selftest.py's (run at the end; they need python3-gssapi,
MIT krb5's KDC tools and gss-ntlmssp, and start a throw-away realm with tests/kdc/kdc.sh).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# The imports follow the sys.path change.
from selftests import common  # noqa: E402
from selftests.common import Client, ServerProc, VERBOSE, check, run  # noqa: E402
from selftests.basic import (t_auth_basic, t_auth_digest, t_digest_stale, t_echo, t_fragments,  # noqa: E402
                             t_get, t_headers, t_http_layer, t_identify, t_invoke, t_item_crud)
from selftests.enum import (t_config, t_encoding, t_enumerate, t_filters, t_limits,  # noqa: E402
                            t_polymorphism, t_timeout)
from selftests.conn import (t_auth_none, t_big, t_concurrency, t_expiry, t_https, t_keepalive,  # noqa: E402
                            t_misbehave)
from selftests.shell import t_shell, t_shell_disabled  # noqa: E402
from selftests.misc import t_omi_identify, t_oversized, t_startup_errors  # noqa: E402


def main():
    t_start = time.time()
    srv = ServerProc('--auth', 'basic,digest', '--user', 'wsmuser:wsmpass', '--user', 'other:pw:with:colons')
    c = Client(srv.port)
    try:
        for name, fn, args in (
                ('http', t_http_layer, (srv, c)), ('identify', t_identify, (srv, c)),
                               ('basic', t_auth_basic, (srv,)),
                ('digest', t_auth_digest, (srv,)), ('get', t_get, (srv, c)), ('headers', t_headers, (srv, c)),
                ('echo', t_echo, (srv, c)), ('invoke', t_invoke, (srv, c)), ('items', t_item_crud, (srv, c)),
                ('fragments', t_fragments, (srv, c)), ('enumerate', t_enumerate, (srv, c)),
                ('polymorphism', t_polymorphism, (srv, c)), ('filters', t_filters, (srv, c)),
                ('config', t_config, (srv, c)), ('encoding', t_encoding, (srv, c)),
                               ('limits', t_limits, (srv, c)),
                ('timeout', t_timeout, (srv, c)), ('keepalive', t_keepalive, (srv,)),
                ('misbehave', t_misbehave, (srv, c)), ('concurrency', t_concurrency, (srv,)),
                ('shell-disabled', t_shell_disabled, (srv, c))):
            run(name, fn, *args)
        err = [ln for ln in open(srv.log).read().splitlines() if ln.startswith('error')]
        check('server: no internal errors logged', not err, err[:2])
    finally:
        c.close()
        rc, out = srv.stop()
        check('server: clean exit', rc == 0 and out == b'', (rc, out[:300]))
    for name, fn in (('digest-stale', t_digest_stale), ('auth-none', t_auth_none), ('expiry', t_expiry),
                     ('https', t_https), ('big', t_big), ('shell', t_shell), ('omi-identify', t_omi_identify),
                     ('startup', t_startup_errors), ('oversized', t_oversized)):
        run(name, fn)
    # Negotiate/Kerberos/NTLM + message encryption (starts its own KDC unless WSM_KDC_DIR is set).
    import gss_selftest
    gss_selftest.run_all(check, ServerProc, run, VERBOSE)
    if VERBOSE:
        print('(%.1f s)' % (time.time() - t_start))
    print('selftest: %d passed, %d failed' % (common.PASSED, common.FAILED))
    return 0 if common.FAILED == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
