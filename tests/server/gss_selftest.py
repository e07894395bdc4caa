#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Negotiate/Kerberos/NTLM and message-encryption part of the wsman_server.py self-test.

selftest.py runs run_all(); `gss_selftest.py [-v]` runs only these tests. Needs /usr/bin/python3 with
python3-gssapi, MIT krb5 (krb5-kdc, kadmin.local) and gss-ntlmssp. When WSM_KDC_DIR is not set, a throw-away
realm is started with tests/kdc/kdc.sh (and stopped at the end); its environment must be in place before
gssapi is loaded, so gssapi is imported only inside the functions.

The tests live in selftests/gss_*.py. The initiator and the [MS-WSMV] 2.2.9.1 framing there are written apart from the
server's (one request is also checked against bytes written by hand from the spec). The Kerberos wrap is done
the way the C client does it: [HEADER][DATA][PADDING] with Length = N + padding. t_omi runs the server with
--flavor omi (strict framing, plain Kerberos wrap tokens, no 401 challenge).
`gss_selftest.py --rc4-child PORT` is the RC4 initiator, run in a subprocess with KRB5_CONFIG=krb5-rc4.conf.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# The imports follow the sys.path change.
from selftests.gss_common import Env, rc4_child  # noqa: E402
from selftests.gss_http import t_framing, t_http, t_modes  # noqa: E402
from selftests.gss_more import t_bad_handshake, t_https, t_omi, t_rc4, t_token_bytes  # noqa: E402


def run_all(check, server_proc, run, verbose=False):
    """Called by selftest.py (check/ServerProc/run are its helpers)."""
    import importlib.util
    if importlib.util.find_spec('gssapi') is None:     # not imported: the KDC environment comes first
        check('gss: python3-gssapi installed (needed for the Negotiate/Kerberos tests)', False)
        return
    env = Env(check, server_proc, verbose)
    try:
        env.start_kdc()
    except (subprocess.SubprocessError, OSError) as e:
        check('gss: test KDC started (tests/kdc/kdc.sh)', False, e)
        return
    try:
        for name, fn in (('gss-framing', t_framing), ('gss-http', t_http), ('gss-modes', t_modes),
                         ('gss-https', t_https), ('gss-rc4', t_rc4), ('gss-omi', t_omi),
                         ('gss-bad-handshake', t_bad_handshake), ('gss-token-bytes', t_token_bytes)):
            run(name, fn, env)
    finally:
        env.stop_kdc()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--rc4-child':
        return rc4_child(int(sys.argv[2]))
    from selftests import common
    run_all(common.check, common.ServerProc, common.run, common.VERBOSE)
    print('gss_selftest: %d passed, %d failed' % (common.PASSED, common.FAILED))
    return 0 if common.FAILED == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
