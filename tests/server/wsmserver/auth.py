# SPDX-License-Identifier: MIT
"""HTTP authentication: Basic, Digest (RFC 7616, MD5, qop=auth) and client certificates."""

import base64
import binascii
import hashlib
import hmac
import os
import re
import ssl
import threading
import time

from .gss import GSS_HEADER_NAME, GSS_SCHEMES


_DIGEST_PARAM = re.compile(r'\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)')


def parse_digest(rest):
    out, pos = {}, 0
    while pos < len(rest):
        m = _DIGEST_PARAM.match(rest, pos)
        if not m or m.end() == pos:
            return None
        key = m.group(1).lower()
        out[key] = re.sub(r'\\(.)', r'\1', m.group(2)) if m.group(2) is not None else m.group(3)
        pos = m.end()
    return out


def md5hex(s):
    return hashlib.md5(s.encode('utf-8')).hexdigest()


class Auth:
    def __init__(self, schemes, users, cert_users, nonce_ttl):
        self.schemes = schemes
        self.users = {}           # lower-case user name → (user, password)
        for u, p in users:
            self.users[u.lower()] = (u, p)
        self.cert_users = cert_users
        self.secret = os.urandom(32)
        self.nonce_ttl = nonce_ttl
        self.lock = threading.Lock()
        self.used_nc = {}

    def new_nonce(self):
        ts = '%x' % int(time.time() * 1000)
        mac = hmac.new(self.secret, ts.encode(), hashlib.sha256).hexdigest()[:32]
        return ts + mac

    def nonce_state(self, nonce):
        ts, mac = nonce[:-32], nonce[-32:]
        good = hmac.new(self.secret, ts.encode(), hashlib.sha256).hexdigest()[:32]
        if not ts or not hmac.compare_digest(good, mac):
            return 'bad'
        try:
            age = time.time() - int(ts, 16) / 1000.0
        except ValueError:
            return 'bad'
        return 'stale' if age > self.nonce_ttl or age < -5 else 'ok'

    def challenges(self, stale=False):
        # Windows' order: Negotiate, Kerberos, Basic (then our Digest).
        out = [GSS_HEADER_NAME[s] for s in GSS_SCHEMES if s in self.schemes]
        if 'credssp' in self.schemes:
            out.append('CredSSP')
        if 'basic' in self.schemes:
            out.append('Basic realm="WSMAN"')
        if 'digest' in self.schemes:
            out.append('Digest realm="WSMAN", nonce="%s", qop="auth", algorithm=MD5%s'
                       % (self.new_nonce(), ', stale=true' if stale else ''))
        return out

    def check_basic(self, rest):
        try:
            raw = base64.b64decode(rest.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        try:
            text = raw.decode('utf-8')
        except UnicodeDecodeError:
            text = raw.decode('latin-1')
        user, sep, password = text.partition(':')
        if not sep:
            return False
        entry = self.users.get(user.lower())
        return entry is not None and hmac.compare_digest(entry[1].encode('utf-8'), password.encode('utf-8'))

    def check_digest(self, rest, method, path):
        """→ 'ok', 'stale' or 'bad'."""
        p = parse_digest(rest)
        if p is None:
            return 'bad'
        for k in ('username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce'):
            if not p.get(k):
                return 'bad'
        if p['realm'] != 'WSMAN' or p['qop'] != 'auth' or p.get('algorithm', 'MD5').upper() != 'MD5':
            return 'bad'
        if p['uri'] != path or not re.match(r'^[0-9a-fA-F]{8}$', p['nc']):
            return 'bad'
        entry = self.users.get(p['username'].lower())
        if entry is None:
            return 'bad'
        ha1 = md5hex('%s:WSMAN:%s' % (p['username'], entry[1]))
        ha2 = md5hex('%s:%s' % (method, p['uri']))
        want = md5hex('%s:%s:%s:%s:auth:%s' % (ha1, p['nonce'], p['nc'], p['cnonce'], ha2))
        if not hmac.compare_digest(want, p['response'].lower()):
            return 'bad'
        state = self.nonce_state(p['nonce'])
        if state != 'ok':
            return state
        with self.lock:
            used = self.used_nc.setdefault(p['nonce'], set())
            nc = int(p['nc'], 16)
            if nc in used:
                return 'bad'        # replayed request
            used.add(nc)
            if len(self.used_nc) > 10000:
                self.used_nc.pop(next(iter(self.used_nc)))
        return 'ok'

    def check_cert(self, conn):
        if not isinstance(conn, ssl.SSLSocket):
            return False
        try:
            cert = conn.getpeercert()
        except (ValueError, OSError):
            return False
        if not cert:
            return False
        if not self.cert_users:
            return True
        cns = [v for rdn in cert.get('subject', ()) for k, v in rdn if k == 'commonName']
        return any(cn in self.cert_users for cn in cns)
