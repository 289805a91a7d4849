#!/bin/sh
# tests/bench/privsep.sh PAIR INPROC: what privilege separation costs.  The
# same backup and restore with the real binary (keyholder + sandboxed
# worker, every id and seal over the socket) and with a bench-only build
# that runs the same data path in one process, alternated, several runs,
# medians and their ratio.  Data: $PRIVSEP_SRC when set (make bench passes
# one of its data sets), else the Linux tree under /var/tmp/tacit-bench-data
# when it has been built, otherwise a generated 512 MiB mix.  Reported only.
set -eu
pair=${1:?usage: privsep.sh PAIR INPROC}
inproc=${2:?usage: privsep.sh PAIR INPROC}
runs=${RUNS:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
d=$top/build/bench-privsep
# Restores go to RAM when there is a /dev/shm: this VM's ext4 slows down
# file creation after mass deletion (see ../shared/bench/README.md).
out=$d/out
[ -d /dev/shm ] && out=$(mktemp -d /dev/shm/tacit-bench.XXXXXX)
rm -rf "$d"
mkdir -p "$d"
trap 'rm -rf "$d" "$out"' EXIT
printf 'bench passphrase\n' >"$d/pw"
src=${PRIVSEP_SRC:-/var/tmp/tacit-bench-data/ds/linux/linux-source-6.1}
if [ ! -d "$src" ]; then
	src=$d/data
	mkdir -p "$src/text"
	head -c 268435456 /dev/urandom >"$src/random.bin"
	i=0
	while [ $i -lt 2000 ]; do
		seq $((i * 1000)) $((i * 1000 + 6000)) >"$src/text/f$i.txt"
		i=$((i + 1))
	done
	dd if=/dev/zero of="$src/zeros" bs=1M count=200 2>/dev/null
fi
bytes=$(du -sb "$src" | cut -f1)
find "$src" -type f -exec cat {} + >/dev/null	# warm the page cache

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t() {	# label-file, command...
	f=$1
	shift
	s=$(now)
	"$@" >/dev/null 2>&1
	e=$(now)
	awk "BEGIN {print $e - $s}" >>"$d/$f"
}

for bin in pair inproc; do : >"$d/$bin.backup"; : >"$d/$bin.restore"; done
i=0
while [ $i -lt "$runs" ]; do
	for bin in pair inproc; do
		eval "exe=\$$bin"
		rm -rf "$d/repo" "$out"
		"$exe" init -q -r "$d/repo" --kdf-memory 64 --kdf-iterations 1 \
		    --passphrase-fd 3 3<"$d/pw" >/dev/null
		t "$bin.backup" "$exe" backup -q -r "$d/repo" "$src" \
		    --passphrase-fd 3 3<"$d/pw"
		t "$bin.restore" "$exe" restore -q -r "$d/repo" latest \
		    --target "$out" --passphrase-fd 3 3<"$d/pw"
	done
	i=$((i + 1))
done
pb=$(median <"$d/pair.backup")
ib=$(median <"$d/inproc.backup")
pr=$(median <"$d/pair.restore")
ir=$(median <"$d/inproc.restore")
echo
echo "cost of privilege separation, median of $runs runs, $src"
echo "($(awk "BEGIN {printf \"%.0f\", $bytes / 1048576}") MiB)"
echo
echo "| step | pair s | one process s | pair / one process |"
echo "|---|---:|---:|---:|"
awk -v a="$pb" -v b="$ib" 'BEGIN {printf "| backup | %.2f | %.2f | %.3f |\n", a, b, a / b}'
awk -v a="$pr" -v b="$ir" 'BEGIN {printf "| restore | %.2f | %.2f | %.3f |\n", a, b, a / b}'
