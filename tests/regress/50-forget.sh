#!/bin/sh
# 50-forget.sh: tacit forget on real snapshots made at chosen times
# (backup --time).  The kept and removed sets, with the rules that keep
# each, are worked out by hand in the comments; the calendar is the zone
# of TZ; named snapshots (id prefixes, latest); refusal without a rule
# or a name (exit 2, nothing removed); --dry-run removes nothing; --tag
# and --path leave the others alone; --group-by; --keep-tag; --json;
# backup --time refuses a time that does not exist.  After the removals
# `check` passes and the remaining snapshots restore; a damaged snapshot
# is left alone (exit 14).
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

TZ=UTC
export TZ
R=$T/repo A=$T/a B=$T/b
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$A" "$B"

# snap TIME [ARGS]: a backup of $A (edited first) made at TIME; its id.
n=0
snap() {
	n=$((n + 1))
	t=$1
	shift
	printf '%s\n' "$n" >"$A/f"
	tp backup -q -r "$R" "$A" --time "$t" "$@" >/dev/null 2>&1 ||
	    notok "setup: backup at $t"
}
# idof TIME: the 8-digit id of the snapshot listed at TIME.
idof() { tp snapshots -r "$R" 2>/dev/null | awk -v t="$1" '$2 " " $3 == t { print $1 }'; }
count() { ls "$R/snapshots" | grep -vc '^\.'; }

snap "2024-01-01 10:00:00"
snap "2024-01-01 18:00:00"
snap "2024-01-02 10:00:00"
snap "2024-01-08 10:00:00"
snap "2024-02-15 10:00:00"
snap "2025-03-01 10:00:00"
if [ "$(idof "2024-01-01 18:00:00")" != "" ] && [ "$(count)" -eq 6 ]; then
	ok "backup --time: six snapshots listed at the times given"
else notok "backup --time: six snapshots listed at the times given"
	tp snapshots -r "$R" 2>&1 | sed 's/^/#   /'; fi
xcode 2 "backup --time refuses 2024-02-30" tp backup -r "$R" "$A" \
    --time "2024-02-30 10:00:00"
xcode 2 "backup --time refuses a time without seconds" tp backup -r "$R" \
    "$A" --time "2024-02-03 10:00"
xcode 2 "--time does not apply to snapshots" tp snapshots -r "$R" \
    --time "2024-02-03 10:00:00"

# --- refusals: nothing removed ------------------------------------------------
xcode 2 "forget with no rule and no snapshot refuses" tp forget -r "$R"
xcode 2 "forget --keep-within 0d (no rule) refuses" tp forget -r "$R" \
    --keep-within 0d
xcode 2 "forget --keep-within 3x refuses" tp forget -r "$R" --keep-within 3x
xcode 2 "forget --keep-last 0 refuses" tp forget -r "$R" --keep-last 0
xcode 2 "forget names and rules together refuses" tp forget -r "$R" latest \
    --keep-last 1
xcode 2 "forget --group-by host refuses" tp forget -r "$R" --keep-last 1 \
    --group-by host
xcode 2 "--keep-last does not apply to snapshots" tp snapshots -r "$R" \
    --keep-last 1
if [ "$(count)" -eq 6 ]; then ok "the refusals removed nothing"
else notok "the refusals removed snapshots ($(count) left)"; fi

# --- the policy, worked by hand -------------------------------------------------
# Newest first with daily 3, weekly 2, yearly 5:
#   2025-03-01 10:00  daily, weekly, yearly
#   2024-02-15 10:00  daily, weekly, yearly
#   2024-01-08 10:00  daily (weekly has run out)
#   2024-01-02 10:00  removed (daily run out, 2024 has its yearly)
#   2024-01-01 18:00  removed
#   2024-01-01 10:00  oldest yearly (yearly had 3 left at the oldest)
tp forget -r "$R" --keep-daily 3 --keep-weekly 2 --keep-yearly 5 --dry-run \
    >"$T/plan" 2>&1
rc=$?
cat >"$T/want" <<EOF
keep          $(idof "2025-03-01 10:00:00")  2025-03-01 10:00:00  daily, weekly, yearly
keep          $(idof "2024-02-15 10:00:00")  2024-02-15 10:00:00  daily, weekly, yearly
keep          $(idof "2024-01-08 10:00:00")  2024-01-08 10:00:00  daily
would remove  $(idof "2024-01-02 10:00:00")  2024-01-02 10:00:00  $A
would remove  $(idof "2024-01-01 18:00:00")  2024-01-01 18:00:00  $A
keep          $(idof "2024-01-01 10:00:00")  2024-01-01 10:00:00  oldest yearly
EOF
grep '^keep\|^would remove' "$T/plan" | sort >"$T/got"
sort "$T/want" >"$T/want.s"
if [ "$rc" -eq 0 ] && cmp -s "$T/got" "$T/want.s"; then
	ok "dry run: each snapshot kept with its rules, each removed named"
