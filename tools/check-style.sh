#!/bin/sh
# The tree's habits, checked (tools/test.sh runs this first; it fails CI on drift):
#   - every C file in git is formatted as .clang-format says (clang-format 14, Debian 12's);
#   - pyflakes finds nothing in the Python files (tests/server, the test harnesses, tools);
#   - no tracked file cites a document outside the repository (the old fact-sheet notes, the shared reference
#     folder) or names a machine path under the work folder (comments cite public specifications by section). The
#     byte-exact test data in tests/golden/ and tests/fuzz/corpus/ is left out.
# Usage: tools/check-style.sh [--fix]   (--fix reformats the C files in place; the rest is for a person).
# Prints what differs; exit status 0 = clean, 1 = drift, 2 = a tool is missing.
#
# SPDX-License-Identifier: MIT
set -eu
cd "$(dirname "$0")/.."
fix=0
[ "${1:-}" = "--fix" ] && fix=1
for tool in clang-format pyflakes3 git; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "check-style.sh: $tool is missing (tools/install-deps.sh installs it)" >&2
        exit 2
    fi
done
bad=0
drift=""
for f in $(git ls-files '*.c' '*.h'); do
    if [ "$fix" = 1 ]; then
        clang-format -i "$f"
    elif ! clang-format "$f" | cmp -s - "$f"; then
        drift="$drift $f"
    fi
done
if [ -n "$drift" ]; then
    echo "check-style.sh: not formatted as .clang-format says (tools/check-style.sh --fix):"
    for f in $drift; do
        echo "  $f"
        clang-format "$f" | diff -u "$f" - | sed -n '3,40p' | sed 's/^/    /'
    done
    bad=1
fi
# shellcheck disable=SC2046
if ! pyflakes3 $(git ls-files '*.py'); then
    echo "check-style.sh: pyflakes found the problems above"
    bad=1
fi
# The patterns are put together from pieces so that this script does not match itself. A path under the work
# folder counts only where a path starts (build-fuzz/work/ and $build/work/ are relative paths, not machine paths).
sheet='fact'' sheet'
shared='shared''/reference'
work='(^|[^A-Za-z0-9_.$~-])/wo''rk/'
refs=$(git grep -n -I -i -E -e "$sheet" -e "$shared" -e "$work" -- . ':!tests/golden' ':!tests/fuzz/corpus' || true)
if [ -n "$refs" ]; then
    echo "check-style.sh: cite the public specification by section, not a document or path outside the repository:"
    printf '%s\n' "$refs" | sed 's/^/  /'
    bad=1
fi
[ "$bad" = 0 ] && echo "check-style.sh: clean"
exit $bad
