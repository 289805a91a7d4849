#!/bin/sh
# 75-tag-filter.sh: tacit tag without snapshot operands changes every
# snapshot that --tag and --path choose (restic's filters): only those,
# --tag '' chooses the untagged ones; no snapshot chosen changes nothing
# (exit 0, a message); operands with filters, or neither, are usage errors
# (exit 2) that change nothing.
. "$(dirname "$0")/lib.sh"

R=$T/repo A=$T/a B=$T/b
mkdir -p "$A" "$B"
echo a >"$A/f"; echo b >"$B/f"
mkrepo "$R" || notok "setup: init"
tp backup -q -r "$R" "$A" --tag one >/dev/null &&
    tp backup -q -r "$R" "$A" --tag two >/dev/null &&
    tp backup -q -r "$R" "$B" --tag one >/dev/null &&
    tp backup -q -r "$R" "$B" >/dev/null || notok "setup: backups"
# table: "path tags" per snapshot, sorted, one line each.
table() {
	tp snapshots -r "$R" --json | python3 -c '
import json, sys
for s in sorted(json.load(sys.stdin), key=lambda s: s["paths"][0] + ",".join(s["tags"])):
    print(s["paths"][0].rsplit("/", 1)[1], ",".join(s["tags"]) or "-")'
}
files() { ls "$R/snapshots"; }

xcode 0 "tag --tag one --add x" tp tag -r "$R" --tag one --add x
if [ "$(table | tr '\n' ' ')" = "a one,x a two b - b one,x " ]; then
	ok "--tag one: the two snapshots tagged one got x, the others not"
else notok "--tag one: the two snapshots tagged one got x ($(table | tr '\n' ' '))"; fi

xcode 0 "tag --path B --tag one --remove one" tp tag -r "$R" --path "$B" --tag one --remove one
if [ "$(table | tr '\n' ' ')" = "a one,x a two b - b x " ]; then
	ok "--path and --tag together: only b's snapshot tagged one changed"
else notok "--path and --tag together ($(table | tr '\n' ' '))"; fi

xcode 0 "tag --tag '' --add none" tp tag -r "$R" --tag '' --add none
if [ "$(table | tr '\n' ' ')" = "a one,x a two b none b x " ]; then
	ok "--tag '': only the untagged snapshot got a tag"
else notok "--tag '' ($(table | tr '\n' ' '))"; fi

files >"$T/before"
tp tag -r "$R" --tag nosuch --add y >"$T/out" 2>&1
rc=$?
files >"$T/after"
if [ $rc = 0 ] && grepq "no snapshot has the tags" "$T/out" && cmp -s "$T/before" "$T/after"; then
	ok "no snapshot chosen: exit 0, said, nothing changed"
else notok "no snapshot chosen (exit $rc)"; sed 's/^/#   /' "$T/out"; fi

first=$(files | head -1)
xcode 2 "operands and --tag together: usage error" tp tag -r "$R" "$first" --tag one --add z
xcode 2 "neither operands nor filters: usage error" tp tag -r "$R" --add z
files >"$T/after"
if cmp -s "$T/before" "$T/after"; then ok "the usage errors changed nothing"
else notok "the usage errors changed nothing"; fi
