#!/bin/sh
# 143-heal-once.sh: a reader repairs a damaged pack in memory once, not
# again each time it comes back to it (pack.c keeps the repaired copy
# until another pack needs one).  Two backups of one directory: the
# first writes its even files, the second adds the odd ones, so a
# restore of the second snapshot goes back and forth between the two
# packs file by file (each file has a hard link in h/, so restore reads
# it alone, not in a batch of one-chunk files).  One 4 KiB sector of the first pack's data is
# zeroed: the restore says once that it repaired that pack (with the
# copy dropped at each change of pack it repaired it again for every
# second file), the files come back bit for bit and the pack on disk is
# unchanged (a reader never writes the repository).
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/d" "$S/h"
mk() {	# mk FIRST: the files FIRST, FIRST+2, ... below 400
	awk -v d="$S/d" -v a="$1" 'BEGIN {
		for (i = a; i < 400; i += 2) {
			f = sprintf("%s/f%04d", d, i)
			for (k = 0; k < 30; k++)
				printf "%d: line %d of file %d, %d\n", \
				    k * i, k, i, i * i + k >f
			close(f)
			system("ln " f " " d "/../h/")
		}
	}'
}
mk 0 && tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup 1"
find "$R/packs" -type f | sort >"$T/packs1"
mk 1 && tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup 2"
# The first backup's largest pack holds the even files' data.
A=$(xargs ls -S <"$T/packs1" | head -n 1)
sz=$(stat -c %s "$A")
if [ "$sz" -lt 65536 ]; then notok "setup: pack of $sz bytes"; exit 0; fi
dd if=/dev/zero of="$A" bs=4096 seek=4 count=1 conv=notrunc 2>/dev/null
cksum "$A" >"$T/before"

xcode 0 "restore of the snapshot that alternates packs" \
    tp restore -r "$R" latest --target "$T/out"
n=$(grep -c "repaired in memory" "$T/.out")
[ "$n" -eq 1 ] && ok "the pack was repaired once" ||
    { notok "the pack was repaired once (said $n times)"; head -n 3 "$T/.out" | sed 's/^/#   /'; }
(cd "$S" && find . -type f -exec cksum {} + | sort) >"$T/want"
(cd "$T/out/src" && find . -type f -exec cksum {} + | sort) >"$T/got" 2>&1
cmp -s "$T/want" "$T/got" && [ "$(wc -l <"$T/got")" -eq 800 ] &&
    ok "the 400 files and their links restored bit for bit" ||
    notok "the 400 files and their links restored bit for bit"
cksum "$A" | cmp -s - "$T/before" && ok "the damaged pack is unchanged on disk" ||
    notok "the damaged pack is unchanged on disk"