else notok "dry run: the plan differs (exit $rc; < got, > wanted)"
	diff "$T/got" "$T/want.s" | sed 's/^/#   /'
	sed 's/^/#   /' "$T/plan"; fi
if [ "$(count)" -eq 6 ]; then ok "--dry-run removed nothing"
else notok "--dry-run removed snapshots"; fi

# The zone is TZ's: in Tokyo (+9) 2024-01-01 18:00Z is 03:00 on Jan 2,
# the day of 2024-01-02 10:00Z (19:00), which is newer: daily 10 removes
# only the 18:00Z one.  In UTC every day has one: nothing goes.
TZ=Asia/Tokyo tp forget -r "$R" --keep-daily 10 --dry-run --json \
    >"$T/tokyo.json" 2>"$T/err"
tp forget -r "$R" --keep-daily 10 --dry-run --json >"$T/utc.json" 2>>"$T/err"
gone() {	# JSON FILE: the ids it would remove
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(s["id"][:8] for g in d["groups"] for s in g["remove"]))' "$1"
}
if [ "$(gone "$T/tokyo.json")" = "$(idof "2024-01-01 18:00:00")" ] &&
    [ "$(gone "$T/utc.json")" = "" ]; then
	ok "calendar days are those of TZ (Asia/Tokyo removes one, UTC none)"
else notok "calendar days are those of TZ: tokyo '$(gone "$T/tokyo.json")' utc '$(gone "$T/utc.json")'"
	sed 's/^/#   /' "$T/err"; fi

# JSON: the members, the reasons, and the kept count.
python3 - "$T/tokyo.json" >"$T/json.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["dry_run"] is True and d["kept"] == 5 and d["removed"] == 0, d
g = d["groups"]
assert len(g) == 1 and g[0]["paths"] and "tags" not in g[0], g
assert all(k["reasons"] for k in g[0]["keep"]), g
assert any(k["reasons"] == ["oldest daily"] for k in g[0]["keep"]) is False
assert [k["reasons"] for k in g[0]["keep"]][0] == ["daily"], g
assert all("reasons" not in k for k in g[0]["remove"])
PY
if [ $? -eq 0 ]; then ok "--json: groups, keep with reasons, remove, counts"
else notok "--json"; sed 's/^/#   /' "$T/json.out"; fi

# Now for real.
tp forget -r "$R" --keep-daily 3 --keep-weekly 2 --keep-yearly 5 \
    >"$T/real" 2>&1
rc=$?
left=$(tp snapshots -r "$R" 2>/dev/null | awk '$2 ~ /^20/ { print $2 " " $3 }' | tr '\n' ,)
if [ "$rc" -eq 0 ] && [ "$left" = "2024-01-01 10:00:00,2024-01-08 10:00:00,2024-02-15 10:00:00,2025-03-01 10:00:00," ] &&
    grepq "4 snapshots kept, 2 removed" "$T/real"; then
	ok "forget removed exactly the two the plan named"
else notok "forget: exit $rc, left $left"; sed 's/^/#   /' "$T/real"; fi
tp forget -r "$R" --keep-daily 3 --keep-weekly 2 --keep-yearly 5 \
    >"$T/again" 2>&1
if grepq "4 snapshots kept, 0 removed" "$T/again"; then
	ok "the same forget again removes nothing more"
else notok "the same forget again"; sed 's/^/#   /' "$T/again"; fi

# --- named snapshots ------------------------------------------------------------
before=$(count)
xcode 1 "forget of an unknown id fails" tp forget -r "$R" 00000000ff
x=$(idof "2024-01-08 10:00:00")
xcode 1 "forget of a known and an unknown id fails" tp forget -r "$R" "$x" \
    ffffffff00
if [ "$(count)" -eq "$before" ]; then ok "a failed forget removed nothing"
else notok "a failed forget removed something"; fi
check "forget ID-PREFIX" tp forget -q -r "$R" "$(echo "$x" | cut -c1-6)"
if [ "$(count)" -eq $((before - 1)) ] && [ -z "$(idof "2024-01-08 10:00:00")" ]
then ok "forget ID-PREFIX removed that snapshot only"
else notok "forget ID-PREFIX removed $((before - $(count)))"; fi
check "forget latest" tp forget -q -r "$R" latest
if [ -z "$(idof "2025-03-01 10:00:00")" ] && [ "$(count)" -eq $((before - 2)) ]
then ok "forget latest removed the newest"
else notok "forget latest"; fi

