#!/bin/sh
# 42-filters.sh: snapshot filters as restic's.  snapshots --tag/--path
# list only what they select (--tag a,b: both; --tag a --tag b: either;
# --tag '': untagged; --path: among the snapshot's paths, each one given);
# latest and id prefixes resolve within them for ls and restore; a
# relative --path is a usage error; an ambiguous prefix lists its
# candidates (id, time, paths) and exits 1.
. "$(dirname "$0")/lib.sh"

R=$T/repo A=$T/a B=$T/b
mkrepo "$R" || notok "setup: init"
mkdir -p "$A" "$B"
# snap N PATHS... [--tag T]...: back up with a/f and b/f saying "vN".
snap() {
	n=$1
	shift
	echo "v$n" >"$A/f"
	echo "v$n" >"$B/f"
	tp backup -r "$R" "$@" --json >"$T/s$n.json" 2>"$T/s$n.err" ||
	    { notok "setup: backup $n"; sed 's/^/#   /' "$T/s$n.err"; }
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot"])' \
	    "$T/s$n.json" >"$T/id$n" 2>/dev/null
}
snap 1 "$A" --tag x
snap 2 "$B" --tag y
snap 3 "$A" "$B" --tag x --tag y
snap 4 "$A"
id() { cat "$T/id$1"; }

# sel DESC "N N..." ARGS...: snapshots ARGS lists exactly snapshots N...
sel() {
	desc=$1 want=$2
	shift 2
	tp snapshots -r "$R" --json "$@" >"$T/sel.json" 2>"$T/sel.err"
	rc=$?
	got=$(python3 -c 'import json,sys
print(" ".join(s["id"] for s in json.load(open(sys.argv[1]))))' \
	    "$T/sel.json" 2>/dev/null)
	exp=
	for n in $want; do exp="$exp${exp:+ }$(id "$n")"; done
	if [ "$rc" -eq 0 ] && [ "$got" = "$exp" ]; then ok "$desc"
	else notok "$desc (exit $rc)"
		sed 's/^/#   /' "$T/sel.err"
		echo "#   want $want: $exp"; echo "#   got $got"; fi
}
sel "snapshots --tag x: the snapshots tagged x" "1 3" --tag x
sel "snapshots --tag x,y: those with both" "3" --tag x,y
sel "snapshots --tag x --tag y: those with either" "1 2 3" --tag x --tag y
sel "snapshots --tag '': the untagged ones" "4" --tag ''
sel "snapshots --path A: those that have A among their paths" "1 3 4" \
    --path "$A"
sel "snapshots --path A --path B: those that have both" "3" \
    --path "$A" --path "$B"
sel "snapshots --path B/ (a slash at the end)" "2 3" --path "$B/"
sel "snapshots --path of a directory below A: none (exact paths)" "" \
    --path "$A/sub"
sel "snapshots --tag y --path A: both filters" "3" --tag y --path "$A"
tp snapshots -r "$R" --tag x >"$T/text.out" 2>&1
if [ "$(grep -c '\[' "$T/text.out")" -eq 2 ] &&
    grep -q "^$(id 1 | cut -c1-8) " "$T/text.out" &&
    grep -q "^$(id 3 | cut -c1-8) " "$T/text.out"; then
	ok "the text listing is filtered too"
else notok "the text listing is filtered too"
	sed 's/^/#   /' "$T/text.out"; fi
tp snapshots -r "$R" --path a >"$T/rel.out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q "not an absolute path" "$T/rel.out"; then
	ok "a relative --path is a usage error that says why"
else notok "a relative --path (exit $rc)"; sed 's/^/#   /' "$T/rel.out"; fi

# --- latest within the filters ----------------------------------------------
rm -rf "$T/dst"
tp restore -r "$R" latest --path "$B" --target "$T/dst" -q >"$T/r.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ "$(cat "$T/dst/b/f" 2>/dev/null)" = v3 ] &&
    [ "$(cat "$T/dst/a/f" 2>/dev/null)" = v3 ]; then
	ok "restore latest --path B restores the newest snapshot with B (3, not 4)"
else notok "restore latest --path B (exit $rc)"
	sed 's/^/#   /' "$T/r.out"; ls -R "$T/dst" 2>&1 | sed 's/^/#   /'; fi
rm -rf "$T/dst"
tp restore -r "$R" latest --tag x --target "$T/dst" -q >"$T/r.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ "$(cat "$T/dst/a/f" 2>/dev/null)" = v3 ]; then
	ok "restore latest --tag x restores snapshot 3, not the newer 4"
else notok "restore latest --tag x (exit $rc)"
	sed 's/^/#   /' "$T/r.out"; fi
tp ls -r "$R" latest --tag x --tag y --path "$A" --json >"$T/ls.json" \
    2>"$T/ls.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '"path":"/b/f"' "$T/ls.json"; then
	ok "ls latest --tag ... --path A lists snapshot 3 (it has /b)"
else notok "ls latest with filters (exit $rc)"
	sed 's/^/#   /' "$T/ls.err"; fi
xcode 1 "ls latest with a tag no snapshot has: exit 1" \
    tp ls -r "$R" latest --tag nope
if grep -q "no snapshot matches" "$T/.out"; then
	ok "and it says no snapshot matches"
else notok "and it says no snapshot matches"; sed 's/^/#   /' "$T/.out"; fi
xcode 1 "an id prefix the filters leave out: exit 1" \
    tp ls -r "$R" "$(id 2 | cut -c1-12)" --tag x
xcode 0 "an id prefix within the filters works" \
    tp ls -r "$R" "$(id 2 | cut -c1-12)" --tag y

# --- an ambiguous prefix lists its candidates -------------------------------
# Back up until two snapshots share their first hex digit (at most 17).
n=5
while :; do
	d=$(for i in $(seq 1 $((n - 1))); do id "$i" | cut -c1; done |
	    sort | uniq -d | head -n 1)
	[ -n "$d" ] || [ "$n" -gt 20 ] && break
	snap "$n" "$A"
	n=$((n + 1))
done
tp ls -r "$R" "$d" >"$T/amb.out" 2>&1
rc=$?
want=$(for i in $(seq 1 $((n - 1))); do id "$i"; done | grep "^$d")
missing=
for w in $want; do
	grep -q "^  $w  .*$T/" "$T/amb.out" || missing="$missing $w"
done
if [ -n "$d" ] && [ "$rc" -eq 1 ] && grep -q "ambiguous" "$T/amb.out" &&
    [ -z "$missing" ]; then
	ok "an ambiguous prefix: exit 1, each candidate listed with its paths"
else notok "an ambiguous prefix '$d' (exit $rc, missing:$missing)"
	sed 's/^/#   /' "$T/amb.out"; fi
tp log -r "$R" "$d" >"$T/amb2.out" 2>&1
rc=$?
if [ -n "$d" ] && [ "$rc" -eq 1 ] &&
    [ "$(grep -c "^  $d" "$T/amb2.out")" -eq "$(echo "$want" | wc -l)" ]; then
	ok "log lists the candidates of an ambiguous prefix too"
else notok "log with an ambiguous prefix (exit $rc)"
	sed 's/^/#   /' "$T/amb2.out"; fi
