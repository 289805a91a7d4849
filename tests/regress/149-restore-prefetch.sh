#!/bin/sh
# 149-restore-prefetch.sh: restore reads each small file's data once.  A
# directory's one-chunk files are fetched in one keyholder request, and
# the request stops at the next subdirectory: entering it fetches the
# subdirectory's files into the same buffer, so the parent's files after
# it, fetched with the ones before, were read, opened and decompressed a
# second time on the way back (the Linux tree: 182,000 blobs for 78,000
# files).  Here files before and after a subdirectory, two levels deep,
# of incompressible data: the bytes the restore reads with pread (the
# packs' blobs) are at most what the packs hold (the code before read
# half as much again), and the files restore as backed up.  A batch of 24
# files or more is opened in two parts, the later two thirds by the
# opener thread: a damaged blob in either part is named by its file, and
# every other file restores; with parity both are repaired and the pack
# is repaired (and reported) once, by the main thread's reader (the
# opener repairing its own copy reported it twice).
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is not installed"; exit 0; fi
R=$T/repo S=$T/src
mkrepo "$R" --parity 0 || notok "setup: init"	# the damage below stays
# files DIR PREFIX N: N files of 6,000 random bytes.
files() {
	i=0
	while [ $i -lt "$3" ]; do
		head -c 6000 /dev/urandom >"$1/$2$(printf %03d $i)"
		i=$((i + 1))
	done
}
mkdir -p "$S/d/m/n"
files "$S/d" a 150
files "$S/d" z 150
files "$S/d/m" b 50
files "$S/d/m" y 50
files "$S/d/m/n" c 20
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"
printf '%s\n' "$PW" >"$T/pw"
packs=$(find "$R/packs" -type f -exec cat {} + | wc -c)
data=$((420 * 6000))

env "$NOLEAK" strace -f -qq -o "$T/trace" -e trace=pread64 \
    "$TACIT" restore -q -r "$R" latest --target "$T/out" --passphrase-fd 3 \
    3<<EOF >"$T/rest.out" 2>&1
$PW
EOF
rc=$?
[ $rc -eq 0 ] && ok "restore under strace exits 0" ||
    { notok "restore under strace exits 0 (exit $rc)"; sed 's/^/#   /' "$T/rest.out"; }
read=$(awk '/pread64\(/ && $NF ~ /^[0-9]+$/ { s += $NF } END { print s + 0 }' \
    "$T/trace")
if [ "$read" -ge "$data" ] && [ "$read" -le "$packs" ]; then
	ok "read $read bytes with pread for $data bytes of files in $packs bytes of packs"
else
	notok "read $read bytes with pread for $data bytes of files (wanted at least that, at most the packs' $packs)"
fi

(cd "$S" && find . -type f -exec cksum {} + | sort) >"$T/want"
(cd "$T/out/src" && find . -type f -exec cksum {} + | sort) >"$T/got" 2>&1
if cmp -s "$T/want" "$T/got" && [ "$(wc -l <"$T/got")" -eq 420 ]; then
	ok "the 420 files restored as backed up"
else
	notok "the 420 files restored as backed up"
	diff "$T/want" "$T/got" | head -n 5 | sed 's/^/#   /'
fi

# A flipped blob in each part of d's first batch (a000-a149: a010 in the
# part the main thread opens, a120 in the opener's).
"$TOOLDIR/blobmap" -r "$R" --passphrase-fd 3 3<"$T/pw" >"$T/map" ||
    notok "setup: blobmap"
flip_file() {	# PATH below the source: flip the middle byte of its blob
	id=$(awk -v p="/src/$1" '$1 == "file" && $3 == p { print $2 }' "$T/map")
	set -- $(awk -v i="$id" '$1 == "blob" && $6 == i { print $3, $4, $5 }' \
	    "$T/map")
	if [ $# -ne 3 ]; then notok "setup: the blob of a file"; return; fi
	flip "$R/packs/$(printf %.2s "$1")/$1" $(($2 + $3 / 2))
}
flip_file d/a010
flip_file d/a120
"$TACIT" restore -r "$R" latest --target "$T/dmg" --passphrase-fd 3 \
    3<"$T/pw" >"$T/dmg.out" 2>"$T/dmg.err"
rc=$?
named=$(grep -o 'd/a[0-9]*: data damaged' "$T/dmg.err" | sort | tr '\n' ' ')
if [ $rc -eq 3 ] &&
    [ "$named" = "d/a010: data damaged d/a120: data damaged " ]; then
	ok "damaged blobs in both parts of a batch: exit 3, a010 and a120 named"
else
	notok "damaged blobs in both parts of a batch (exit $rc, named: $named)"
	sed 's/^/#   /' "$T/dmg.err" | head -n 5
fi
others() { grep -v -e ' ./d/a010$' -e ' ./d/a120$' "$1"; }
(cd "$T/dmg/src" && find . -type f -exec cksum {} + | sort) >"$T/dgot" 2>&1
others "$T/want" >"$T/want2"
others "$T/dgot" >"$T/dgot2"
if cmp -s "$T/want2" "$T/dgot2" && [ "$(wc -l <"$T/dgot2")" -eq 418 ]; then
	ok "the 418 other files restored as backed up"
else
	notok "the 418 other files restored as backed up"
	diff "$T/want2" "$T/dgot2" | head -n 5 | sed 's/^/#   /'
fi

# The same damage where the packs have parity: repaired, and once (the
# opener leaves a damaged blob to the main thread's reader; reading and
# repairing the pack on both threads reported it twice and held two
# repaired copies).
P=$T/prepo
mkrepo "$P" || notok "setup: init (parity)"
tp backup -q -r "$P" "$S" >/dev/null 2>&1 || notok "setup: backup (parity)"
# d/a000-a149 lie first in the one data pack (6,000 bytes a blob, in the
# order walked): 4 KiB zeroed at 64 KiB (a010, the main thread's part)
# and at 720 KiB (a119, the opener's).
pk=$(find "$P/packs" -type f -size +2000k)
if [ "$(echo "$pk" | wc -l)" -ne 1 ]; then notok "setup: one data pack"; fi
dd if=/dev/zero of="$pk" bs=4096 seek=16 count=1 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$pk" bs=4096 seek=180 count=1 conv=notrunc 2>/dev/null
"$TACIT" restore -r "$P" latest --target "$T/par" --passphrase-fd 3 \
    3<"$T/pw" >"$T/par.out" 2>"$T/par.err"
rc=$?
nrep=$(grep -c 'repaired in memory' "$T/par.err")
(cd "$T/par/src" && find . -type f -exec cksum {} + | sort) >"$T/pgot" 2>&1
if [ $rc -eq 0 ] && [ "$nrep" -eq 1 ] && cmp -s "$T/want" "$T/pgot"; then
	ok "with parity: both blobs repaired, the pack reported once, all 420 files as backed up"
else
	notok "with parity: exit $rc, $nrep repair reports (wanted exit 0, 1), files $(cmp -s "$T/want" "$T/pgot" && echo same || echo differ)"
	sed 's/^/#   /' "$T/par.err" | head -n 5
fi
