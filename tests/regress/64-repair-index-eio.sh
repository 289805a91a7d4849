#!/bin/sh
# 64-repair-index-eio.sh: repair index told a pack cannot be opened (an
# error injected at its open: EIO, EMFILE, EACCES) stops with exit 1 and
# leaves the index as it was.  It must not take the pack for damaged: the
# new index would leave out every blob of it, the old segments that name
# them would be removed, and the next prune would delete the pack as a
# leftover no segment names.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
R=$T/repo SRC=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$SRC"
head -c 300000 /dev/urandom >"$SRC/a"
tp backup -q -r "$R" "$SRC" || notok "setup: backup"
P=$(cd "$R" && ls packs/*/* | head -n 1)
ls "$R/index" | sort >"$T/seg.before"
for err in EIO EMFILE EACCES; do
	printf '%s\n' "$PW" >"$T/pw"
	strace -f -qq -o /dev/null -P "$P" -e trace=openat \
	    -e inject="openat:error=$err:syscall=getpid" \
	    "$TACIT" repair index -r "$R" --passphrase-fd 3 3<"$T/pw" \
	    >"$T/out.txt" 2>&1
	rc=$?
	ls "$R/index" | sort >"$T/seg.after"
	if [ "$rc" -eq 1 ] && cmp -s "$T/seg.before" "$T/seg.after" &&
	    grepq "cannot" "$T/out.txt"; then
		ok "repair index: $err opening a pack stops it, the index kept"
	else
		notok "repair index: $err opening a pack stops it, the index kept (exit $rc)"
		sed 's/^/#   /' "$T/out.txt"
	fi
	xcode 0 "after $err: check --read-data finds every blob" \
	    tp check -r "$R" --read-data
	cp "$T/seg.after" "$T/seg.before"
done
xcode 0 "prune afterwards keeps the pack" tp prune -r "$R"
if [ -f "$R/$P" ]; then ok "the pack is still there"
else notok "the pack is still there"; fi
rm -rf "$T/out"
xcode 0 "the snapshot restores" tp restore -q -r "$R" latest --target "$T/out"
if cmp -s "$SRC/a" "$T/out/src/a"; then ok "restored bit for bit"
else notok "restored bit for bit"; fi
rm -rf "$T"
