#!/bin/sh
# Makes the throwaway certificates of the TLS tests (tests/test_transport.c and the end-to-end tests):
#   ca.pem/.key           the test CA
#   server.pem/.key       CN=localhost, SAN DNS:localhost + IP:127.0.0.1, signed by the CA
#   wrongcn.pem/.key      CN and SAN wrong.example, signed by the CA
#   untrusted.pem/.key    self-signed, CN=localhost, SAN localhost/127.0.0.1
#   expired.pem/.key      like server.pem but valid only in January 2020
#   revoked.pem/.key      like server.pem, revoked in crl.pem
#   crl.pem               the CA's revocation list (lists revoked.pem)
#   otherca.pem/.key      a second CA nobody trusts; otherca-crl.pem its (empty) revocation list
#   client.pem/.key       CN=wsmuser, clientAuth EKU, signed by the CA
#   otherclient.pem/.key  CN=wsmuser, clientAuth EKU, signed by otherca
#   capath/               the CA as an OpenSSL hashed directory (<hash>.0), for CURLOPT_CAPATH
# Usage: make-certs.sh OUTDIR. Prints nothing on success; on failure prints the openssl output and exits 1.
# EC P-256 keys: generated in milliseconds, so every test run can make fresh ones.
#
# SPDX-License-Identifier: MIT
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/.make-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
log=$work/log
: >"$log"

run() {
    if ! "$@" >>"$log" 2>&1; then
        echo "make-certs.sh: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

cat >"$work/ext.cnf" <<'EOT'
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[untrusted_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash

[wrongcn_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOT

# `openssl ca` (needed for past validity dates and for revocation lists) wants a small database per CA.
make_ca_cnf() { # name
    mkdir -p "$work/$1/new"
    : >"$work/$1/index.txt"
    echo 1000 >"$work/$1/serial"
    echo 1000 >"$work/$1/crlnumber"
    cat >"$work/$1.cnf" <<EOT
[ca]
default_ca = this_ca
[this_ca]
database = $work/$1/index.txt
new_certs_dir = $work/$1/new
serial = $work/$1/serial
crlnumber = $work/$1/crlnumber
certificate = $out/$1.pem
private_key = $out/$1.key
default_md = sha256
default_days = 3650
default_crl_days = 3650
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
EOT
}

key() { # name
    run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/$1.key"
}

make_ca() { # name CN
    key "$1"
    run openssl req -new -x509 -sha256 -days 3650 -key "$out/$1.key" -subj "/CN=$2" \
        -config "$work/ext.cnf" -extensions ca_ext -out "$out/$1.pem"
    make_ca_cnf "$1"
}

csr() { # name CN
    key "$1"
    run openssl req -new -sha256 -key "$out/$1.key" -subj "/CN=$2" -config "$work/ext.cnf" -out "$work/$1.csr"
}

sign() { # name CA extensions [extra openssl-ca options]
    name=$1 ca=$2 ext=$3
    shift 3
    run openssl ca -batch -notext -config "$work/$ca.cnf" -in "$work/$name.csr" -out "$out/$name.pem" \
        -extfile "$work/ext.cnf" -extensions "$ext" "$@"
}

make_ca ca "wsmauto test CA"
make_ca otherca "wsmauto other test CA"

csr server localhost
sign server ca server_ext

csr wrongcn wrong.example
sign wrongcn ca wrongcn_ext

key untrusted
run openssl req -new -x509 -sha256 -days 3650 -key "$out/untrusted.key" -subj "/CN=localhost" \
    -config "$work/ext.cnf" -extensions untrusted_ext -out "$out/untrusted.pem"

csr expired localhost
sign expired ca server_ext -startdate 200101000000Z -enddate 200131000000Z

csr revoked localhost
sign revoked ca server_ext
run openssl ca -batch -config "$work/ca.cnf" -revoke "$out/revoked.pem" -crl_reason keyCompromise
run openssl ca -batch -config "$work/ca.cnf" -gencrl -out "$out/crl.pem"
run openssl ca -batch -config "$work/otherca.cnf" -gencrl -out "$out/otherca-crl.pem"

csr client wsmuser
sign client ca client_ext

csr otherclient wsmuser
sign otherclient otherca client_ext

mkdir -p "$out/capath"
hash=$(openssl x509 -hash -noout -in "$out/ca.pem")
cp "$out/ca.pem" "$out/capath/$hash.0"

chmod 600 "$out"/*.key
