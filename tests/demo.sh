#!/bin/sh
# tests/demo.sh TACIT: what tacit does today, end to end, in a scratch
# directory under build/ that it removes afterwards.  The demo passphrase
# goes through a descriptor (never argv or the environment); real use
# types it on the terminal.
set -eu
tacit=${1:?usage: demo.sh path/to/tacit}
top=$(cd "$(dirname "$0")/.." && pwd)
d=$top/build/demo
rm -rf "$d"
mkdir -p "$d"
trap 'rm -rf "$d"' EXIT
pw=$d/pass
printf 'demo passphrase\n' >"$pw"
printf 'second passphrase\n' >"$d/pass2"
say() { printf '\n$ %s\n' "$*"; }

say tacit init -r repo --passphrase-fd 3
"$tacit" init -r "$d/repo" --passphrase-fd 3 3<"$pw"
say ls -l repo repo/keys
ls -l "$d/repo" "$d/repo/keys"
say "tacit key add -r repo   (second passphrase)"
"$tacit" key add -r "$d/repo" --passphrase-fd 3 --new-passphrase-fd 4 \
    3<"$pw" 4<"$d/pass2"
say tacit key recovery -r repo
"$tacit" key recovery -r "$d/repo" --passphrase-fd 3 3<"$pw"
say "tacit key list -r repo   (unlocked with the second passphrase)"
"$tacit" key list -r "$d/repo" --passphrase-fd 3 3<"$d/pass2"
say "tacit key list -r repo   (wrong passphrase)"
set +e
printf 'not it\n' | "$tacit" key list -r "$d/repo" --passphrase-fd 0
echo "exit status $? (12: wrong passphrase)"
set -e
say "grep -c 'demo passphrase' repo/* repo/keys/*   (nothing readable)"
grep -a -c 'demo passphrase' "$d/repo/config" "$d/repo/header" \
    "$d"/repo/keys/* || true
echo
echo "demo finished: backup, snapshots and restore arrive with issue #3."
