#!/usr/bin/python3
"""TLS servers on loopback for tests/wine/test_tls_win.c (the Schannel back-end of src/core/auth/tls.h).

Each listener echoes every byte of application data it receives, one thread per connection:
  tls12       TLS 1.2 only
  tls13       TLS 1.3 only
  any         TLS 1.2 and 1.3
  cbc         TLS 1.2, ECDHE-ECDSA-AES128-SHA (CBC, MAC-then-encrypt: encrypt_then_mac switched off, as
              Schannel does not know it), to check the trailer length of a CBC record
  clientcert  TLS 1.2, requires a client certificate: the handshake ends with the server's alert
  close       TLS 1.2: echoes the first message, then sends close_notify
Writes "name=port" lines to --port-file (atomically, once all listen). Runs until killed.

Usage: tls_echo_server.py --cert server.pem --key server.key --ca ca.pem --port-file FILE
SPDX-License-Identifier: MIT
"""
import argparse
import os
import socket
import ssl
import threading

OP_NO_ENCRYPT_THEN_MAC = 0x80000  # OpenSSL's SSL_OP_NO_ENCRYPT_THEN_MAC (no ssl constant for it)


def context(args, name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    if name in ("tls12", "cbc", "clientcert", "close"):
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if name == "tls13":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if name == "cbc":
        ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA")
        ctx.options |= OP_NO_ENCRYPT_THEN_MAC
    if name == "clientcert":
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.ca)
    return ctx


def linger_close(conn):
    """Closes after a failed handshake without a TCP reset: our alert was sent, but the client's last flight
    may still be unread here, and closing a socket with unread data sends a reset, which can reach the client
    before it has read the alert (it then sees a closed connection instead of the alert). So: no more writes,
    read what the client still sends until it closes (2 s at most), then close."""
    try:
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(2)
        while conn.recv(65536):
            pass
    except OSError:
        pass


def serve(conn, ctx, name):
    conn.settimeout(60)
    try:
        # wrap_socket takes the descriptor over: from here on only s is closed.
        s = ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
    except (OSError, ssl.SSLError):
        conn.close()
        return
    try:
        try:
            s.do_handshake()
        except ssl.SSLError:
            linger_close(s)  # without its TLS layer (SSLSocket.shutdown drops it)
            return
        while True:
            data = s.recv(65536)
            if not data:
                break
            s.sendall(data)
            if name == "close":
                s.unwrap()
                break
    except (OSError, ssl.SSLError):
        pass
    finally:
        s.close()


def listen(args, name, ports):
    ctx = context(args, name)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    ports[name] = ls.getsockname()[1]

    def loop():
        while True:
            conn, _ = ls.accept()
            threading.Thread(target=serve, args=(conn, ctx, name), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    ports = {}
    for name in ("tls12", "tls13", "any", "cbc", "clientcert", "close"):
        listen(args, name, ports)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        for k, v in ports.items():
            f.write("%s=%d\n" % (k, v))
    os.replace(tmp, args.port_file)
    threading.Event().wait()


if __name__ == "__main__":
    main()
