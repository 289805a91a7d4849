#!/bin/sh
# 130-dupmeta-damage.sh: P9, issue 19: the header, the config and every
# key slot exist twice (doc/format.md section 2.1).  A 4 KiB sector of
# zeros over `header`, `config` or the only key slot (or the file gone,
# or the copy in copy/ damaged instead) costs nothing: the repository
# unlocks, backs up and restores bit for bit; each command names the
# damaged copy; check exits 14 naming it and `repair metadata`; `repair
# metadata` rewrites it from the good copy (same bytes again), after which
# check is clean.  Both copies damaged: the error of format 1 (no copy).
. "$(dirname "$0")/lib.sh"

R=$T/orig W=$T/work S=$T/src
mkdir -p "$S/d" && head -c 300000 /dev/urandom >"$S/d/a" &&
    printf 'hello\n' >"$S/b"
mkrepo "$R" || notok "setup: init"
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"
SL=$(slots "$R")

# zero4k FILE: a 4 KiB sector of zeros over FILE, from its start (the
# file is smaller: it becomes 4096 zero bytes, as a bad sector reads).
zero4k() { dd if=/dev/zero of="$1" bs=4096 count=1 conv=notrunc 2>/dev/null; }

# case DESC FILE DAMAGE: on a fresh copy of $R, DAMAGE (a command) FILE,
# then every step must hold.
case_() {
	cd_=$1 f=$2 dmg=$3
	rm -rf "$W" "$T/dst" && cp -a "$R" "$W"
	$dmg "$W/$f"
	xcode 0 "$cd_: the repository unlocks (snapshots)" tp snapshots -r "$W"
	grep -q "$W/$f is missing or damaged" "$T/.out" &&
	    ok "$cd_: and names $f" ||
	    { notok "$cd_: and names $f"; sed 's/^/#   /' "$T/.out"; }
	xcode 0 "$cd_: restore works" tp restore -r "$W" latest --target "$T/dst"
	[ "$(treesum "$T/dst/src")" = "$(treesum "$S")" ] &&
	    ok "$cd_: and is bit for bit" || notok "$cd_: and is bit for bit"
	printf 'more\n' >"$S/c"
	xcode 0 "$cd_: a backup works" tp backup -q -r "$W" "$S"
	rm "$S/c"
	xcode 14 "$cd_: check exits 14" tp check -r "$W"
	grep -q "$W/$f is missing or damaged" "$T/.out" &&
	    grep -q "repair metadata" "$T/.out" &&
	    ok "$cd_: check names $f and 'repair metadata'" ||
	    { notok "$cd_: check names $f and 'repair metadata'"
		sed 's/^/#   /' "$T/.out"; }
	xcode 0 "$cd_: repair metadata exits 0" tp repair metadata -r "$W"
	case $f in copy/*) g=${f#copy/} ;; *) g=copy/$f ;; esac
	cmp -s "$W/$f" "$W/$g" && ok "$cd_: $f is again the bytes of $g" ||
	    notok "$cd_: $f is again the bytes of $g"
	xcode 0 "$cd_: check is clean after the repair" tp check -r "$W"
	grep -q "missing or damaged" "$T/.out" &&
	    notok "$cd_: nothing named after the repair"
}

case_ "header zeroed" header zero4k
case_ "config zeroed" config zero4k
case_ "the only key slot zeroed" "keys/$SL" zero4k
case_ "header removed" header "rm -f"
case_ "config removed" config "rm -f"
case_ "the only key slot's copy zeroed" "copy/keys/$SL" zero4k
case_ "the header's copy zeroed" copy/header zero4k
case_ "the config's copy removed" copy/config "rm -f"

# A flipped byte in the wrapped key: both copies decode, they differ; the
# one that opens is the good one.
flipwrap() { flip "$1" 60; }
case_ "the only key slot's wrapped key flipped" "keys/$SL" flipwrap

# All three first copies at once.
rm -rf "$W" && cp -a "$R" "$W"
zero4k "$W/header"; zero4k "$W/config"; zero4k "$W/keys/$SL"
xcode 0 "header, config and key slot zeroed at once: restore works" \
    tp restore -r "$W" latest --target "$T/all"
xcode 14 "and check exits 14" tp check -r "$W"
[ "$(grep -c "is missing or damaged" "$T/.out")" -eq 3 ] &&
    ok "and names the three" || { notok "and names the three"
	sed 's/^/#   /' "$T/.out"; }
xcode 0 "repair metadata rewrites all three" tp repair metadata -r "$W"
xcode 0 "then check is clean" tp check -r "$W"

# Both copies of the header damaged: format 1's errors.
rm -rf "$W" && cp -a "$R" "$W"
zero4k "$W/header"; zero4k "$W/copy/header"
xcode 10 "both copies of the header zeroed: not a repository (10)" \
    tp snapshots -r "$W"
rm -rf "$W" && cp -a "$R" "$W"
zero4k "$W/config"; rm "$W/copy/config"
xcode 14 "both copies of the config lost: damaged (14)" tp snapshots -r "$W"
rm -rf "$W" && cp -a "$R" "$W"
zero4k "$W/keys/$SL"; zero4k "$W/copy/keys/$SL"
xcode 14 "both copies of the only slot zeroed: no usable slot (14)" \
    tp snapshots -r "$W"
