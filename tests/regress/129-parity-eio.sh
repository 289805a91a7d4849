#!/bin/sh
# 129-parity-eio.sh: a bad sector reads as an error, not as zeros (issue
# 19).  A repository with the default parity; for a pack, an index
# segment and a snapshot, strace makes the read of that file (-P: only
# the calls on it) fail with EIO, and the first 4 KiB of it read again:
#  - check --read-data: the failing read is the one of its parity pass;
#    it exits 15 (repairable), naming the file and its unreadable piece
#    (with -v, the bytes of that piece);
#  - repair data (and for the pack repair data --verify-data): the same
#    read fails; it completes (exit 0), says the file was rewritten, and
#    check --read-data is clean after it;
#  - restore, the first reads of the file failing: bit for bit identical;
#  - only the whole read of the pack failing: every piece reads, check
#    is clean (exit 0) and says a read failed;
#  - every read of the pack failing from the parity pass on: beyond any
#    parity (exit 14), said so, and quickly (the piecewise read stops).
# Before, the EIO made the file "cannot read" (an error, exit 14), and
# restore failed on an index segment or snapshot it could not read.
# A real bad sector (device-mapper's error target) is not tested here:
# the kernels CI and the helpers run on have no dm-mod.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"
	exit 0
fi
printf '%s\n' "$PW" >"$T/pw"
R=$T/repo
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
same() {	# SRC: a restore of the latest snapshot, bit for bit
	[ "$(treesum "$T/dst/$(basename "$1")")" = "$(treesum "$1")" ]
}
# needpw ARGS...: whether tacit ARGS reads a passphrase (plain repair
# data refuses the passphrase options: it needs no key).
needpw() {
	case " $* " in
	*" repair data "*) case " $* " in *" --verify-data "*) ;; *) return 1 ;; esac ;;
	esac
	return 0
}
# whole_at FILE ARGS...: tacit ARGS traced on FILE only; the ordinal,
# among that process's pread64 calls on FILE, of its last read of all
# of FILE (one call of its size at offset 0); 0 if none.
whole_at() {
	_f=$1
	shift
	needpw "$@" && set -- "$@" --passphrase-fd 3
	env "$NOLEAK" strace -f -qq -o "$T/wt" -P "$_f" -e trace=pread64 \
	    "$TACIT" "$@" 3<"$T/pw" >/dev/null 2>&1
	awk -v s="$(fsize "$_f")" '/pread64\(/ { n[$1]++ }
	    /pread64\(/ && index($0, ", " s ", 0) = " s) { w = n[$1] }
	    END { print w + 0 }' "$T/wt"
}
# eio FILE WHEN ARGS...: tacit ARGS with the calls WHEN (strace's when=)
# of pread64 and of read on FILE failing with EIO; output in $T/.out.
eio() {
	_f=$1 _w=$2
	shift 2
	needpw "$@" && set -- "$@" --passphrase-fd 3
	env "$NOLEAK" strace -f -qq -o /dev/null -P "$_f" \
	    -e trace=pread64,read \
	    -e inject=pread64,read:error=EIO:syscall=getpid:when="$_w" \
	    "$TACIT" "$@" 3<"$T/pw" >"$T/.out" 2>&1
}

tk init -q -r "$R" $FAST >/dev/null 2>&1 || notok "setup: init"
mkdir -p "$T/src"
head -c 3000000 /dev/urandom >"$T/src/one"
seq 1 50000 >"$T/src/two"
tk backup -q -r "$R" "$T/src" || notok "setup: backup"
PK=$(ls "$R"/packs/*/*) IX=$(ls "$R"/index/*) SN=$(ls "$R"/snapshots/*)
[ -f "$PK" ] && [ -f "$IX" ] && [ -f "$SN" ] ||
    notok "setup: one pack, index segment, snapshot: $PK $IX $SN"

for kind in pack index snapshot; do
	case $kind in
	pack)	F=$PK first=1..3 ;;	# a blob, the whole pack, 4 KiB
	index)	F=$IX first=1..2 ;;	# the whole file, its first 4 KiB
	*)	F=$SN first=1..2 ;;
	esac
	name=$(basename "$F")
	sum=$(md5sum <"$F")

	w=$(whole_at "$F" check -r "$R" --read-data)
	[ "$w" -gt 0 ] || notok "setup: no read of all of $kind $name"
	eio "$F" "$w..$((w + 1))" check -r "$R" --read-data
	rc=$?
	[ $rc -eq 15 ] &&
	    grepq "$kind $name: 1 unreadable 4 KiB piece" "$T/.out" &&
	    grepq "$kind $name: damaged.*repairable" "$T/.out" &&
	    ok "$kind: EIO: check --read-data exits 15, names it and its unreadable piece" ||
	    notok "$kind: EIO: check --read-data exit $rc: $(cat "$T/.out")"

	eio "$F" "$w..$((w + 1))" check -r "$R" --read-data -v
	grepq "$kind $name: unreadable (I/O error): bytes 0 to 4095" \
	    "$T/.out" && ok "$kind: EIO: with -v, the bytes of the piece" ||
	    notok "$kind: EIO: -v: $(cat "$T/.out")"

	w=$(whole_at "$F" repair data -r "$R")
	[ "$w" -gt 0 ] || notok "setup: repair data reads no $kind"
	eio "$F" "$w..$((w + 1))" repair data -r "$R"
	rc=$?
	[ $rc -eq 0 ] && grepq "$kind $name: damaged.*rewritten" "$T/.out" &&
	    ok "$kind: EIO: repair data rewrites it (exit 0)" ||
	    notok "$kind: EIO: repair data exit $rc: $(cat "$T/.out")"
	xcode 0 "$kind: check --read-data is clean after the repair" \
	    tk check -r "$R" --read-data
	[ "$(md5sum <"$F")" = "$sum" ] &&
	    ok "$kind: the rewritten file is the file as written" ||
	    notok "$kind: the file changed"

	rm -rf "$T/dst"
	eio "$F" "$first" restore -r "$R" latest --target "$T/dst"
	rc=$?
	[ $rc -eq 0 ] && same "$T/src" &&
	    grepq "$kind $name: 1 unreadable 4 KiB piece" "$T/.out" &&
	    ok "$kind: EIO: restore is bit for bit identical, and says why" ||
	    notok "$kind: EIO: restore exit $rc: $(cat "$T/.out")"
done

# repair data --verify-data proves the pack it rewrites.
w=$(whole_at "$PK" repair data -r "$R" --verify-data)
eio "$PK" "$w..$((w + 1))" repair data -r "$R" --verify-data
rc=$?
[ $rc -eq 0 ] && grepq "rewritten from its parity and proven" "$T/.out" &&
    ok "pack: EIO: repair data --verify-data rewrites it, proven (exit 0)" ||
    notok "pack: EIO: repair data --verify-data exit $rc: $(cat "$T/.out")"
xcode 0 "pack: check --read-data is clean after it" \
    tk check -r "$R" --read-data

# Only the read of the whole pack fails (a read error the disk gets past
# on the next try): every piece reads, nothing is damaged (exit 0), and
# the failed read is said.
w=$(whole_at "$PK" check -r "$R" --read-data)
eio "$PK" "$w" check -r "$R" --read-data
rc=$?
[ $rc -eq 0 ] && grepq "pack $(basename "$PK"): a read of it failed (I/O error), but every 4 KiB piece read again" "$T/.out" &&
    ok "one failed read, every piece read again: clean (exit 0), said so" ||
    notok "one failed read: exit $rc: $(cat "$T/.out")"

# Every read of the pack fails from the parity pass on: it stops reading
# at half the file (no file with parity survives more), beyond it.
w=$(whole_at "$PK" check -r "$R" --read-data)
eio "$PK" "$w+" check -r "$R" --read-data
rc=$?
[ $rc -eq 14 ] && grepq "pack $(basename "$PK"): more than .* bytes unreadable.*beyond any parity" "$T/.out" &&
    ok "all of the pack unreadable: beyond any parity (exit 14)" ||
    notok "all unreadable: exit $rc: $(cat "$T/.out")"

# Without parity a bad sector is a read error, not zeros: in a
# repository made with --parity 0, the whole read of the pack failing
# (and its pieces) makes repair data stop naming the I/O error (exit 1),
# not pass the file as one "without parity" (it did, exit 0), and the
# restore says I/O error, not "damaged or tampered with".
R0=$T/r0
tk init -q -r "$R0" $FAST --parity 0 >/dev/null 2>&1 || notok "setup: init --parity 0"
tk backup -q -r "$R0" "$T/src" || notok "setup: backup --parity 0"
PK0=$(ls "$R0"/packs/*/*)
w=$(whole_at "$PK0" repair data -r "$R0")
if [ "$w" -gt 0 ]; then
	eio "$PK0" "$w..$((w + 1))" repair data -r "$R0"
	rc=$?
	[ $rc -eq 1 ] && grepq "cannot read: Input/output error" "$T/.out" &&
	    ok "--parity 0: EIO: repair data stops naming the read error (exit 1)" ||
	    notok "--parity 0: EIO: repair data exit $rc: $(cat "$T/.out")"
else
	notok "setup: repair data reads no pack (--parity 0)"
fi
rm -rf "$T/dst"
eio "$PK0" "1..2" restore -r "$R0" latest --target "$T/dst"
rc=$?
[ $rc -ne 0 ] && grepq "Input/output error" "$T/.out" &&
    ! grepq "tampered" "$T/.out" &&
    ok "--parity 0: EIO: restore names the I/O error (exit $rc)" ||
    notok "--parity 0: EIO: restore exit $rc: $(cat "$T/.out")"
