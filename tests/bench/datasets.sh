#!/bin/bash
# tests/bench/datasets.sh [NAME...]: build the benchmark data sets under
# $BENCH_DATA (default /var/tmp/tacit-bench-data, outside the repository),
# deterministically, and reuse what is there when its digest still matches.
#
#   linux    ds/linux/linux-source-6.1/   Debian's linux-source-6.1 tree
#   random   ds/random/random.bin         RANDOM_MIB of AES-256-CTR keystream
#   small    ds/small/                    SMALL_FILES files of 0-8 KiB
#   vmimage  ds/vmimage/disk.img          VM_MIB sparse image (random, text,
#                                         zero segments)
#   tiny     ds/tiny/                     5000 small files (~20 MB), to try
#                                         the harness quickly
# and for the "small change" step: mod/random.bin (1 MiB overwritten) and
# mod/vmimage.img (10 insertions of 1-16 bytes, 1 MiB overwritten).
#
# Each data set has a marker ds/.NAME.done: its recipe, its size and the
# digest of its tree (sha256 of the sorted "sha256  ./path" lines).  A data
# set whose marker names the same recipe is reused if its tree still has
# that digest, else rebuilt.  The recipes and markers are the same as those
# of the team's shared bench (../shared/bench/datasets.sh), so data built by
# either is reused by the other.  BENCH_TRUST_MARKERS=1 skips the digest
# check (saves ~20 s when nothing else touches the data).
set -eu
umask 022
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
data=${BENCH_DATA:-/var/tmp/tacit-bench-data}
SMALL_FILES=${SMALL_FILES:-100000}
RANDOM_MIB=${RANDOM_MIB:-1024}
VM_MIB=${VM_MIB:-2048}
py=/usr/bin/python3
gen="$py $here/gen.py"
ds=$data/ds
mod=$data/mod
tarball=/usr/src/linux-source-6.1.tar.xz

say() { printf '[datasets %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

digest() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum |
	    sha256sum | cut -c1-64)
}

stats() {
	printf 'files=%s apparent_bytes=%s disk_bytes=%s\n' \
	    "$(find "$1" -type f | wc -l)" "$(du -sb "$1" | cut -f1)" \
	    "$(du -s -B1 "$1" | cut -f1)"
}

# fresh NAME RECIPE: 0 if ds/NAME was built by RECIPE and is unchanged
fresh() {
	m=$ds/.$1.done
	[ -f "$m" ] && [ -d "$ds/$1" ] || return 1
	if [ "$(sed -n 1p "$m")" != "$2" ]; then
		say "$1: built by another recipe ($(sed -n 1p "$m")); rebuilding"
		return 1
	fi
	[ "${BENCH_TRUST_MARKERS:-0}" = 1 ] && return 0
	want=$(sed -n 's/^digest=//p' "$m")
	have=$(digest "$ds/$1")
	if [ "$want" != "$have" ]; then
		say "$1: digest $have differs from its marker ($want); rebuilding"
		return 1
	fi
	say "$1: present, digest matches"
}

# done_ NAME RECIPE: move the new tree into place and write its marker
done_() {
	rm -rf "${ds:?}/$1" "$ds/.$1.done"
	mv "$ds/.$1.tmp" "$ds/$1"
	{ echo "$2"; stats "$ds/$1"; echo "digest=$(digest "$ds/$1")"; } \
	    >"$ds/.$1.done"
	say "$1: built, $(sed -n 2p "$ds/.$1.done")"
}

start() {
	rm -rf "${ds:?}/.$1.tmp"
	mkdir -p "$ds/.$1.tmp"
}

linux_version() { dpkg-query -W -f='${Version}' linux-source-6.1; }

