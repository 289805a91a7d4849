#!/bin/sh
# 72-tag-full.sh: tacit tag on a full disk (issue 16).  A repository on a
# small tmpfs, filled to the last byte: `tag` exits 1 with one message
# that says the disk is full and that the snapshot keeps its old tags; the
# snapshot file is unchanged, no temporary is left, check passes; once
# there is room the same command succeeds.  Also ENOSPC and EIO injected
# (strace) at the write, fsync and rename of the new snapshot: exit 1, one
# clear message, the old snapshot kept, check passes.
if [ -z "${TACIT_FULL_NS:-}" ] &&
    unshare -m --propagation private true 2>/dev/null; then
	TACIT_FULL_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

printf '%s\n' "$PW" >"$T/pw"
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
SRC=$T/src
mkdir -p "$SRC"
echo "some data" >"$SRC/f"

# judge DESC FILE RC RE: exit 1 and exactly one line, an error matching RE.
judge() {
	if [ "$3" -eq 1 ] && [ "$(wc -l <"$2")" -eq 1 ] &&
	    grep -q "^tacit: error: $4" "$2"; then
		ok "$1: exit 1, one message"
	else notok "$1: exit $3 (wanted 1 and one message: $4)"
		sed 's/^/#   /' "$2"; fi
}
# same DIR: the snapshots of DIR are as they were ($T/snaps.before).
same() {
	(cd "$1/snapshots" && ls -a | grep -v '^\.\.\?$' | xargs cksum) \
	    >"$T/snaps.now" 2>/dev/null
	cmp -s "$T/snaps.before" "$T/snaps.now"
}
snapsum() {
	(cd "$1/snapshots" && ls -a | grep -v '^\.\.\?$' | xargs cksum) \
	    >"$T/snaps.before"
}
FULL="snapshot [0-9a-f]*: the repository's disk is full; the snapshot is kept as it was, with its old tags"

# --- faults injected at the new snapshot's write, fsync and rename ----------
# Which calls touch snapshots/ (by number, per process): from one traced run.
if command -v strace >/dev/null; then
	R=$T/repo W=$T/w
	mkrepo "$R" || notok "setup: init"
	tk backup -q -r "$R" "$SRC" >/dev/null || notok "setup: backup"
	rm -rf "$W"
	cp -a "$R" "$W"
	env "$NOLEAK" strace -f -qq -y -o "$T/cal" \
	    -e trace=write,fsync,renameat2 "$TACIT" tag -r "$W" latest \
	    --add x --passphrase-fd 3 3<"$T/pw" >/dev/null 2>&1 ||
	    notok "setup: traced tag"
	awk -v r="$W/snapshots" '{ split($2, a, "("); n[$1 " " a[1]]++ }
	    index($0, r) { print a[1], n[$1 " " a[1]] }' "$T/cal" >"$T/calls"
	[ "$(wc -l <"$T/calls")" -ge 5 ] ||
	    notok "only $(wc -l <"$T/calls") calls on snapshots/ in the trace"
	while read -r sc k; do
		for e in ENOSPC EIO; do
			rm -rf "$W"
			cp -a "$R" "$W"
			snapsum "$W"
			env "$NOLEAK" strace -f -qq -o /dev/null \
			    -e trace="$sc" \
			    -e inject="$sc:error=$e:syscall=getpid:when=$k" \
			    "$TACIT" tag -r "$W" latest --add x \
			    --passphrase-fd 3 3<"$T/pw" >"$T/f.out" 2>&1
			rc=$?
			n=$(ls "$W/snapshots" | grep -vc '^\.')
			if grep -q "the removal of the old one may not be durable" \
			    "$T/f.out"; then
				# The directory's fsync after the unlink.
				judge "$e at $sc #$k" "$T/f.out" "$rc" \
				    "snapshot [0-9a-f]* is now [0-9a-f]*, but the removal of the old one may not be durable"
				[ "$n" -eq 1 ] && ok "$e at $sc #$k: the new snapshot only" ||
				    notok "$e at $sc #$k: $n snapshots"
			elif grep -q "is in place but may not be durable" "$T/f.out"
			then
				# The directory's fsync after the rename: both.
				judge "$e at $sc #$k" "$T/f.out" "$rc" \
				    "snapshot [0-9a-f]*: its copy with the new tags is in place but may not be durable"
				[ "$n" -eq 2 ] && ok "$e at $sc #$k: old and new are both there" ||
				    notok "$e at $sc #$k: $n snapshots"
			else
				case $e in
				ENOSPC) re=$FULL ;;
				*) re="snapshot [0-9a-f]*: cannot write its new copy ([a-z]*: Input/output error); the snapshot is kept as it was" ;;
				esac
				judge "$e at $sc #$k" "$T/f.out" "$rc" "$re"
				same "$W" && ok "$e at $sc #$k: the snapshots are as they were" ||
				    notok "$e at $sc #$k: the snapshots changed"
			fi
			xcode 0 "$e at $sc #$k: check passes" tk check -r "$W"
		done
	done <"$T/calls"
else
	ok "# SKIP strace is missing: no injected faults"
fi

# --- a real small disk, filled ----------------------------------------------
M=$T/mnt
mkdir -p "$M"
if ! mount -t tmpfs -o size=4m tmpfs "$M" 2>/dev/null; then
	ok "# SKIP cannot mount a tmpfs here (a real full disk)"
	exit 0
fi
trap 'umount -l "$M" 2>/dev/null' EXIT
mkrepo "$M/repo" || notok "setup: init on the small disk"
tk backup -q -r "$M/repo" "$SRC" >/dev/null || notok "setup: backup"
tk backup -q -r "$M/repo" "$SRC" >/dev/null || notok "setup: backup 2"
dd if=/dev/zero of="$M/fill" bs=4096 2>/dev/null
snapsum "$M/repo"
tk tag -r "$M/repo" latest --add full >"$T/f.out" 2>&1
judge "tag onto the full disk" "$T/f.out" $? "$FULL"
same "$M/repo" && ok "the full disk: the snapshots are as they were" ||
    notok "the full disk: the snapshots changed"
left=$(find "$M/repo" -name '.tmp-*' | wc -l)
[ "$left" -eq 0 ] && ok "no temporary file left on the full disk" ||
    notok "$left temporary files left on the full disk"
xcode 0 "check passes on the full disk" tk check -r "$M/repo"
rm -f "$M/fill"
tk tag -r "$M/repo" latest --add full >"$T/f.out" 2>&1 &&
    [ "$(tk snapshots -q -r "$M/repo" --tag full | wc -l)" -eq 1 ] &&
    ok "with room again, the same command succeeds" ||
    { notok "with room again, the tag fails"; sed 's/^/#   /' "$T/f.out"; }
xcode 0 "and check passes" tk check -r "$M/repo"
umount "$M"
