#!/bin/sh
# A throw-away MIT Kerberos realm and NTLM user file for the tests.
#
#   tests/kdc/kdc.sh start DIR      creates realm WSMAUTO.TEST in DIR, starts krb5kdc on a free loopback port
#                                   and writes DIR/env (shell assignments to source: KRB5_CONFIG,
#                                   KRB5_KDC_PROFILE, KRB5_KTNAME, KRB5CCNAME, NTLM_USER_FILE, WSM_KDC_PORT)
#   tests/kdc/kdc.sh addprinc DIR PRINCIPAL    adds a service principal with a random key to DIR/http.keytab
#   tests/kdc/kdc.sh stop DIR       stops the KDC and removes DIR
#
# Principals (passwords are test-only): alice@WSMAUTO.TEST / alice-pw-1, bob@WSMAUTO.TEST / bob-pw-2,
# HTTP/localhost (keys aes256, aes128 and rc4-hmac, in DIR/http.keytab). DIR/krb5-rc4.conf is the same
# configuration but asks for rc4-hmac session keys, for the RC4 wrap tests.
# NTLM (gss-ntlmssp reads NTLM_USER_FILE on both sides): WSMAUTO\alice / alice-pw-1, WSMAUTO\bob / bob-pw-2.
#
# Nothing outside DIR is touched; the KDC listens on 127.0.0.1 only. Needs Debian's krb5-kdc,
# krb5-admin-server (kadmin.local), krb5-user and gss-ntlmssp.
set -eu

REALM=WSMAUTO.TEST
PATH=$PATH:/usr/sbin:/sbin

usage() {
    echo "usage: $0 start|stop|addprinc DIR [PRINCIPAL]" >&2
    exit 2
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_krb5_conf() { # file port tgs_enctypes
    cat >"$1" <<EOF
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    ticket_lifetime = 10h
    forwardable = true
    $3

[realms]
    $REALM = {
        kdc = 127.0.0.1:$2
    }

[domain_realm]
    localhost = $REALM
    .localhost = $REALM
    127.0.0.1 = $REALM
EOF
}

start() {
    dir=$1
    # A realm left behind by an interrupted run is replaced.
    if [ -f "$dir/kdc.conf" ]; then
        stop "$dir"
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    port=$(free_port)
    write_krb5_conf "$dir/krb5.conf" "$port" "permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 rc4-hmac
    allow_rc4 = true"
    write_krb5_conf "$dir/krb5-rc4.conf" "$port" "default_tkt_enctypes = rc4-hmac
    default_tgs_enctypes = rc4-hmac
    permitted_enctypes = rc4-hmac aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
    allow_weak_crypto = true
    allow_rc4 = true"
    cat >"$dir/kdc.conf" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $REALM = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        acl_file = $dir/kadm5.acl
        max_life = 10h
        max_renewable_life = 1d
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal rc4-hmac:normal
    }

[logging]
    kdc = FILE:$dir/kdc.log
EOF
    : >"$dir/kadm5.acl"
    KRB5_CONFIG=$dir/krb5.conf
    KRB5_KDC_PROFILE=$dir/kdc.conf
    export KRB5_CONFIG KRB5_KDC_PROFILE
    kdb5_util create -s -r "$REALM" -P "master-pw-$$" >/dev/null
    kadmin.local -r "$REALM" -q "addprinc -pw alice-pw-1 alice" >/dev/null 2>&1
    kadmin.local -r "$REALM" -q "addprinc -pw bob-pw-2 bob" >/dev/null 2>&1
    kadmin.local -r "$REALM" -q "addprinc -randkey HTTP/localhost" >/dev/null 2>&1
    kadmin.local -r "$REALM" -q "ktadd -k $dir/http.keytab HTTP/localhost" >/dev/null
    printf 'WSMAUTO:alice:alice-pw-1\nWSMAUTO:bob:bob-pw-2\n' >"$dir/ntlm_users"
    chmod 600 "$dir/ntlm_users" "$dir/http.keytab"
    krb5kdc -n -P "$dir/kdc.pid" >/dev/null 2>&1 &
    echo $! >"$dir/kdc.pid"
    # Ready when a TGT can be had (up to 10 s).
    i=0
    while ! echo alice-pw-1 | KRB5CCNAME=FILE:$dir/probe.ccache kinit alice >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -ge 100 ] || ! kill -0 "$(cat "$dir/kdc.pid")" 2>/dev/null; then
            echo "kdc.sh: the KDC did not start; its log:" >&2
            cat "$dir/kdc.log" >&2 2>/dev/null || true
            exit 1
        fi
        sleep 0.1
    done
    rm -f "$dir/probe.ccache"
    cat >"$dir/env" <<EOF
KRB5_CONFIG=$dir/krb5.conf
KRB5_KDC_PROFILE=$dir/kdc.conf
KRB5_KTNAME=FILE:$dir/http.keytab
KRB5CCNAME=FILE:$dir/ccache
NTLM_USER_FILE=$dir/ntlm_users
WSM_KDC_PORT=$port
WSM_KDC_DIR=$dir
export KRB5_CONFIG KRB5_KDC_PROFILE KRB5_KTNAME KRB5CCNAME NTLM_USER_FILE WSM_KDC_PORT WSM_KDC_DIR
EOF
}

addprinc() {
    dir=$1
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf kadmin.local -r "$REALM" \
        -q "addprinc -randkey $2" >/dev/null 2>&1
    KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf kadmin.local -r "$REALM" \
        -q "ktadd -k $dir/http.keytab $2" >/dev/null
}

stop() {
    dir=$1
    if [ -f "$dir/kdc.pid" ]; then
        kill "$(cat "$dir/kdc.pid")" 2>/dev/null || true
    fi
    rm -rf "$dir"
}

[ $# -ge 2 ] || usage
case $1 in
start) start "$2" ;;
stop) stop "$2" ;;
addprinc)
    [ $# -eq 3 ] || usage
    addprinc "$2" "$3"
    ;;
*) usage ;;
esac
