#!/bin/sh
# Installs the Debian 12 packages wsmauto needs to build and test.
# Runs apt-get only when something is missing (uses sudo when not root).
#   build: cmake, a C/C++ compiler, pkg-config, libxml2, libcurl (OpenSSL
#          flavour), OpenSSL, widl (mingw-w64-tools) and Wine's IDL files;
#          MIT krb5's GSSAPI (libkrb5-dev) and gss-ntlmssp (NTLM at run time);
#   the Windows DLL: mingw-w64 (C compiler, binutils), dpkg-dev (apt-get source: libxml2 is built from
#          Debian's source package), and wine + wine64 to run its VBScript/JScript tests;
#   tests: Debian's python3 with lxml and gssapi (tests/server), the openssl CLI
#          (test certificates), an MIT KDC and kadmin.local for the throw-away
#          realm of tests/kdc, kinit (krb5-user); groff-base and man-db (the man pages are rendered with
#          warnings as errors) and bash-completion (wsmanctl's completion is tested with it loaded too).
set -eu
packages="cmake make gcc g++ pkg-config python3 python3-lxml libxml2-dev libcurl4-openssl-dev libssl-dev
openssl ca-certificates mingw-w64-tools libwine-dev libkrb5-dev gss-ntlmssp gss-ntlmssp-dev python3-gssapi
krb5-kdc krb5-admin-server krb5-user gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64 dpkg-dev wine wine64
groff-base man-db bash-completion"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "Installing:$missing"
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