build() {
	case $1 in
	linux)
		r="linux-source-6.1 $(linux_version)"
		fresh linux "$r" && return 0
		say "linux: unpacking $tarball"
		start linux
		tar -xJf "$tarball" -C "$ds/.linux.tmp" --no-same-owner
		touch -d @1704067200 "$ds/.linux.tmp"
		done_ linux "$r" ;;
	random)
		r="random ${RANDOM_MIB}MiB aes-256-ctr key=sha256(random:1)"
		fresh random "$r" && return 0
		say "random: $RANDOM_MIB MiB"
		start random
		key=$(printf 'random:1' | sha256sum | cut -c1-64)
		{ openssl enc -aes-256-ctr -K "$key" -iv 00000000000000000000000000000000 \
		    -in /dev/zero 2>/dev/null || true; } |
		    head -c $((RANDOM_MIB << 20)) >"$ds/.random.tmp/random.bin"
		[ "$(stat -c %s "$ds/.random.tmp/random.bin")" -eq \
		    $((RANDOM_MIB << 20)) ] || { say "random: short"; exit 1; }
		touch -d @1704067200 "$ds/.random.tmp/random.bin" "$ds/.random.tmp"
		done_ random "$r" ;;
	small)
		r="small n=$SMALL_FILES seed=1"
		fresh small "$r" && return 0
		say "small: $SMALL_FILES files (about a minute per 100k)"
		start small
		$gen small "$ds/.small.tmp" "$SMALL_FILES" 1 >/dev/null
		done_ small "$r" ;;
	tiny)
		r="small n=5000 seed=2"
		fresh tiny "$r" && return 0
		start tiny
		$gen small "$ds/.tiny.tmp" 5000 2 >/dev/null
		done_ tiny "$r" ;;
	vmimage)
		r="vmimage ${VM_MIB}MiB seed=3 text=linux-source-6.1 $(linux_version)"
		fresh vmimage "$r" && return 0
		say "vmimage: $VM_MIB MiB"
		start vmimage
		$gen vmimage "$ds/.vmimage.tmp/disk.img" "$VM_MIB" 3 >/dev/null
		touch -d @1704067200 "$ds/.vmimage.tmp"
		done_ vmimage "$r" ;;
	*)
		say "unknown data set $1 (linux random small vmimage tiny)"
		exit 2 ;;
	esac
}

# mods: the changed copies used by the change step of random and vmimage
mods() {
	mkdir -p "$mod"
	if [ -f "$ds/.vmimage.done" ] && [ -f "$ds/vmimage/disk.img" ]; then
		r="$(sed -n 1p "$ds/.vmimage.done") mod=vmmod-seed5"
		if [ ! -f "$mod/vmimage.img" ] ||
		    [ "$(cat "$mod/.vmimage.done" 2>/dev/null)" != "$r" ]; then
			say "mod/vmimage.img"
			$gen vmmod "$ds/vmimage/disk.img" "$mod/.vmimage.tmp" 5 >/dev/null
			mv "$mod/.vmimage.tmp" "$mod/vmimage.img"
			echo "$r" >"$mod/.vmimage.done"
		fi
	fi
	if [ -f "$ds/.random.done" ] && [ -f "$ds/random/random.bin" ]; then
		r="$(sed -n 1p "$ds/.random.done") mod=patch-seed6"
		if [ ! -f "$mod/random.bin" ] ||
		    [ "$(cat "$mod/.random.done" 2>/dev/null)" != "$r" ]; then
			say "mod/random.bin"
			sz=$(stat -c %s "$ds/random/random.bin")
			$gen patch "$ds/random/random.bin" "$mod/.random.tmp" \
			    $((sz / 2 + 12345)) 1048576 6 >/dev/null
			mv "$mod/.random.tmp" "$mod/random.bin"
			echo "$r" >"$mod/.random.done"
		fi
	fi
}

# An interrupted bench run may have left a change applied: undo it first.
for s in "$data"/tacit-stash/*/; do
	[ -f "$s/manifest.json" ] || continue
	n=$(basename "$s")
	say "undoing the change an interrupted run left in $n"
	$gen revert "$ds/$n" "$s" >/dev/null
done
mkdir -p "$ds"
[ $# -gt 0 ] || set -- linux random small vmimage
for n in "$@"; do
	build "$n"
done
mods
