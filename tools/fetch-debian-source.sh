#!/bin/sh
# Unpacks Debian's source package PKG (with Debian's patches applied) into DIR/PKG, using only Debian's
# archive: adds a deb-src entry for the configured suites when none exists (root or sudo needed for that
# one-time step), then `apt-get source`. Prints the source directory. Reuses an earlier unpack.
#   tools/fetch-debian-source.sh libxml2 build-win/src
set -eu
[ $# -eq 2 ] || { echo "usage: $0 PKG DIR" >&2; exit 2; }
pkg=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
if [ -f "$dir/$pkg/.fetched" ]; then
    echo "$dir/$pkg"
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
if ! apt-cache showsrc "$pkg" 2>/dev/null | grep -q '^Package:'; then
    list=/etc/apt/sources.list.d/wsmauto-deb-src.sources
    # The deb-src twin of every deb822 "Types: deb" stanza of Debian's own archive.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$f" != "$list" ] || continue
        awk 'BEGIN{RS=""; ORS="\n\n"} /URIs: *https?:\/\/deb\.debian\.org\/debian\/?\n/ && /Types: deb\n/ {
                 sub(/Types: deb\n/, "Types: deb-src\n"); print }' "$f"
    done >"$dir/deb-src.sources"
    if [ ! -s "$dir/deb-src.sources" ] && [ -f /etc/apt/sources.list ]; then
        sed -n 's/^deb \(.*deb\.debian\.org\/debian\/\? .*\)/deb-src \1/p' /etc/apt/sources.list >"$dir/deb-src.list"
        list=/etc/apt/sources.list.d/wsmauto-deb-src.list
        $sudo cp "$dir/deb-src.list" "$list"
    else
        $sudo cp "$dir/deb-src.sources" "$list"
    fi
    $sudo apt-get update -qq
fi
command -v dpkg-source >/dev/null || { echo "$0: dpkg-source missing (install dpkg-dev)" >&2; exit 1; }
work=$(mktemp -d "$dir/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
(cd "$work" && apt-get source -qq "$pkg" >/dev/null 2>"$work/log") || { cat "$work/log" >&2; exit 1; }
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$src" ] || { echo "$0: apt-get source $pkg unpacked nothing" >&2; exit 1; }
rm -rf "${dir:?}/$pkg"
mv "$src" "$dir/$pkg"
for f in "$work"/*.dsc; do cp "$f" "$dir/"; done
touch "$dir/$pkg/.fetched"
echo "$dir/$pkg"
