#!/bin/sh
# 74-stats-damage.sh: tacit stats on a damaged repository (issue 16) says
# so and exits 14 (damaged), with the numbers of what it could read, its
# --json still valid: a snapshot file tampered with, the index segments
# gone (every blob missing), a pack overwritten (its trees unreadable).
# A clean copy exits 0 (control).
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo SRC=$T/src W=$T/w
printf '%s\n' "$PW" >"$T/pw"
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$SRC/d/e"
head -c 50000 /dev/urandom >"$SRC/d/e/f"
echo one >"$SRC/g"
tk backup -q -r "$R" "$SRC" >/dev/null || notok "setup: backup 1"
echo two >"$SRC/h"
tk backup -q -r "$R" "$SRC" >/dev/null || notok "setup: backup 2"

# damaged DESC: stats --json on $W exits 14, says so, and its JSON parses
# (with PYTHON, if given, asserted on it as v).
damaged() {
	tk stats -r "$W" --json >"$T/j" 2>"$T/e"
	rc=$?
	if [ "$rc" -eq 14 ] && grep -q "damaged" "$T/e" &&
	    python3 -c "
import json, sys
v = json.load(open(sys.argv[1]))
${2:-pass}" "$T/j" 2>"$T/py"; then
		ok "$1: exit 14, reported, --json valid"
	else notok "$1: exit $rc"
		sed 's/^/#   /' "$T/e" "$T/j" "$T/py" | head -20; fi
}
fresh() { rm -rf "$W"; cp -a "$R" "$W"; }

fresh
xcode 0 "control: the clean repository exits 0" tk stats -r "$W"

fresh
s=$(ls "$W/snapshots" | head -1)
flip "$W/snapshots/$s" 40
damaged "a snapshot tampered with" 'assert v["snapshots"] == 1, v'

fresh
rm -f "$W"/index/*
damaged "the index segments gone" 'assert v["blobs"]["data"]["count"] == 0, v
assert v["damaged"] >= 2, v'
grep -q "missing from the index" "$T/e" &&
    ok "the missing blobs are named as missing from the index" ||
    notok "no blob named missing: $(head -3 "$T/e")"

fresh
for p in $(find "$W/packs" -type f); do
	n=$(fsize "$p")
	head -c "$n" /dev/urandom >"$p"
done
damaged "every pack overwritten" 'assert v["damaged"] >= 2, v'
grep -q "snapshot [0-9a-f]*: .*(blob [0-9a-f]*)" "$T/e" &&
    ok "each unreadable tree is named by snapshot and blob" ||
    notok "no snapshot and blob named: $(head -3 "$T/e")"
xcode 14 "and check agrees: exit 14" tk check -r "$W"

fresh
xcode 1 "an unknown snapshot: exit 1" tk stats -r "$W" 00000000ffff
