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

# A sample tree: text, binary, a symlink, a hard link, nested directories.
s=$d/sample
mkdir -p "$s/docs/notes" "$s/photos"
printf 'Meeting notes: nothing to see here.\n' >"$s/docs/notes/monday.txt"
seq 1 20000 >"$s/docs/numbers.txt"
head -c 3000000 /dev/urandom >"$s/photos/holiday.jpg"
ln -s ../docs/numbers.txt "$s/photos/link-to-numbers"
ln "$s/docs/numbers.txt" "$s/docs/numbers-hardlink.txt"
say tacit backup -r repo sample
(cd "$d" && "$tacit" backup -r repo sample --passphrase-fd 3 3<"$pw")
printf 'one more line\n' >>"$s/docs/notes/monday.txt"
say "tacit backup -r repo sample   (again, one file changed)"
(cd "$d" && "$tacit" backup -r repo sample --passphrase-fd 3 3<"$pw")
say tacit snapshots -r repo
"$tacit" snapshots -r "$d/repo" --passphrase-fd 3 3<"$pw"
say tacit ls -r repo latest
"$tacit" ls -r "$d/repo" latest --passphrase-fd 3 3<"$pw"
say tacit restore -r repo latest --target restored
"$tacit" restore -r "$d/repo" latest --target "$d/restored" \
    --passphrase-fd 3 3<"$pw"
say "diff -r sample restored/sample && compare metadata"
diff -r "$s" "$d/restored/sample"
if command -v rsync >/dev/null; then
	out=$(rsync -aHAXc --dry-run --itemize-changes "$s/" \
	    "$d/restored/sample/")
	[ -z "$out" ] || { echo "metadata differs: $out"; exit 1; }
fi
echo "identical: contents, modes, times, links and attributes"
say "grep -r 'Meeting notes' repo   (nothing readable in the repository)"
if grep -r -a -l -e 'Meeting notes' -e 'demo passphrase' -e holiday \
    "$d/repo"; then
	echo "plaintext found in the repository"; exit 1
fi
echo "no plaintext: $(find "$d/repo" -type f | wc -l) files, all sealed"
echo
echo "demo finished."
