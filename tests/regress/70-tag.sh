#!/bin/sh
# 70-tag.sh: tacit tag (issue 16).  --add, --remove and --set change the
# tags of the snapshots named and nothing else: each changed snapshot gets
# a new id, printed as "old -> new" (and in --json), the old file is gone,
# the new one has every other field the same, restores the same files and
# is found by `snapshots --tag`; other snapshots' files are untouched
# byte for byte; a snapshot whose tags would not change keeps its file.
# Bad values are usage errors (exit 2) and an unknown snapshot changes
# nothing.  Beside a running backup, tag is refused (exclusive lock).  An interrupted run (killed between writing the copy and
# removing the old one) leaves two snapshots that differ only in tags, and
# the same command run again converges to one, whether it names the old
# snapshot or its copy.
. "$(dirname "$0")/lib.sh"

R=$T/repo SRC=$T/src
printf '%s\n' "$PW" >"$T/pw"
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
snaps() { ls "$R/snapshots" | grep -v '^\.'; }
# fields ID: the snapshot's JSON record without id and tags, one line.
fields() {
	tk snapshots -r "$R" --json | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["id"] == sys.argv[1]:
        del s["id"], s["tags"]
        print(json.dumps(s, sort_keys=True))' "$1"
}
tags_of() {
	tk snapshots -r "$R" --json | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["id"] == sys.argv[1]:
        print(",".join(s["tags"]))' "$1"
}

mkrepo "$R" || notok "setup: init"
mkdir -p "$SRC/d"
head -c 200000 /dev/urandom >"$SRC/d/big"
echo "small" >"$SRC/small"
tk backup -q -r "$R" "$SRC" --tag first >/dev/null || notok "setup: backup 1"
A=$(snaps)
cp -a "$SRC" "$T/src1"
echo "more" >"$SRC/more"
tk backup -q -r "$R" "$SRC" >/dev/null || notok "setup: backup 2"
B=$(snaps | grep -v "$A")
cp "$R/snapshots/$B" "$T/B.before"
FA=$(fields "$A")

# --- --add: a new id, printed; the old file gone; every other field kept --
tk tag -r "$R" "$A" --add x,y --add z >"$T/out" 2>"$T/err"
rc=$?
A2=$(snaps | grep -v "$B")
if [ "$rc" -eq 0 ] && [ "$A2" != "$A" ] && [ ! -e "$R/snapshots/$A" ] &&
    [ "$(cat "$T/out")" = "$A -> $A2" ]; then
	ok "--add: the snapshot has a new id, printed as old -> new"
else notok "--add: new id printed (rc $rc, $A -> $A2)"
	sed 's/^/#   /' "$T/out" "$T/err"; fi
[ "$(tags_of "$A2")" = "first,x,y,z" ] && ok "--add: tags first,x,y,z" ||
    notok "--add: tags are '$(tags_of "$A2")'"
[ "$(fields "$A2")" = "$FA" ] &&
    ok "the new snapshot has every other field of the old one" ||
    notok "fields changed: $(fields "$A2") vs $FA"
cmp -s "$R/snapshots/$B" "$T/B.before" &&
    ok "the other snapshot's file is untouched" ||
    notok "the other snapshot's file changed"
[ "$(snaps | wc -l)" -eq 2 ] && ok "still two snapshots" ||
    notok "$(snaps | wc -l) snapshots"

# --- --remove with --json ----------------------------------------------------
tk tag -r "$R" "$A2" --remove y --remove first --json >"$T/out" ||
    notok "--remove --json failed"
A3=$(snaps | grep -v "$B")
if python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1, v
e = v[0]
assert e["old"] == sys.argv[2] and e["new"] == sys.argv[3], e
assert e["changed"] is True and e["tags"] == ["x", "z"], e' \
    "$T/out" "$A2" "$A3" 2>"$T/err"; then
	ok "--remove --json: old, new, changed and tags as python3 parses them"
else notok "--remove --json"; sed 's/^/#   /' "$T/out" "$T/err"; fi

