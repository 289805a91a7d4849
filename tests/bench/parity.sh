#!/bin/sh
# tests/bench/parity.sh TACIT SRC: the cost of parity (doc/format.md
# section 23), as markdown on stdout.  RUNS (default 3) runs of each, the
# two settings interleaved, medians: a first backup of SRC into a new
# repository with --parity 0 and with the default; a restore of it (to
# RESTORE_DIR, default /dev/shm); the repository's size and the parity's
# share of it; then, in the repository with parity, one 4 KiB sector
# zeroed in every pack, index segment and snapshot and `repair data`
# timed (MB/s of repository read).  The key slots use Argon2id at its
# floor, so the rows are not the KDF's.
set -eu
tacit=${1:?usage: parity.sh TACIT SRC}
src=${2:?usage: parity.sh TACIT SRC}
runs=${RUNS:-3}
dst=${RESTORE_DIR:-/dev/shm}
w=$(mktemp -d "${TMPDIR:-/var/tmp}/tacit-parity.XXXXXX")
rd=$(mktemp -d "$dst/tacit-parity.XXXXXX")
trap 'rm -rf "$w" "$rd"' EXIT
printf 'bench parity passphrase\n' >"$w/pw"
t() { "$tacit" "$@" --passphrase-fd 3 3<"$w/pw"; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
bytes() { du -sb "$1" | cut -f1; }
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

srcb=$(du -sb "$src" | cut -f1)
for i in $(seq 1 "$runs"); do
	for p in 0 3; do
		r=$w/r$p
		rm -rf "$r" "$rd/out"
		t init -q -r "$r" --parity "$p" --kdf-memory 64 \
		    --kdf-iterations 1 >/dev/null
		sync
		a=$(now); t backup -q -r "$r" "$src"; b=$(now)
		secs "$a" "$b" >>"$w/backup.$p"
		sync
		a=$(now); t restore -q -r "$r" latest --target "$rd/out"; b=$(now)
		secs "$a" "$b" >>"$w/restore.$p"
		bytes "$r" >"$w/size.$p"
	done
done
# repair data: a sector in every file of the repository with parity.
for f in "$w"/r3/packs/*/* "$w"/r3/index/* "$w"/r3/snapshots/*; do
	dd if=/dev/zero of="$f" bs=4096 seek=1 count=1 conv=notrunc 2>/dev/null
done
nf=$(find "$w/r3/packs" "$w/r3/index" "$w/r3/snapshots" -type f | wc -l)
sync
a=$(now); "$tacit" repair data -q -r "$w/r3" </dev/null; b=$(now)
rs=$(secs "$a" "$b")
t check -q --read-data -r "$w/r3" || echo "(check after repair data failed)"

mb() { echo "$srcb / $1 / 1000000" | bc -l | xargs printf '%.0f'; }
b0=$(med <"$w/backup.0") b3=$(med <"$w/backup.3")
r0=$(med <"$w/restore.0") r3=$(med <"$w/restore.3")
s0=$(cat "$w/size.0") s3=$(cat "$w/size.3")
echo "Source: $src, $srcb bytes; $runs runs, medians; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) at the end."
echo
echo "| | --parity 0 | --parity 3 (default) | cost |"
echo "|---|---:|---:|---:|"
printf '| first backup | %.2f s (%s MB/s) | %.2f s (%s MB/s) | %+.1f %% |\n' \
    "$b0" "$(mb "$b0")" "$b3" "$(mb "$b3")" "$(echo "($b3 - $b0) * 100 / $b0" | bc -l)"
printf '| restore | %.2f s (%s MB/s) | %.2f s (%s MB/s) | %+.1f %% |\n' \
    "$r0" "$(mb "$r0")" "$r3" "$(mb "$r3")" "$(echo "($r3 - $r0) * 100 / $r0" | bc -l)"
printf '| repository | %s bytes | %s bytes | %+.2f %% |\n' "$s0" "$s3" \
    "$(echo "($s3 - $s0) * 100 / $s0" | bc -l)"
echo
printf 'repair data, one sector zeroed in each of %s files (%s bytes): %.2f s, %.0f MB/s.\n' \
    "$nf" "$s3" "$rs" "$(echo "$s3 / $rs / 1000000" | bc -l)"
