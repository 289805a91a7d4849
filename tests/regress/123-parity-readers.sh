#!/bin/sh
# 123-parity-readers.sh: every reader repairs in memory, not only restore
# (issue 19: "Restore, ls, mount and copy repair on the fly").  A
# repository with the default parity gets one 4 KiB sector zeroed in the
# middle of the data of every pack, index segment and snapshot file (one
# burst a file: within the guarantee of doc/format.md section 23.6).  Then
# ls lists every file, find finds one, dump gives a file back bit for bit
# and says it repaired in memory, copy to a second repository (with
# parity, and without) gives snapshots that restore bit for bit there, and a mount (root, /dev/fuse)
# reads the file bit for bit; none of them writes to the damaged
# repository.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src D=$T/dst
printf '%s\n' "$PW" >"$T/pw"
tk() { "$TACIT" "$@" --passphrase-fd 3 3<"$T/pw"; }
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/d"
head -c 3000000 /dev/urandom >"$S/d/big"
for i in 1 2 3 4 5 6; do seq "$i" 20000 >"$S/d/f$i"; done
tk backup -q -r "$R" "$S" >/dev/null || notok "setup: backup"
nfiles=$(find "$S" -type f | wc -l)

# Zero 4 KiB in the middle of each file's data (L from the parity head
# at the file's end, section 23.4; a file without one is not damaged).
python3 - "$R" <<'PYEOF' >"$T/damaged" || notok "setup: damage"
import os, struct, sys
n = 0
for d in ("packs", "index", "snapshots"):
    for root, _, files in os.walk(os.path.join(sys.argv[1], d)):
        for name in files:
            p = os.path.join(root, name)
            f = open(p, "r+b")
            f.seek(-56, 2)
            head = f.read(24)
            if head[:8] != b"TACITPAR":
                continue
            L = struct.unpack("<Q", head[16:24])[0]
            off = max(0, L // 2 - 2048)
            f.seek(off)
            f.write(bytes(min(4096, L - off)))
            n += 1
print(n)
PYEOF
[ "$(cat "$T/damaged")" -ge 3 ] || notok "setup: fewer than 3 files with parity ($(cat "$T/damaged"))"
sums() { find "$R" -type f ! -name lock -exec sha256sum {} + | sort; }
sums >"$T/before"

tk ls -r "$R" latest >"$T/ls" 2>"$T/ls.err"
rc=$?
if [ $rc = 0 ] && [ "$(grep -c '^-' "$T/ls")" -eq "$nfiles" ] &&
    grepq "repaired in memory" "$T/ls.err"; then
	ok "ls lists every file of the damaged repository, repaired in memory (said so)"
else notok "ls (exit $rc, $(grep -c '^-' "$T/ls") of $nfiles files)"; sed 's/^/#   /' "$T/ls.err"; fi

tk find -r "$R" 'f3' >"$T/find" 2>&1
rc=$?
if [ $rc = 0 ] && grepq "/d/f3" "$T/find"; then ok "find finds a file"
else notok "find (exit $rc)"; sed 's/^/#   /' "$T/find"; fi

tk dump -r "$R" latest /src/d/big >"$T/big" 2>"$T/dump.err"
rc=$?
if [ $rc = 0 ] && cmp -s "$T/big" "$S/d/big"; then
	ok "dump gives the file back bit for bit"
else notok "dump (exit $rc)"; sed 's/^/#   /' "$T/dump.err"; fi

printf '%s\n' "$PW" >"$T/pw2"
mkrepo "$D" || notok "setup: init DST"
tk copy -r "$R" --to "$D" --to-passphrase-fd 4 4<"$T/pw2" >"$T/copy" 2>&1
rc=$?
tk restore -q -r "$D" latest --target "$T/out" >"$T/rs" 2>&1
rc2=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] && [ "$(treesum "$T/out/src")" = "$(treesum "$S")" ]; then
	ok "copy from the damaged repository: its snapshot restores bit for bit from DST"
else notok "copy (exit $rc), restore from DST (exit $rc2)"; sed 's/^/#   /' "$T/copy" "$T/rs"; fi

# DST without parity: SRC is still read with its own (the setting in
# use is DST's once both are open).
D0=$T/dst0
mkrepo "$D0" --parity 0 || notok "setup: init DST without parity"
tk copy -r "$R" --to "$D0" --to-passphrase-fd 4 4<"$T/pw2" >"$T/copy0" 2>&1
rc=$?
tk restore -q -r "$D0" latest --target "$T/out0" >"$T/rs0" 2>&1
rc2=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] && [ "$(treesum "$T/out0/src")" = "$(treesum "$S")" ]; then
	ok "copy into a repository without parity repairs SRC all the same"
else notok "copy into a repository without parity (exit $rc), restore (exit $rc2)"; sed 's/^/#   /' "$T/copy0" "$T/rs0"; fi

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	ok "mount reads the file bit for bit # SKIP needs root, /dev/fuse and fusermount3"
else
	M=$T/mnt
	mkdir -p "$M"
	trap 'umount -l "$M" 2>/dev/null' EXIT
	tk mount -r "$R" "$M" >"$T/m.out" 2>&1 &
	mp=$!
	i=0
	while [ ! -e "$M/latest" ] && kill -0 $mp 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1; i=$((i + 1)); done
	if cmp -s "$M/latest/src/d/big" "$S/d/big" && cmp -s "$M/latest/src/d/f5" "$S/d/f5"; then
		ok "mount reads the files bit for bit"
	else notok "mount reads the files bit for bit"; fi
	kill -TERM $mp 2>/dev/null
	wait $mp
	if grepq "repaired in memory" "$T/m.out"; then ok "mount said it repaired in memory"
	else notok "mount said it repaired in memory"; sed 's/^/#   /' "$T/m.out"; fi
fi

sums >"$T/after"
if cmp -s "$T/before" "$T/after"; then ok "no reader wrote to the damaged repository"
else notok "no reader wrote to the damaged repository"; diff "$T/before" "$T/after" | sed 's/^/#   /'; fi
