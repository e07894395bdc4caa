# SPDX-License-Identifier: MIT
"""Application state shared by all connections."""

import threading
import time

from .names import CIMV2, DMTF_ALL, ECHO_URI, NS_CFG, WMI_PREFIX
from .faults import f_filter, f_unreachable
from .store import CLASSES, Store
from .wql import WqlError, WqlQuery
from .resources import CONFIG_PATHS, ConfigResource, EchoResource, ListenerResource
from .wmi import WmiResource, WmiWildcard
from .shell import SHELL_CMD_URI, ShellResource
from .soap import Soap
from .auth import Auth
from .gss import GSS_SCHEMES, gss_module
from .envelope import render_identify


class App:
    def __init__(self, args):
        self.args = args
        self.machine = args.machine
        self.store = Store(args.instances, args.machine)
        self.stop = threading.Event()
        self.contexts = {}
        self.ctx_lock = threading.Lock()
        self.enum_expiry = args.enum_expiry_s
        self.auth = Auth(args.auth, args.users, args.cert_users, args.digest_nonce_ttl_s)
        self.soap = Soap(self)
        self.tls = bool(args.tls_cert)
        self.transport = 'HTTPS' if self.tls else 'HTTP'
        self.bind = args.bind
        self.port = 0
        self.thumbprint = ''
        self.cbt_data = None          # HTTPS: RFC 5929 tls-server-end-point application data
        self.log_lock = threading.Lock()
        self.log_file = open(args.log, 'a', encoding='utf-8') if args.log else None
        self.token_log = open(args.token_log, 'a', encoding='utf-8') if args.token_log else None
        self.wql_cache = {}
        self.resources = {}
        for c in CLASSES.values():
            self.resources[c.uri.lower()] = WmiResource(self, c)
        self.resources[(CIMV2 + '*').lower()] = WmiWildcard(self, CIMV2 + '*', True)
        self.resources[DMTF_ALL.lower()] = WmiWildcard(self, DMTF_ALL, False)
        self.resources[ECHO_URI] = EchoResource(self)
        for suffix in CONFIG_PATHS:
            self.resources[(NS_CFG + suffix).lower()] = ConfigResource(self, suffix)
        self.resources[(NS_CFG + '/listener').lower()] = ListenerResource(self)
        self.shell = ShellResource(self)
        self.resources[SHELL_CMD_URI.lower()] = self.shell
        schemes = args.auth
        self.config = {
            'MaxEnvelopeSizekb': str(args.max_envelope_kb), 'MaxTimeoutms': str(args.max_timeout_ms),
            'MaxBatchItems': '32000', 'MaxProviderRequests': '4294967295',
            'Client': {'NetworkDelayms': '5000', 'URLPrefix': 'wsman', 'AllowUnencrypted': 'false',
                       'Auth': {'Basic': 'true', 'Digest': 'true', 'Kerberos': 'true', 'Negotiate': 'true',
                                'Certificate': 'true', 'CredSSP': 'false'},
                       'DefaultPorts': {'HTTP': '5985', 'HTTPS': '5986'}, 'TrustedHosts': ''},
            'Service': {'RootSDDL': 'O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)',
                        'MaxConcurrentOperations': '4294967295', 'MaxConcurrentOperationsPerUser': '1500',
                        'EnumerationTimeoutms': str(int(args.enum_expiry_s * 1000)), 'MaxConnections': '300',
                        'MaxPacketRetrievalTimeSeconds': '120', 'AllowUnencrypted': 'true',
                        'Auth': {'Basic': 'true' if 'basic' in schemes else 'false',
                                 'Kerberos': 'true' if 'kerberos' in schemes else 'false',
                                 'Negotiate': 'true' if 'negotiate' in schemes else 'false',
                                 'Certificate': 'true' if 'certificate' in schemes else 'false',
                                 'CredSSP': 'true' if 'credssp' in schemes else 'false',
                                 'CbtHardeningLevel': 'Strict' if args.require_cbt else 'Relaxed'},
                        'DefaultPorts': {'HTTP': '5985', 'HTTPS': '5986'}, 'IPv4Filter': '*',
                        'IPv6Filter': '*', 'EnableCompatibilityHttpListener': 'false',
                        'EnableCompatibilityHttpsListener': 'false',
                        'CertificateThumbprint': '', 'AllowRemoteAccess': 'true'},
            'Winrs': {'AllowRemoteShellAccess': 'true' if args.allow_shell else 'false',
                      'IdleTimeout': '7200000',
                      'MaxConcurrentUsers': '2147483647', 'MaxShellRunTime': '2147483647',
                      'MaxProcessesPerShell': '2147483647',
                      'MaxMemoryPerShellMB': '2147483647', 'MaxShellsPerUser': '2147483647'},
        }

    # live limits (a config Put changes them)
    @property
    def max_env_bytes(self):
        return int(self.config['MaxEnvelopeSizekb']) * 1024

    @property
    def max_timeout_ms(self):
        return int(self.config['MaxTimeoutms'])

    @property
    def max_batch_items(self):
        return int(self.config['MaxBatchItems'])

    def resolve_or_none(self, uri):
        return self.resources.get(uri.strip().lower())

    def resolve(self, uri):
        res = self.resolve_or_none(uri)
        if res is None:
            if uri.lower().startswith(WMI_PREFIX) and not uri.lower().startswith(CIMV2.lower()):
                raise f_unreachable('The resource URI %s names a WMI namespace this server does not have '
                                    '(only root/cimv2).' % uri)
            raise f_unreachable('The resource URI %s is not served by this server.' % uri)
        return res

    def wql(self, text):
        q = self.wql_cache.get(text)
        if q is None:
            try:
                q = WqlQuery(text)
            except WqlError as e:
                raise f_filter('The WQL query %r cannot be processed: %s.' % (text, e))
            if len(self.wql_cache) > 256:
                self.wql_cache.clear()
            self.wql_cache[text] = q
        return q

    # -- enumeration contexts --
    def sweep(self, now):
        dead = [k for k, c in self.contexts.items() if now - c.last_used > self.enum_expiry]
        for k in dead:
            del self.contexts[k]

    def add_context(self, ctx):
        now = time.monotonic()
        ctx.last_used = now
        with self.ctx_lock:
            self.sweep(now)
            if len(self.contexts) >= 10000:
                self.contexts.pop(next(iter(self.contexts)))
            self.contexts[ctx.id] = ctx

    def take_context(self, cid):
        now = time.monotonic()
        with self.ctx_lock:
            self.sweep(now)
            return self.contexts.pop(cid, None)

    # -- identify --
    def identify_xml(self, authenticated, tls):
        return render_identify(self.args.flavor, authenticated, tls, self.args.auth,
                               any(s in GSS_SCHEMES for s in self.args.auth))

    def new_acceptor(self, tls):
        """A GSS acceptor context with the default credentials (keytab from $KRB5_KTNAME, NTLM users from
        $NTLM_USER_FILE through gss-ntlmssp). Over HTTPS it carries our tls-server-end-point bindings: MIT and
        gss-ntlmssp then fail a context whose bindings differ, accept one without bindings, and set
        GSS_C_CHANNEL_BOUND_FLAG only when they matched (checked by the self-test)."""
        gssapi = gss_module()
        cb = None
        if tls and self.cbt_data is not None:
            cb = gssapi.raw.ChannelBindings(initiator_address_type=None, acceptor_address_type=None,
                                            application_data=self.cbt_data)
        return gssapi.SecurityContext(usage='accept', channel_bindings=cb)

    def log_token(self, text):
        """--token-log: one credential or token per line (nothing when the text is empty)."""
        if not text.strip():
            return
        with self.log_lock:
            try:
                self.token_log.write(text.strip() + '\n')
                self.token_log.flush()
            except (OSError, ValueError):
                pass

    def log(self, line):
        if self.log_file is None:
            return
        with self.log_lock:
            try:
                self.log_file.write(line + '\n')
                self.log_file.flush()
            except (OSError, ValueError):
                pass