# --- unchanged: left alone --------------------------------------------------
cp "$R/snapshots/$A3" "$T/A3.before"
tk tag -r "$R" "$A3" --add x --remove nothere >"$T/out" 2>&1 ||
    notok "an unchanging tag command failed"
if [ -e "$R/snapshots/$A3" ] && cmp -s "$R/snapshots/$A3" "$T/A3.before" &&
    [ ! -s "$T/out" ]; then
	ok "tags that would not change: the snapshot is left alone"
else notok "tags that would not change: the snapshot was rewritten"
	sed 's/^/#   /' "$T/out"; fi
tk tag -r "$R" "$A3" --set z,x --json >"$T/out" 2>&1
grep -q '"changed":false' "$T/out" && [ -e "$R/snapshots/$A3" ] &&
    ok "--set of the same tags in another order changes nothing" ||
    notok "--set z,x rewrote the snapshot"

# --- --set, on two snapshots, one named by "latest" ---------------------------
tk tag -r "$R" "$A3" latest --set weekly --set keep >"$T/out" ||
    notok "--set on two snapshots failed"
[ "$(wc -l <"$T/out")" -eq 2 ] && ok "--set: two lines old -> new" ||
    notok "--set printed: $(cat "$T/out")"
tk snapshots -r "$R" --tag weekly,keep --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert len(v) == 2 and all(s["tags"] == ["weekly", "keep"] for s in v), v' &&
    ok "snapshots --tag weekly,keep finds both retagged snapshots" ||
    notok "snapshots --tag does not see the new tags"
[ -z "$(tk snapshots -r "$R" --tag x --json | tr -d '[]\n')" ] &&
    ok "snapshots --tag x finds none any more" ||
    notok "snapshots --tag x still finds one"
