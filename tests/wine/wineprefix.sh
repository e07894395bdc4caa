# Sourced by the Wine harnesses (tests/wine/run_*_test.sh, tools/run-wine-example.sh; run_scripts.py does the
# same in Python). wsm_wine_prefix DIR [LOG]: exports a private 64-bit prefix DIR (WINEDEBUG=-all, Mono and
# Gecko disabled) and creates it on first use, with wineboot's output in LOG (default: discarded). It then
# waits until the first start's processes have finished: they sync the host's root certificates into the
# prefix's Root store, which the tests add to. Returns non-zero when wineboot fails.
#
# SPDX-License-Identifier: MIT
wsm_wine_prefix() {
    WINEPREFIX=$1
    WINEARCH=win64
    WINEDEBUG=-all
    WINEDLLOVERRIDES="mscoree,mshtml="
    export WINEPREFIX WINEARCH WINEDEBUG WINEDLLOVERRIDES
    [ -f "$WINEPREFIX/system.reg" ] && return 0
    wineboot -i >"${2:-/dev/null}" 2>&1 || return 1
    wineserver -w
}
