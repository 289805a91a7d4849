#!/bin/sh
# 55-prune.sh: tacit prune (issue 16).  Three snapshots: A (8 MB), B (40 MB
# of its own), C (A edited).  B's snapshot file is removed, as forget does;
# then:
#  - prune --dry-run reports what it would free and changes no byte;
#  - prune frees B's 40 MB within one pack plus Padmé, leaves full packs
#    and at most one pack of another size, and A and C restore identically
#    (rsync -aHAXc) and check --read-data is clean;
#  - a second prune is a no-op ("nothing to prune", no file changes);
#  - the leftovers of a killed backup (packs no index names, temporaries)
#    are named by check as what prune removes, and prune removes them;
#  - --json gives the report as one object; --max-unused takes N or N%,
#    refuses other values (exit 2), and prune refuses operands;
#  - a backup started during a prune refuses (exit 11, naming the lock)
#    and with --lock-wait waits and succeeds.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null || ! command -v rsync >/dev/null; then
	ok "# SKIP strace or rsync is missing"; exit 0; fi
printf '%s\n' "$PW" >"$T/pw"
R=$T/repo
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
# state DIR: every file of DIR with its size and checksum.
state() { (cd "$1" && find . -type f -exec md5sum {} + | sort); }
# same SRC SNAP: snapshot SNAP restores to exactly SRC (rsync -aHAXc).
same() {
	rm -rf "$T/dst"
	tk restore -q -r "$R" "$2" --target "$T/dst" >"$T/.out" 2>&1 ||
	    return 1
	[ -z "$(rsync -aHAXcni --delete "$1/" "$T/dst/$(basename "$1")/" 2>&1)" ]
}
snapid() { tk snapshots -r "$R" --json 2>/dev/null | python3 -c '
import json, sys
print([s["id"] for s in json.load(sys.stdin)][int(sys.argv[1])])' "$1"; }

tk init -q -r "$R" $FAST >/dev/null 2>&1 || notok "setup: init"
mkdir -p "$T/a" "$T/b" "$T/c"
head -c 8000000 /dev/urandom >"$T/a/one"
for i in 1 2 3; do echo "small $i" >"$T/a/s$i"; done
head -c 40000000 /dev/urandom >"$T/b/big"
tk backup -q -r "$R" "$T/a" || notok "setup: backup A"
tk backup -q -r "$R" "$T/b" || notok "setup: backup B"
cp -a "$T/a/." "$T/c/"
head -c 300000 /dev/urandom >>"$T/c/one"
tk backup -q -r "$R" "$T/c" || notok "setup: backup C"
A=$(snapid 0) B=$(snapid 1) C=$(snapid 2)
[ -n "$A" ] && [ -n "$C" ] && [ -f "$R/snapshots/$B" ] ||
    notok "setup: three snapshots ($A $B $C)"
rm "$R/snapshots/$B"		# as forget does

before=$(du -sb "$R" | cut -f1)
state "$R" >"$T/st0"
xcode 0 "prune --dry-run" tk prune -r "$R" --dry-run
grepq "would prune (dry run)" "$T/.out" && grepq "to delete: [1-9]" "$T/.out" &&
    ok "the dry run reports packs to delete" || notok "report: $(cat "$T/.out")"
state "$R" >"$T/st1"
cmp -s "$T/st0" "$T/st1" && ok "the dry run changed no file" ||
    notok "the dry run changed files: $(diff "$T/st0" "$T/st1" | head -5)"

xcode 0 "prune" tk prune -r "$R"
after=$(du -sb "$R" | cut -f1)
freed=$((before - after)) X=40000000
# One pack (16 MiB) plus Padmé's at most 12 % of the rest.
slack=$((16777216 + after / 8))
if [ "$freed" -ge $((X - slack)) ] && [ "$freed" -le $((X + slack)) ]; then
	ok "prune freed $freed bytes for the 40 MB only B held (within $slack)"
else notok "prune freed $freed bytes, wanted 40000000 within $slack"; fi
odd=0
for f in "$R"/packs/*/*; do
	[ "$(fsize "$f")" -eq 16777216 ] || odd=$((odd + 1))
done
[ "$odd" -le 1 ] && ok "every pack is full but at most one ($odd)" ||
    notok "$odd packs are not full"
same "$T/a" "$A" && ok "A restores identically (rsync -aHAXc)" ||
    notok "A differs: $(cat "$T/.out")"
same "$T/c" "$C" && ok "C restores identically" ||
    notok "C differs: $(cat "$T/.out")"
xcode 0 "check --read-data is clean after the prune" tk check -r "$R" --read-data
grepq " 0 problems; 0 harmless" "$T/.out" || notok "check: $(cat "$T/.out")"

state "$R" >"$T/st2"
xcode 0 "a second prune" tk prune -r "$R"
grepq "nothing to prune" "$T/.out" && ok "says there is nothing to prune" ||
    notok "second prune: $(cat "$T/.out")"
state "$R" >"$T/st3"
cmp -s "$T/st2" "$T/st3" && ok "the second prune changed no file" ||
    notok "the second prune changed: $(diff "$T/st2" "$T/st3" | head -5)"

# Leftovers: a backup killed before its first index segment is in place.
mkdir -p "$T/d"
head -c 20000000 /dev/urandom >"$T/d/new"
env "$NOLEAK" strace -f -qq -o /dev/null -P "$R/index" -e trace=renameat2 \
    -e inject=renameat2:signal=KILL:when=1 \
    "$TACIT" backup -q -r "$R" "$T/d" --passphrase-fd 3 3<"$T/pw" \
    >/dev/null 2>&1
xcode 0 "check after the killed backup" tk check -r "$R"
n=$(sed -n 's/.* \([0-9]*\) harmless leftover.*/\1/p' "$T/.out")
[ "${n:-0}" -ge 2 ] && ok "check counts $n leftovers" ||
    notok "check: $(cat "$T/.out")"
grepq "tacit prune" "$T/.out" && ok "and says tacit prune removes them" ||
    notok "check does not name prune: $(cat "$T/.out")"
xcode 0 "prune --json" tk prune -r "$R" --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] and not d["dry_run"], d
assert d["leftover_packs"] >= 1 and d["leftover_pack_bytes"] >= 16000000, d
assert d["temporaries"] >= 1, d
' "$T/.out" 2>"$T/.err" && ok "--json reports the leftovers removed" ||
    notok "json: $(cat "$T/.out" "$T/.err")"
