#!/bin/sh
# 61-prune-readdir.sh: a directory listing that fails (EIO from
# getdents64, injected with strace) is an error, never a short list.
# snapshots/ unreadable: prune stops with exit 1 and deletes nothing (it
# took the snapshots as none and deleted every pack), and so does forget
# --prune.  index/ unreadable: both stop the same way.  Afterwards check
# --read-data passes and the snapshot restores bit for bit.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing"; exit 0; fi
R=$T/repo SRC=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$SRC"
head -c 300000 /dev/urandom >"$SRC/a"
tp backup -q -r "$R" "$SRC" || notok "setup: backup"
echo b >"$SRC/b"
tp backup -q -r "$R" "$SRC" || notok "setup: second backup"
R=$(cd "$R" && pwd -P)
printf '%s\n' "$PW" >"$T/pw"
(cd "$R" && find packs -type f | sort) >"$T/packs.before"

# eio DIR ARGS...: tacit ARGS with getdents64 on $R/DIR failing (EIO).
eio() {
	d=$1
	shift
	strace -f -qq -o /dev/null -P "$R/$d" -e trace=getdents64 \
	    -e inject=getdents64:error=EIO:syscall=getpid \
	    "$TACIT" "$@" -r "$R" --passphrase-fd 3 3<"$T/pw" >"$T/out.txt" 2>&1
}

for d in snapshots index; do
	for cmd in prune "forget --keep-last 2 --prune"; do
		eio "$d" $cmd
		rc=$?
		(cd "$R" && find packs -type f | sort) >"$T/packs.after"
		if [ "$rc" -eq 1 ] && cmp -s "$T/packs.before" \
		    "$T/packs.after" && grepq "$d" "$T/out.txt"; then
			ok "$cmd: EIO listing $d/ stops it, no pack deleted"
		else
			notok "$cmd: EIO listing $d/ stops it, no pack deleted (exit $rc)"
			sed 's/^/#   /' "$T/out.txt"
		fi
	done
done
xcode 0 "check --read-data passes" tp check -r "$R" --read-data
n=$(ls "$R/snapshots" | grep -c "^[0-9a-f]")
if [ "$n" -eq 2 ]; then ok "both snapshots are still there"
else notok "both snapshots are still there ($n)"; fi
S1=$(tp snapshots -r "$R" 2>/dev/null | sed -n '1s/ .*//p')
rm -rf "$T/out"
xcode 0 "the first snapshot restores" \
    tp restore -q -r "$R" "$S1" --target "$T/out"
if cmp -s "$SRC/a" "$T/out/src/a"; then ok "restored bit for bit"
else notok "restored bit for bit"; fi
rm -rf "$T"
