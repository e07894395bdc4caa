#!/bin/sh
# Installs the Debian 12 packages wsmauto needs to build and test.
# Runs apt-get only when something is missing (uses sudo when not root), and
# waits for another apt or dpkg that holds a lock instead of failing.
#   build: cmake, a C/C++ compiler, pkg-config, libxml2, libcurl (OpenSSL
#          flavour), OpenSSL, widl (mingw-w64-tools) and Wine's IDL files;
#          MIT krb5's GSSAPI (libkrb5-dev) and gss-ntlmssp (NTLM at run time);
#   the Windows DLLs: mingw-w64 for x86_64 and i686 (C compilers, binutils), dpkg-dev (apt-get source: libxml2
#          is built from Debian's source package), and Wine to run their VBScript/JScript tests: wine + wine64
#          for the 64-bit DLL and wine32:i386 (the i386 architecture is added to dpkg for it) for the 32-bit
#          one, whose tests run SysWOW64's 32-bit programs in a 64-bit prefix; libgssapi-krb5-2:i386, the MIT
#          Kerberos that 32-bit Wine's Kerberos package loads (wine32 only recommends it);
#   tests: Debian's python3 with lxml and gssapi (tests/server), the openssl CLI
#          (test certificates), an MIT KDC and kadmin.local for the throw-away
#          realm of tests/kdc, kinit (krb5-user); winbind (Samba's ntlm_auth, which Wine's NTLM package runs:
#          the DLL's Negotiate/NTLM tests under Wine); groff-base and man-db (the man pages are rendered with
#          warnings as errors) and bash-completion (wsmanctl's completion is tested with it loaded too);
#   style (tools/check-style.sh): clang-format (14) and pyflakes for Python 3;
#   fuzzing (tools/fuzz.sh): clang and libclang-rt-14-dev (clang-14's libFuzzer and sanitizer runtimes).
set -eu
packages="cmake make gcc g++ pkg-config python3 python3-lxml libxml2-dev libcurl4-openssl-dev libssl-dev
openssl ca-certificates mingw-w64-tools libwine-dev libkrb5-dev gss-ntlmssp gss-ntlmssp-dev python3-gssapi winbind
krb5-kdc krb5-admin-server krb5-user gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64
gcc-mingw-w64-i686-win32 binutils-mingw-w64-i686 dpkg-dev wine wine64 wine32:i386 libgssapi-krb5-2:i386
groff-base man-db bash-completion clang libclang-rt-14-dev valgrind time curl clang-format python3-pyflakes"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "Installing:$missing"

# apt-get, retried while another apt or dpkg holds one of its locks: -o DPkg::Lock::Timeout makes it wait for
# dpkg's lock, but `apt-get update` gives up at once on the lists lock. Ten minutes at most.
apt_get() {
    log=$(mktemp)
    tries=0
    while ! DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 "$@" >"$log" 2>&1; do
        tries=$((tries + 1))
        if ! grep -qi 'lock' "$log" || [ $tries -ge 60 ]; then
            cat "$log" >&2
            rm -f "$log"
            return 1
        fi
        sleep 10
    done
    rm -f "$log"
}

# wine32 is an i386 package (Wine's 32-bit half, for 32-bit programs in a 64-bit prefix).
if ! dpkg --print-foreign-architectures | grep -qx i386; then
    $sudo dpkg --add-architecture i386
fi
apt_get update -qq
# shellcheck disable=SC2086
apt_get install -y -qq --no-install-recommends $missing
