#!/bin/sh
# make_prefix.sh DIR [LOG]: makes DIR a private 64-bit Wine prefix (WINEARCH=win64, WINEDEBUG=-all, Mono and
# Gecko disabled), unless DIR/system.reg is already there. Used by every Wine harness (wineprefix.sh's
# wsm_wine_prefix, run_scripts.py, run_gss_scripts.py, run_wow64_test.py).
#
# `wineboot -i` takes 20-30 s and writes 1.3 GB, for every test. So when $WSMAUTO_WINE_TEMPLATE names a
# directory (the build's ctest sets it: one template for the 64- and the 32-bit build tree), the prefix is made
# once there -- under a lock, by whichever test comes first -- and DIR becomes a copy of it in well under a
# second: the registry files, drive_c and everything else are copied; only C:\windows\system32 and
# C:\windows\syswow64 (1.2 GB of Wine's own DLLs and programs) are hard links into the template. A test may
# add files there (run_wow64_test.py copies WSMAuto.dll into both) but must never write into a file that is
# already there, as that would change the template too. Without $WSMAUTO_WINE_TEMPLATE, DIR is made by wineboot
# as before. wineboot's output goes to LOG (default: discarded). Either way the first start's processes have
# finished when this returns (they sync the host's root certificates into the prefix's Root store).
#
# SPDX-License-Identifier: MIT
set -eu
dir=$1
log=${2:-/dev/null}
WINEARCH=win64
WINEDEBUG=-all
WINEDLLOVERRIDES="mscoree,mshtml="
export WINEARCH WINEDEBUG WINEDLLOVERRIDES

[ -f "$dir/system.reg" ] && exit 0

boot() { # boot DIR: a new prefix by wineboot, complete when this returns
    WINEPREFIX=$1 wineboot -i >"$log" 2>&1 || return 1
    WINEPREFIX=$1 wineserver -w
    [ -f "$1/system.reg" ]
}

template=${WSMAUTO_WINE_TEMPLATE:-}
if [ -z "$template" ]; then
    boot "$dir"
    exit $?
fi

mkdir -p "$(dirname "$template")"
(
    # One test makes the template; the others wait here for it. .complete is written last, so a template that
    # an interrupted run left half made is made again.
    flock 9
    if [ ! -f "$template/.complete" ]; then
        rm -rf "$template"
        boot "$template"
        : >"$template/.complete"
    fi
) 9>"$template.lock"

mkdir -p "$dir/drive_c/windows"
for e in "$template"/.[!.]* "$template"/*; do
    [ -e "$e" ] || continue
    case "${e##*/}" in
        drive_c | .complete | wineserver) ;;
        *) cp -a "$e" "$dir/" ;;
    esac
done
for e in "$template"/drive_c/.[!.]* "$template"/drive_c/*; do
    [ -e "$e" ] || continue
    [ "${e##*/}" = windows ] || cp -a "$e" "$dir/drive_c/"
done
for e in "$template"/drive_c/windows/*; do
    case "${e##*/}" in
        system32 | syswow64) cp -al "$e" "$dir/drive_c/windows/" ;;
        *) cp -a "$e" "$dir/drive_c/windows/" ;;
    esac
done
