#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Tests contrib/bash-completion/wsmanctl and the man pages.
# Usage: bash tests/test_completion.sh SOURCE_DIR
#
# The completion function is called the way bash calls it: COMP_WORDS,
# COMP_CWORD, COMP_LINE and COMP_POINT as an interactive bash sets them for
# the typed line (split at the characters of COMP_WORDBREAKS, so that
# `-a:ba` is the three words "-a" ":" "ba"; the splits below were taken from
# a real interactive bash 5.2). Each case runs once with the completion's
# self-contained word handling and, when bash-completion is installed, once
# more with bash-completion loaded. The man pages must render without a
# single warning.
set -u

# ---- child: one bash that sources the completion and runs every case ----
if [[ ${1-} == --child ]]; then
    mode=$2 src=$3 tmp=$4
    if [[ $mode == bash-completion ]]; then
        # shellcheck disable=SC1091
        source /usr/share/bash-completion/bash_completion
        declare -F _get_comp_words_by_ref >/dev/null || {
            echo "FAIL $mode: bash-completion did not define _get_comp_words_by_ref"
            exit 0
        }
    fi
    # shellcheck disable=SC1091
    source "$src/contrib/bash-completion/wsmanctl"
    if [[ $mode == fallback ]] && declare -F _get_comp_words_by_ref >/dev/null; then
        echo "FAIL $mode: _get_comp_words_by_ref is defined: the fallback would not be tested"
    fi
    complete -p wsmanctl 2>/dev/null | grep -q -- '-F _wsmanctl wsmanctl$' &&
        echo "ok $mode: complete -F _wsmanctl wsmanctl is registered" ||
        echo "FAIL $mode: complete -F _wsmanctl wsmanctl is not registered"
    # An interactive bash's default (a non-interactive one has it too).
    COMP_WORDBREAKS=$' \t\n"\'@><=;|&(:'

    # at NAME POINT LINE WORD... :: EXPECTED...
    # POINT is the cursor offset in LINE ("end" for its end); the current
    # word is the last WORD given (the ones after the cursor are not needed).
    at() {
        local name=$1 point=$2 line=$3
        shift 3
        local -a w=() want=()
        while (($#)) && [[ $1 != '::' ]]; do
            w+=("$1")
            shift
        done
        shift
        want=("$@")
        [[ $point == end ]] && point=${#line}
        COMP_LINE=$line
        COMP_POINT=$point
        COMP_WORDS=("${w[@]}")
        COMP_CWORD=$((${#w[@]} - 1))
        COMPREPLY=()
        _wsmanctl wsmanctl "${w[COMP_CWORD]}" "${w[COMP_CWORD - 1]}" 2>/dev/null
        local got='' exp=''
        ((${#COMPREPLY[@]})) && got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort)
        ((${#want[@]})) && exp=$(printf '%s\n' "${want[@]}" | LC_ALL=C sort)
        if [[ $got == "$exp" ]]; then
            echo "ok $mode: $name"
        else
            echo "FAIL $mode: $name"
            echo "  line:     [$line] point $point"
            echo "  expected: [${exp//$'\n'/ }]"
            echo "  got:      [${got//$'\n'/ }]"
        fi
    }
    # check NAME LINE WORD... :: EXPECTED... (the cursor at the end of LINE)
    check() {
        local name=$1
        shift
        at "$name" end "$@"
    }

    all_ops=(create delete enumerate exec get help helpmsg identify invoke set)
    auth=(none basic digest negotiate kerberos certificate credssp)

    check "operations as the first word" \
        'wsmanctl ' wsmanctl '' :: "${all_ops[@]}"
    check "operations filtered by prefix" \
        'wsmanctl he' wsmanctl he :: help helpmsg
    check "operation prefix is case-insensitive" \
        'wsmanctl GE' wsmanctl GE :: get
    check "-a: offers every method" \
        'wsmanctl get winrm/config -a:' wsmanctl get winrm/config -a : :: "${auth[@]}"
    check "-a:ne filters" \
        'wsmanctl get winrm/config -a:ne' wsmanctl get winrm/config -a : ne :: negotiate
    check "-authentication:K, any case" \
        'wsmanctl get winrm/config -authentication:K' wsmanctl get winrm/config -authentication : K :: kerberos
    check "-a VALUE (next word) offers the methods" \
        'wsmanctl get winrm/config -a ' wsmanctl get winrm/config -a '' :: "${auth[@]}"
    check "-format: values" \
        'wsmanctl enumerate wmicimv2/* -format:' wsmanctl enumerate 'wmicimv2/*' -format : :: xml pretty text
    check "-format:p" \
        'wsmanctl identify -r:h -format:p' wsmanctl identify -r : h -format : p :: pretty
    check "-encoding: values" \
        'wsmanctl get x -encoding:utf' wsmanctl get x -encoding : utf :: utf-8 utf-16
    check "-returnType: values" \
        'wsmanctl enumerate x -returnType:' wsmanctl enumerate x -returnType : :: object epr objectandepr
    check "-dialect: values" \
        'wsmanctl enumerate x -dialect:' wsmanctl enumerate x -dialect : :: wql selector association xpath cql
    check "-proxyaccess: values" \
        'wsmanctl get x -proxyaccess:' wsmanctl get x -proxyaccess : :: ie winhttp autodetect none
    check "-proxyauth:b" \
        'wsmanctl get x -proxyauth:b' wsmanctl get x -proxyauth : b :: basic
    check "-file: completes file names" \
        "wsmanctl create x -file:$tmp/in" wsmanctl create x -file : "$tmp/in" :: "$tmp/in.xml" "$tmp/input2.xml"
    check "-file: lists a directory" \
        "wsmanctl set x -file:$tmp/" wsmanctl set x -file : "$tmp/" :: \
        "$tmp/hosts.txt" "$tmp/in.xml" "$tmp/input2.xml" "$tmp/sub"
    check "-file FILE (next word)" \
        "wsmanctl invoke M x -file $tmp/inp" wsmanctl invoke M x -file "$tmp/inp" :: "$tmp/input2.xml"
    check "-hosts: completes file names" \
        "wsmanctl identify -hosts:$tmp/h" wsmanctl identify -hosts : "$tmp/h" :: "$tmp/hosts.txt"
    check "switches of get, filtered" \
        'wsmanctl get x -re' wsmanctl get x -re :: -remote:
    check "switches of enumerate, filtered" \
        'wsmanctl enumerate x -re' wsmanctl enumerate x -re :: -remote: -returnType:
    check "switch prefix is case-insensitive" \
        'wsmanctl get x -skipc' wsmanctl get x -skipc :: -skipCAcheck -skipCNcheck
    check "/ switches" \
        'wsmanctl get x /us' wsmanctl get x /us :: /username: /usessl
    check "-file: only where it applies" \
        'wsmanctl get x -fi' wsmanctl get x -fi ::
    check "--he gives --help" \
        'wsmanctl get x --he' wsmanctl get x --he :: --help
    check "delete takes -format: and -options:" \
        'wsmanctl delete x -fo' wsmanctl delete x -fo :: -format:
    check "-proxyuser: and -proxyusername:" \
        'wsmanctl get x -proxyu' wsmanctl get x -proxyu :: -proxyuser: -proxyusername:
    check "helpmsg takes no switches" \
        'wsmanctl helpmsg -' wsmanctl helpmsg - ::
    check "resource aliases" \
        'wsmanctl get w' wsmanctl get w :: wmi/ wmicimv2/ winrm/config winrm/config/client wsman/
    check "resource aliases after a switch and its value" \
        'wsmanctl enumerate -r srv01 -u:me@EXAMPLE.COM c' \
        wsmanctl enumerate -r srv01 -u : me @ EXAMPLE.COM c :: cimv2/
    check "invoke: no completion for the method name" \
        'wsmanctl invoke ' wsmanctl invoke '' ::
    check "invoke: the resource is the second argument" \
        'wsmanctl invoke StartService wmic' wsmanctl invoke StartService wmic :: wmicimv2/
    check "no resource completion for the input argument" \
        'wsmanctl create winrm/config/x w' wsmanctl create winrm/config/x w ::
    check "help OPERATION" \
        'wsmanctl help i' wsmanctl help i :: identify invoke
    check "a quoted resource with selectors, then a switch" \
        "wsmanctl get 'wmicimv2/Win32_Service?Name=Spooler' -for" \
        wsmanctl get "'wmicimv2/Win32_Service?Name=Spooler'" -for :: -format:
    check "exec: -- is offered before the command" \
        'wsmanctl exec -r:srv01 --' wsmanctl exec -r : srv01 -- :: --help --
    check "exec: nothing after --" \
        'wsmanctl exec -r:srv01 -- ip' wsmanctl exec -r : srv01 -- ip ::
    check "exec: not even our switch values after --" \
        'wsmanctl exec -r:srv01 -- cmd -a:' wsmanctl exec -r : srv01 -- cmd -a : ::
    check "an unknown operation: nothing" \
        'wsmanctl frob -' wsmanctl frob - ::
    at "the cursor in the middle of the line" 20 \
        'wsmanctl get x -a:ba -r:h' wsmanctl get x -a : ba :: basic
    COMP_WORDBREAKS=$' \t\n"\'><;|&('
    check "without ':' in COMP_WORDBREAKS the whole word is replaced" \
        'wsmanctl get x -a:ba' wsmanctl get x -a:ba :: -a:basic
    exit 0
fi

# ---- parent ----
src=${1:?usage: test_completion.sh SOURCE_DIR}
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

if [[ ! -r $src/contrib/bash-completion/wsmanctl ]]; then
    echo "test_completion: no $src/contrib/bash-completion/wsmanctl" >&2
    exit 1
fi
if bash -n "$src/contrib/bash-completion/wsmanctl"; then
    passed=$((passed + 1))
else
    fail "the completion file has a syntax error"
fi

# Files for -file: and -hosts:.
mkdir "$tmp/sub"
: >"$tmp/in.xml"
: >"$tmp/input2.xml"
: >"$tmp/hosts.txt"

modes=(fallback)
if [[ -r /usr/share/bash-completion/bash_completion ]]; then
    modes+=(bash-completion)
else
    echo "note: bash-completion is not installed; only the self-contained word handling is tested"
fi
for mode in "${modes[@]}"; do
    out=$(env -i PATH="$PATH" HOME="$tmp" LC_ALL=C.UTF-8 \
        bash --norc --noprofile "$0" --child "$mode" "$src" "$tmp" 2>&1)
    while IFS= read -r line; do
        case $line in
        ok\ *) passed=$((passed + 1)) ;;
        FAIL\ *)
            echo "$line"
            failed=$((failed + 1))
            ;;
        *) echo "$line" ;;
        esac
    done <<<"$out"
    if ! grep -q '^ok ' <<<"$out"; then
        fail "$mode: no case ran"
    fi
done

# ---- the man pages ----
for page in docs/wsmanctl.1 docs/wsmauto.3; do
    if [[ ! -r $src/$page ]]; then
        fail "$page is missing"
        continue
    fi
    if command -v groff >/dev/null; then
        if groff -ww -man -Tutf8 -z "$src/$page" >"$tmp/out" 2>"$tmp/err" && [[ ! -s $tmp/err ]]; then
            passed=$((passed + 1))
        else
            fail "groff -ww warns about $page:"
            sed 's/^/  /' "$tmp/err"
        fi
    else
        echo "note: groff is not installed; $page not rendered"
    fi
    if command -v man >/dev/null && man --help 2>&1 | grep -q -- --warnings; then
        if LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$src/$page" >"$tmp/out" 2>"$tmp/err" &&
            [[ ! -s $tmp/err && -s $tmp/out ]]; then
            passed=$((passed + 1))
        else
            fail "man --warnings complains about $page:"
            sed 's/^/  /' "$tmp/err"
        fi
    fi
done
# Every section the pages promise is there.
for section in NAME SYNOPSIS DESCRIPTION OPERATIONS "RESOURCE URIS" INPUT OPTIONS "MANY HOSTS" \
    "REMOTE COMMANDS" "OUTPUT FORMATS" "EXIT STATUS" ENVIRONMENT FILES SECURITY EXAMPLES "SEE ALSO"; do
    if grep -q "^\.SH \"\?$section\"\?\$" "$src/docs/wsmanctl.1"; then
        passed=$((passed + 1))
    else
        fail "wsmanctl.1 has no $section section"
    fi
done
for section in NAME SYNOPSIS BUILDING "OBJECT MODEL" "SESSION FLAGS" "ENUMERATION FLAGS" ERRORS THREADING \
    EXAMPLE "SEE ALSO"; do
    if grep -q "^\.SH \"\?$section\"\?\$" "$src/docs/wsmauto.3"; then
        passed=$((passed + 1))
    else
        fail "wsmauto.3 has no $section section"
    fi
done

echo "test_completion: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
