# Sourced by the Wine harnesses (tests/wine/run_*_test.sh, tools/run-wine-example.sh), which set WSM_WINE_DIR
# (this directory) first. wsm_wine_prefix DIR [LOG]: exports a private 64-bit prefix DIR (WINEDEBUG=-all, Mono
# and Gecko disabled) and creates it on first use with make_prefix.sh (from $WSMAUTO_WINE_TEMPLATE when set),
# with wineboot's output in LOG (default: discarded). The first start's processes have finished when it
# returns: they sync the host's root certificates into the prefix's Root store, which the tests add to.
# Returns non-zero when wineboot fails. With wine32 installed the prefix also has SysWOW64 and its 32-bit
# programs.
#
# wsm_wine64 prints the 64-bit loader to start a prefix's programs with: it starts C:\windows\system32\*.exe as
# 64-bit and C:\windows\syswow64\*.exe as 32-bit programs. Debian's `wine` is the 32-bit loader once wine32 is
# installed, and starts `cscript`, `regsvr32` and even C:\windows\system32\cscript.exe as the 32-bit ones. (A
# program named by its Unix path runs as its own architecture with either loader.)
#
# SPDX-License-Identifier: MIT
wsm_wine_prefix() {
    WINEPREFIX=$1
    WINEARCH=win64
    WINEDEBUG=-all
    WINEDLLOVERRIDES="mscoree,mshtml="
    export WINEPREFIX WINEARCH WINEDEBUG WINEDLLOVERRIDES
    sh "$WSM_WINE_DIR/make_prefix.sh" "$WINEPREFIX" "${2:-/dev/null}"
}

wsm_wine64() {
    command -v wine64 2>/dev/null && return 0
    for w in /usr/lib/wine/wine64 /usr/lib64/wine/wine64 /usr/lib/x86_64-linux-gnu/wine/wine64; do
        if [ -x "$w" ]; then
            echo "$w"
            return 0
        fi
    done
    echo wine
}
