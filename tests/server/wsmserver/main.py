# SPDX-License-Identifier: MIT
"""Command line and start-up."""

import argparse
import hashlib
import os
import signal
import ssl
import subprocess
import sys
import threading

from . import credssp
from .names import FLAVORS
from .resources import CredsspLastResource
from .gss import GSS_SCHEMES, gss_module, tls_server_end_point
from .app import App
from .httpd import Server


def parse_args(argv):
    ap = argparse.ArgumentParser(description='wsmauto WS-Management test server (see tests/server/README.md)')
    ap.add_argument('--bind', default='127.0.0.1', metavar='ADDR',
                    help='address to listen on (default 127.0.0.1)')
    ap.add_argument('--port', type=int, default=0, metavar='N', help='port (default 0 = ephemeral)')
    ap.add_argument('--port-file', metavar='PATH',
                    help='write the port + newline here once listening (atomic)')
    ap.add_argument('--tls-cert', metavar='PEM', help='serve HTTPS with this certificate (needs --tls-key)')
    ap.add_argument('--tls-key', metavar='PEM', help='private key of --tls-cert')
    ap.add_argument('--client-ca', metavar='PEM',
                    help='HTTPS: ask for a client certificate and verify it with this '
                    'CA (optional, so password auth keeps working)')
    ap.add_argument('--auth', default='basic', metavar='LIST',
                    help='comma list of none, basic, digest, certificate, negotiate, kerberos, credssp '
                    '(default basic)')
    ap.add_argument('--user', action='append', dest='user_args', metavar='NAME:PASSWORD',
                    help='an account (repeatable; default wsmuser:wsmpass)')
    ap.add_argument('--cert-user', action='append', dest='cert_users', default=[], metavar='CN',
                    help='accept client certificates with this subject CN only (repeatable; default: any '
                    'that verifies)')
    ap.add_argument('--instances', type=int, default=50, metavar='N',
                    help='number of generated Win32_Service instances (default 50)')
    ap.add_argument('--max-envelope-kb', type=int, default=500, metavar='N',
                    help='MaxEnvelopeSizekb (default 500)')
    ap.add_argument('--max-timeout-ms', type=int, default=60000, metavar='N',
                    help='MaxTimeoutms (default 60000)')
    ap.add_argument('--enum-expiry-s', type=float, default=60, metavar='N',
                    help='idle expiry of enumeration contexts in seconds (default 60)')
    ap.add_argument('--digest-nonce-ttl-s', type=float, default=300, metavar='N',
                    help='age in seconds after which a Digest nonce is stale (default 300)')
    ap.add_argument('--machine', default='wsmauto-test', metavar='NAME',
                    help='Machine attribute of faults and CSName (default wsmauto-test)')
    ap.add_argument('--log', metavar='PATH', help='append one line per HTTP request here')
    ap.add_argument('--token-log', metavar='PATH',
                    help='append every credential the server receives (Authorization, after the scheme) and every '
                    'token it sends (WWW-Authenticate, after the scheme) here, one a line: for tests that prove a '
                    'client never shows them; off by default')
    ap.add_argument('--gss-token-bytes', type=int, default=0, metavar='N',
                    help='replace every Negotiate/Kerberos token the server sends by N bytes that look random '
                    '(oversized tokens); 0 = off, the default')
    ap.add_argument('--gss-encryption', choices=('require', 'allow', 'refuse'), default='require',
                    help='Negotiate/Kerberos message encryption over HTTP: require (plaintext SOAP gets 500, '
                    'the default), allow, refuse (an encrypted request gets 400)')
    ap.add_argument('--require-cbt', action='store_true',
                    help='HTTPS: refuse a Negotiate/Kerberos context without matching channel bindings')
    ap.add_argument('--gss-reauth-after', type=int, default=0, metavar='N',
                    help='drop a connection\'s GSS context after N authenticated requests (0 = never)')
    ap.add_argument('--gss-drop-handshake', action='store_true',
                    help='close the connection without a reply on any Negotiate/Kerberos token')
    ap.add_argument('--gss-bad-handshake', choices=('garbage', 'truncate', 'not-base64', 'loop',
                                                    'accept-no-token'),
                    help='answer Negotiate/Kerberos handshake legs wrongly: garbage or truncated tokens, a '
                    'token that is not base64, a 401 with the first token on every leg (loop), or 200 '
                    'without a token at once (accept-no-token); off by default')
    ap.add_argument('--flavor', choices=FLAVORS, default='windows',
                    help='wire behaviour to copy: windows (WinRM, the default) or omi (Microsoft OMI 1.0.8: '
                    'Identify shape, strict encrypted framing, plain Kerberos wrap tokens, no 401 challenge)')
    ap.add_argument('--allow-shell', action='store_true',
                    help='serve the cmd shell resource (runs the requested commands on this machine with '
                    '/bin/sh; off by default)')
    credssp.add_arguments(ap)
    args = ap.parse_args(argv)
    schemes = [s.strip().lower() for s in args.auth.split(',') if s.strip()]
    bad = [s for s in schemes if s not in ('none', 'basic', 'digest', 'certificate', 'credssp') + GSS_SCHEMES]
    if bad or not schemes:
        ap.error('--auth takes a comma list of none, basic, digest, certificate, negotiate, kerberos, credssp '
                 '(got %r)' % args.auth)
    if args.gss_reauth_after < 0:
        ap.error('--gss-reauth-after must not be negative')
    if args.gss_token_bytes < 0:
        ap.error('--gss-token-bytes must not be negative')
    args.auth = schemes
    args.users = []
    for u in args.user_args or ['wsmuser:wsmpass']:
        name, sep, pw = u.partition(':')
        if not sep or not name:
            ap.error('--user needs NAME:PASSWORD')
        args.users.append((name, pw))
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error('--tls-cert and --tls-key go together')
    if args.client_ca and not args.tls_cert:
        ap.error('--client-ca needs --tls-cert/--tls-key')
    if 'certificate' in schemes and not args.client_ca:
        ap.error('--auth certificate needs --tls-cert, --tls-key and --client-ca')
    if args.instances < 0:
        ap.error('--instances must not be negative')
    if args.max_envelope_kb < 8:
        ap.error('--max-envelope-kb must be at least 8')
    if args.max_timeout_ms < 1:
        ap.error('--max-timeout-ms must be positive')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if any(s in GSS_SCHEMES + ('credssp',) for s in args.auth):
        try:
            gss_module()
        except ImportError as e:
            print('wsman_server: --auth negotiate/kerberos/credssp needs python3-gssapi: %s' % e)
            return 2
    app = App(args)
    app.credssp = None
    if 'credssp' in args.auth:
        try:
            app.credssp = credssp.Service(args, lambda: app.new_acceptor(False))
        except (OSError, ssl.SSLError, ValueError, subprocess.SubprocessError) as e:
            print('wsman_server: cannot set up CredSSP (needs the openssl CLI): %s' % e)
            return 2
        app.resources[credssp.LAST_URI] = CredsspLastResource(app)
    ssl_ctx = None
    if args.tls_cert:
        try:
            ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ssl_ctx.load_cert_chain(args.tls_cert, args.tls_key)
            if args.client_ca:
                ssl_ctx.verify_mode = ssl.CERT_OPTIONAL
                ssl_ctx.load_verify_locations(args.client_ca)
            with open(args.tls_cert, 'rb') as f:
                der = ssl.PEM_cert_to_DER_cert(f.read().decode('ascii', 'replace'))
            app.thumbprint = hashlib.sha1(der).hexdigest().upper()
            app.cbt_data = tls_server_end_point(der)
        except (OSError, ssl.SSLError, ValueError) as e:
            print('wsman_server: cannot set up TLS: %s' % e)
            return 2
    try:
        server = Server((args.bind, args.port), app, ssl_ctx)
    except OSError as e:
        print('wsman_server: cannot listen on %s:%d: %s' % (args.bind, args.port, e))
        return 2
    app.port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % app.port)
        os.replace(tmp, args.port_file)

    def on_signal(signum, frame):
        app.stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True)
    t.start()
    while not app.stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    app.shell.close_all()           # no command outlives the server
    if app.log_file:
        app.log_file.close()
    return 0