# --- --path, --tag, --group-by, --keep-tag ---------------------------------------
R=$T/repo2
mkrepo "$R" --parity 0
printf 'b\n' >"$B/g"
tp backup -q -r "$R" "$A" --time "2024-05-01 10:00:00" >/dev/null 2>&1
tp backup -q -r "$R" "$B" --time "2024-05-02 10:00:00" --tag x >/dev/null 2>&1
tp backup -q -r "$R" "$A" --time "2024-05-03 10:00:00" --tag keepme >/dev/null 2>&1
tp backup -q -r "$R" "$B" --time "2024-05-04 10:00:00" >/dev/null 2>&1
tp backup -q -r "$R" "$A" --time "2024-05-05 10:00:00" >/dev/null 2>&1
tp backup -q -r "$R" "$B" --time "2024-05-06 10:00:00" --tag x >/dev/null 2>&1
tp backup -q -r "$R" "$A" --time "2024-05-07 10:00:00" >/dev/null 2>&1
[ "$(count)" -eq 7 ] || notok "setup: seven snapshots of two sources"
a1=$(idof "2024-05-01 10:00:00") a3=$(idof "2024-05-03 10:00:00")
a5=$(idof "2024-05-05 10:00:00") a7=$(idof "2024-05-07 10:00:00")
b2=$(idof "2024-05-02 10:00:00") b4=$(idof "2024-05-04 10:00:00")
b6=$(idof "2024-05-06 10:00:00")
plan() { tp forget -r "$R" --dry-run "$@" 2>/dev/null |
    awk '$1 == "would" { print $3 }' | sort | tr '\n' ' '; }
want() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
# Grouped by paths: last 1 keeps a7 and b6.
if [ "$(plan --keep-last 1)" = "$(want "$a1" "$a3" "$a5" "$b2" "$b4")" ]; then
	ok "grouped by paths (default): --keep-last 1 keeps the newest of each"
else notok "grouped by paths: removes $(plan --keep-last 1)"; fi
if [ "$(plan --keep-last 1 --group-by none)" = "$(want "$a1" "$a3" "$a5" "$b2" "$b4" "$b6")" ]
then ok "--group-by none: one group, --keep-last 1 keeps a7 only"
else notok "--group-by none: removes $(plan --keep-last 1 --group-by none)"; fi
# By tags: {} a1 b4 a5 a7 | {x} b2 b6 | {keepme} a3.
if [ "$(plan --keep-last 1 --group-by tags)" = "$(want "$a1" "$b4" "$a5" "$b2")" ]
then ok "--group-by tags: the newest of each tag set"
else notok "--group-by tags: removes $(plan --keep-last 1 --group-by tags)"; fi
# --path B: only B's snapshots are looked at (b6 kept), A's untouched.
if [ "$(plan --keep-last 1 --path "$B")" = "$(want "$b2" "$b4")" ]; then
	ok "--path: only that path's snapshots are looked at"
else notok "--path: removes $(plan --keep-last 1 --path "$B")"; fi
# --tag x: b2 and b6; last 1 keeps b6.
if [ "$(plan --keep-last 1 --tag x)" = "$(want "$b2")" ]; then
	ok "--tag: only the tagged snapshots are looked at"
else notok "--tag: removes $(plan --keep-last 1 --tag x)"; fi
# --keep-tag keepme with last 1 per path: a3 stays too.
if [ "$(plan --keep-last 1 --keep-tag keepme)" = "$(want "$a1" "$a5" "$b2" "$b4")" ]
then ok "--keep-tag keeps the tagged snapshot beside the rules"
else notok "--keep-tag: removes $(plan --keep-last 1 --keep-tag keepme)"; fi
tp forget -r "$R" --keep-tag keepme --dry-run >"$T/kt" 2>&1
if grepq "keep    *$a3  2024-05-03 10:00:00  tag" "$T/kt"; then
	ok "--keep-tag: the reason printed is tag"
else notok "--keep-tag reason"; sed 's/^/#   /' "$T/kt"; fi
check "forget --path B --keep-last 1" tp forget -q -r "$R" --keep-last 1 \
    --path "$B"
if [ "$(count)" -eq 5 ] && [ -z "$(idof "2024-05-02 10:00:00")" ] &&
    [ -n "$(idof "2024-05-01 10:00:00")" ]; then
	ok "forget --path removed B's old snapshots, A's all stay"
else notok "forget --path left $(count)"; fi

# --- what is left is whole ------------------------------------------------------
check "check passes after forget" tp check -r "$R"
rm -rf "$T/out"
check "the remaining A snapshot restores" tp restore -q -r "$R" "$a1" \
    --target "$T/out"
if [ "$(cat "$T/out/a/f" 2>/dev/null)" != "" ]; then
	ok "its file is there"; else notok "its file is missing"; fi

# --- a damaged snapshot is left alone ---------------------------------------------
# (repo2 now holds a1 a3 a5 a7 b6; damage a3's file: it is left out of the
# policy and never removed; the rest as usual; exit 14.)
f=$(ls "$R/snapshots" | grep "^$a3")
flip "$R/snapshots/$f" 40
tp forget -r "$R" --keep-last 1 >"$T/dmg" 2>&1
rc=$?
if [ "$rc" -eq 14 ] && [ -e "$R/snapshots/$f" ] && [ "$(count)" -eq 3 ] &&
    grepq "damaged snapshot left alone" "$T/dmg"; then
	ok "a damaged snapshot is left alone (exit 14), the others forgotten"
else notok "a damaged snapshot: exit $rc, $(count) left"
	sed 's/^/#   /' "$T/dmg"; fi