tk tag -r "$R" latest --set '' >/dev/null || notok "--set '' failed"
[ -z "$(tags_of "$(tk snapshots -r "$R" --json | python3 -c '
import json, sys; print(json.load(sys.stdin)[-1]["id"])')")" ] &&
    ok "--set '' removes every tag" || notok "--set '' left tags"

# --- the retagged snapshots restore the source --------------------------------
# (Both were retagged; the oldest is the first backup's.)
for which in first latest; do
	rm -rf "$T/dst"
	id=$(tk snapshots -r "$R" --json | python3 -c '
import json, sys
v = json.load(sys.stdin); print(v[0 if sys.argv[1] == "first" else -1]["id"])' "$which")
	want=$SRC
	[ "$which" = first ] && want=$T/src1
	tk restore -q -r "$R" "$id" --target "$T/dst" >/dev/null 2>&1 &&
	    diff -r "$want" "$T/dst/src" >/dev/null &&
	    ok "the retagged $which snapshot restores its source bit for bit" ||
	    notok "the retagged $which snapshot restores something else"
done
xcode 0 "check passes after the retagging" tk check -r "$R" --read-data

# --- usage errors and unknown snapshots: nothing changes ----------------------
ls "$R/snapshots" >"$T/before"
xcode 2 "no operation is a usage error" tk tag -r "$R" latest
xcode 2 "no snapshot is a usage error" tk tag -r "$R" --add x
xcode 2 "--set with --add is a usage error" tk tag -r "$R" latest \
    --set a --add b
long=$(head -c 4097 /dev/zero | tr '\0' t)
xcode 2 "a tag of 4097 bytes is a usage error" tk tag -r "$R" latest \
    --add "$long"
many=$(seq 1 257 | tr '\n' ,)
xcode 2 "257 tags are a usage error" tk tag -r "$R" latest --set "$many"
xcode 2 "--tag does not apply to tag" tk tag -r "$R" latest --add a \
    --tag b
xcode 1 "an unknown snapshot is an error" tk tag -r "$R" latest ffff0000 \
    --add a
ls "$R/snapshots" >"$T/after"
cmp -s "$T/before" "$T/after" && ok "and none of them changed a snapshot" ||
    notok "a refused tag command changed the snapshots"
ok4096=$(head -c 4096 /dev/zero | tr '\0' t)
xcode 0 "a tag of 4096 bytes is taken" tk tag -r "$R" latest --add "$ok4096"

# --- the exclusive lock: refused beside a running backup, exit 11 ------------
if command -v strace >/dev/null && command -v setsid >/dev/null &&
    paused_backup "$R" "$SRC"; then
	ls "$R/snapshots" >"$T/before"
	tk tag -r "$R" latest --add locked >"$T/out" 2>&1
	rc=$?
	ls "$R/snapshots" >"$T/after"
	if [ "$rc" -eq 11 ] && grep -q "locked" "$T/out" &&
	    cmp -s "$T/before" "$T/after"; then
		ok "beside a running backup, tag exits 11 (locked) and changes nothing"
	else notok "beside a running backup, tag exits $rc"
		sed 's/^/#   /' "$T/out"; fi
	paused_end "$R" || notok "setup: the killed backup still holds the lock"
else
	paused_end "$R"
	ok "# SKIP no paused backup here (strace or setsid missing)"
fi

# --- interrupted between the copy and the removal: converges ------------------
if command -v strace >/dev/null; then
	C=$(tk snapshots -r "$R" --json | python3 -c '
import json, sys; print(json.load(sys.stdin)[0]["id"])')
	FC=$(fields "$C")
	# (tag's only unlinkat is the old snapshot's removal.)
	strace -f -qq -o /dev/null -e trace=unlinkat \
	    -e inject=unlinkat:signal=KILL "$TACIT" tag -r "$R" "$C" \
	    --add half --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1
	n=0 twin=
	for id in $(snaps); do
		[ "$(fields "$id")" = "$FC" ] || continue
		n=$((n + 1))
		[ "$id" != "$C" ] && twin=$id
	done
	if [ "$n" -eq 2 ] && [ -e "$R/snapshots/$C" ] &&
	    tags_of "$twin" | grep -q half && ! tags_of "$C" | grep -q half
	then ok "killed at the removal: old and new both there, differing only in tags"
	else notok "killed at the removal: $n twins"; fi
	xcode 0 "check passes with both twins" tk check -r "$R"
	tk tag -r "$R" "$C" --add half >"$T/out" 2>&1 ||
	    notok "the re-run failed"
	n=0
	for id in $(snaps); do [ "$(fields "$id")" = "$FC" ] && n=$((n + 1)); done
	if [ "$n" -eq 1 ] && [ ! -e "$R/snapshots/$C" ] &&
	    [ -e "$R/snapshots/$twin" ] &&
	    [ "$(cat "$T/out")" = "$C -> $twin" ]; then
		ok "the same command again converges: the old one removed, the twin kept ($C -> $twin)"
	else notok "the re-run did not converge ($n left)"
		sed 's/^/#   /' "$T/out"; fi
	# Interrupted again; this time the command names the copy (as
	# "latest" may, the two having the same time): the old twin goes.
	strace -f -qq -o /dev/null -e trace=unlinkat \
	    -e inject=unlinkat:signal=KILL "$TACIT" tag -r "$R" "$twin" \
	    --add again --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1
	new=
	for id in $(snaps); do
		[ "$(fields "$id")" = "$FC" ] && [ "$id" != "$twin" ] && new=$id
	done
	if [ -n "$new" ] && [ -e "$R/snapshots/$twin" ]; then
		tk tag -r "$R" "$new" --add again >"$T/out" 2>&1 ||
		    notok "the run naming the copy failed"
		n=0
		for id in $(snaps); do [ "$(fields "$id")" = "$FC" ] && n=$((n + 1)); done
		if [ "$n" -eq 1 ] && [ -e "$R/snapshots/$new" ] &&
		    [ "$(cat "$T/out")" = "$twin -> $new" ]; then
			ok "naming the copy instead converges too: its old twin removed ($twin -> $new)"
		else notok "naming the copy: $n left"
			sed 's/^/#   /' "$T/out"; fi
	else notok "the second interrupted run left no copy"; fi
	xcode 0 "check passes" tk check -r "$R"
else
	ok "# SKIP strace is missing: no interrupted run"
fi
