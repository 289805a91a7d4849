#!/bin/sh
# 53-forget-prune.sh: forget --prune.  Three backups, each of a new 3 MB
# file of random bytes (so each snapshot holds 3 MB of its own);
# forget --keep-last 1 --prune --dry-run removes nothing and reports what
# the real run frees, as if the two snapshots were gone (restic's forget
# --prune --dry-run); the real run removes the two snapshots and about
# 6 MB; the kept snapshot restores identically and check --read-data is
# clean.  --max-unused without --prune is refused (exit 2); with --json
# the output is forget's object, then prune's, one per line.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S"
for i in 1 2 3; do
	head -c 3000000 /dev/urandom >"$S/f"
	tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup $i"
done
cp "$S/f" "$T/last"
count() { ls "$R/snapshots" | grep -vc '^\.'; }
size() { du -sb "$R" | cut -f1; }
before=$(size)

xcode 2 "--max-unused without --prune is refused" tp forget -r "$R" \
    --keep-last 1 --max-unused 10%
tp forget -r "$R" --keep-last 1 --prune --dry-run >"$T/dry" 2>&1
if [ "$(count)" -eq 3 ] && [ "$(size)" -eq "$before" ]; then
	ok "--prune --dry-run changes nothing"
else notok "the dry run changed the repository: $(count) snapshots"; fi
# What it would free: the two forgotten snapshots' 6 MB, not 0.
freed=$(sed -n 's/.*frees about \([0-9.]*\) MiB.*/\1/p' "$T/dry")
if awk -v f="${freed:-0}" 'BEGIN { exit !(f >= 5.5 && f <= 6.5) }'; then
	ok "the dry run reports what pruning without those snapshots frees ($freed MiB)"
else notok "dry run report: $(cat "$T/dry")"; fi

check "forget --keep-last 1 --prune" tp forget -q -r "$R" --keep-last 1 \
    --prune
after=$(size)
if [ "$(count)" -eq 1 ] && [ $((before - after)) -ge 5500000 ]; then
	ok "two snapshots and $((before - after)) bytes are gone"
else notok "after: $(count) snapshots, $before -> $after bytes"; fi
check "check --read-data after it" tp check -q -r "$R" --read-data
tp restore -q -r "$R" latest --target "$T/out" >/dev/null 2>&1
cmp -s "$T/last" "$T/out/src/f" && ok "the kept snapshot restores" ||
    notok "the kept snapshot does not restore"

head -c 3000000 /dev/urandom >"$S/f"
tp backup -q -r "$R" "$S" >/dev/null 2>&1
tp forget -r "$R" --keep-last 1 --prune --json >"$T/json" 2>/dev/null
if python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 2, lines
f, p = json.loads(lines[0]), json.loads(lines[1])
assert f["removed"] == 1 and f["kept"] == 1, f
assert p["ok"] is True and p["dry_run"] is False, p
' "$T/json" 2>"$T/err"; then
	ok "--json: forget's object, then prune's, a line each"
else notok "--json: $(cat "$T/err" "$T/json")"; fi

# Killed (kill -9, strace) at unlinks and fsyncs of a forget --prune: the
# first unlinks remove snapshots, the later ones packs and segments.
# After each kill check passes and the same command run again finishes
# with the one kept snapshot restoring.  (Before index_merge_packs, the
# re-run after the kill at unlinkat 3, the first old index segment, lost
# the kept snapshot's pack in one run in three: a pack listed by the new
# and an old segment got two numbers, and prune deleted it as unused.)
if command -v strace >/dev/null; then
	kills=0 bad=0
	for sc in unlinkat:1 unlinkat:3 fsync:2 fsync:6 unlinkat:6; do
		name=${sc%%:*} k=${sc#*:}
		for i in 1 2; do
			head -c 1000000 /dev/urandom >"$S/f"
			tp backup -q -r "$R" "$S" >/dev/null 2>&1
		done
		cp "$S/f" "$T/last"
		printf '%s\n' "$PW" >"$T/pw"
		strace -f -qq -o /dev/null -e trace="$name" \
		    -e inject="$name:signal=KILL:when=$k" "$TACIT" forget -q \
		    -r "$R" --keep-last 1 --prune --passphrase-fd 3 3<"$T/pw" \
		    >/dev/null 2>&1 && { bad=$((bad + 1))
			echo "# the run to kill at $sc finished"; }
		kills=$((kills + 1))
		tp check -q -r "$R" >"$T/ck" 2>&1 || { bad=$((bad + 1))
			echo "# after a kill at $sc: $(cat "$T/ck")"; }
		tp forget -q -r "$R" --keep-last 1 --prune >"$T/re" 2>&1 || {
			bad=$((bad + 1)); echo "# re-run after $sc: $(cat "$T/re")"; }
		rm -rf "$T/out"
		tp restore -q -r "$R" latest --target "$T/out" >/dev/null 2>&1
		cmp -s "$T/last" "$T/out/src/f" || { bad=$((bad + 1))
			echo "# after $sc the kept snapshot does not restore"; }
		[ "$(count)" -eq 1 ] || { bad=$((bad + 1))
			echo "# after $sc: $(count) snapshots"; }
	done
	if [ "$bad" -eq 0 ]; then
		ok "$kills kills of forget --prune: check passes, a re-run finishes, the kept snapshot restores"
	else notok "$bad failures after $kills kills"; fi
else
	ok "# SKIP strace is missing: no kill points"
fi