xcode 0 "check after prune" tk check -r "$R"
grepq " 0 harmless leftovers" "$T/.out" && ok "no leftover is left" ||
    notok "check: $(cat "$T/.out")"
same "$T/c" "$C" && ok "C still restores identically" || notok "C differs"

# Options.
xcode 0 "--max-unused 5%" tk prune -r "$R" --max-unused 5% --dry-run
xcode 0 "--max-unused 12.5" tk prune -r "$R" --max-unused 12.5 --dry-run
xcode 2 "--max-unused 101 is refused" tk prune -r "$R" --max-unused 101
xcode 2 "--max-unused x is refused" tk prune -r "$R" --max-unused x
xcode 2 "an operand is refused" tk prune -r "$R" "$A"
xcode 2 "--read-data does not apply to prune" tk prune -r "$R" --read-data

# A backup during a prune: refused at once, or waits with --lock-wait.
# strace holds the prune's first unlinkat (under the lock) for up to a
# minute, so the lock is held whatever the machine's load (a 4 s hold
# could end before a loaded machine had started the backup: exit 0);
# killing strace lets the prune go on untraced.  A snapshot D of data of
# its own goes too, so the prune has a pack to delete (A's data is C's:
# without D it deleted nothing, no unlinkat was held, and only its own
# speed kept the lock held).
mkdir -p "$T/d"
head -c 3000000 /dev/urandom >"$T/d/x"
ls "$R/snapshots" >"$T/sn0"
tk backup -q -r "$R" "$T/d" || notok "setup: backup D"
D=$(ls "$R/snapshots" | grep -v -x -F -f "$T/sn0")
rm "$R/snapshots/$A" "$R/snapshots/$D"
printf '%s\n' "$PW" >"$T/.slowpw"
env "$NOLEAK" setsid strace -f -qq -o /dev/null -e trace=unlinkat \
    -e inject=unlinkat:delay_enter=60000000:when=1 \
    "$TACIT" prune -q -r "$R" --passphrase-fd 3 3<"$T/.slowpw" \
    >"$T/slow.out" 2>&1 &
slow=$!
i=0
while ! holds_lock "$R/lock" && [ $i -lt 1500 ]; do i=$((i + 1)); sleep 0.02; done
xcode 11 "a backup during a prune is refused (exit 11)" \
    tk backup -q -r "$R" "$T/a"
grepq "lock" "$T/.out" && ok "naming the lock" || notok "$(cat "$T/.out")"
prune=$(lock_pid "$R/lock")
tk backup -q -r "$R" "$T/a" --lock-wait 120 >"$T/lw.out" 2>&1 &
lw=$!
sleep 5
if kill -0 "$lw" 2>/dev/null && [ "$(lock_pid "$R/lock")" = "$prune" ]; then
	ok "with --lock-wait it waits while the prune holds the lock"
else
	notok "with --lock-wait: not waiting 5 s into the prune's hold ($(cat "$T/lw.out"))"
fi
kill -KILL "$slow"
wait "$lw" && ok "and succeeds once the prune is done" ||
    notok "--lock-wait: $(cat "$T/lw.out")"
i=0
while kill -0 "$prune" 2>/dev/null && [ $i -lt 3000 ]; do i=$((i + 1)); sleep 0.02; done
if ! kill -0 "$prune" 2>/dev/null && ! grepq . "$T/slow.out"; then
	ok "the prune finished"
else
	notok "prune: $(cat "$T/slow.out")"
fi
xcode 0 "check after both" tk check -r "$R" --read-data
same "$T/c" "$C" && ok "C restores identically at the end" || notok "C differs"
