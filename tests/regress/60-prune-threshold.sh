#!/bin/sh
# 60-prune-threshold.sh: --max-unused (issue 16).  One backup of x and y
# (24 MB each) fills a full pack with x, a full pack half x and half y,
# and a last pack with the rest of y; a second backup holds x alone (a
# small pack of its own: its tree and log).  The first snapshot is
# forgotten.  Then the mixed pack is about half unused:
#  - --max-unused 75 keeps it (its unused bytes reported as kept) and
#    repacks nothing (one pack not full is what a fresh repository has);
#  (how many packs hold only y depends on where the random data's chunks
#  fall, a pack closing early when the next chunk does not fit: one or
#  two, and each is deleted);
#  - --max-unused 25 and the default (5 %) repack it, and gather the small
#    pack with it; the pack holding only y is deleted either way;
#  - after the default prune every pack is full but one, x restores
#    identically, check --read-data is clean, a second prune is a no-op.
. "$(dirname "$0")/lib.sh"

printf '%s\n' "$PW" >"$T/pw"
R=$T/repo
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
# js FILE EXPR: the Python expression EXPR over the JSON object d of FILE.
js() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(%s)" % sys.argv[2]) else 1)' "$1" "$2"; }

tk init -q -r "$R" $FAST >/dev/null 2>&1 || notok "setup: init"
mkdir -p "$T/s1" "$T/s2"
head -c 24000000 /dev/urandom >"$T/s1/x"
head -c 24000000 /dev/urandom >"$T/s1/y"
cp "$T/s1/x" "$T/s2/x"
tk backup -q -r "$R" "$T/s1" || notok "setup: backup 1"
S1=$(ls "$R/snapshots")
tk backup -q -r "$R" "$T/s2" || notok "setup: backup 2"
S2=$(ls "$R/snapshots" | grep -v "$S1")
rm "$R/snapshots/$S1"

xcode 0 "--max-unused 75 --dry-run" tk prune -r "$R" --max-unused 75 \
    --dry-run --json
js "$T/.out" 'd["repack_packs"] == 0 and d["delete_packs"] >= 1 and
    d["unused_kept_bytes"] > 4000000' &&
    ok "75 %: the half-used pack is kept, its unused bytes reported" ||
    notok "75 %: $(cat "$T/.out")"
xcode 0 "--max-unused 25% --dry-run" tk prune -r "$R" --max-unused 25% \
    --dry-run --json
js "$T/.out" 'd["repack_packs"] == 2 and d["delete_packs"] >= 1 and
    d["unused_kept_bytes"] == 0' &&
    ok "25 %: the half-used pack and the small one are repacked" ||
    notok "25 %: $(cat "$T/.out")"
xcode 0 "prune (default 5 %)" tk prune -r "$R" --json
js "$T/.out" 'd["ok"] and d["repack_packs"] == 2 and d["delete_packs"] >= 1
    and d["written_packs"] >= 1' &&
    ok "the default repacks them too" || notok "default: $(cat "$T/.out")"
odd=0
for f in "$R"/packs/*/*; do
	# 16 MiB and its parity (doc/format.md 23.3: 17308008 bytes)
	[ "$(fsize "$f")" -eq 17308008 ] || odd=$((odd + 1))
done
[ "$odd" -le 1 ] && ok "every pack is full but at most one ($odd)" ||
    notok "$odd packs are not full"
rm -rf "$T/dst"
tk restore -q -r "$R" "$S2" --target "$T/dst" >/dev/null 2>&1 &&
    cmp -s "$T/s2/x" "$T/dst/s2/x" && ok "x restores identically" ||
    notok "x does not restore"
xcode 0 "check --read-data is clean" tk check -r "$R" --read-data
grepq " 0 problems; 0 harmless" "$T/.out" || notok "check: $(cat "$T/.out")"
xcode 0 "a second prune" tk prune -r "$R"
grepq "nothing to prune" "$T/.out" && ok "has nothing to do" ||
    notok "second prune: $(cat "$T/.out")"
