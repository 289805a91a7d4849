#!/bin/sh
# 141-restore-opens.sh: restore keeps the packs it reads open (pack.c,
# the 16 used last), so a restore whose files lie in a few packs opens
# each about once.  Four backups, each adding a directory of 600 small
# files of which every second one has the content of a new file of an
# earlier backup (in turn of each): restoring the last snapshot reads the
# files of the last directory from four packs in turn (with one pack kept
# open, as before, that was an open and a close about each file; with two
# it would still be one every second file).  The bound is a
# count of openat calls on pack files, at most the number of packs in the
# repository and 4 more, whatever the machine's load; the restored files
# are the backed-up ones.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is not installed"; exit 0; fi
R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S"
# dir ROUND: 600 files; the even ones are new, the odd ones repeat the
# content of an even one of each earlier round in turn (in its pack).
round=1
while [ $round -le 4 ]; do
	mkdir "$S/d$round"
	awk -v r=$round -v d="$S/d$round" 'BEGIN {
		for (i = 0; i < 600; i++) {
			if (r > 1 && i % 2 == 1)
				continue	# the copy below
			f = sprintf("%s/f%04d", d, i)
			printf "file %d of round %d\n", i, r >f
			for (k = 0; k < 20; k++)
				printf "%d line %d of file %d, round %d\n", \
				    k, k, i, r >f
			close(f)
		}
	}' || notok "setup: files of round $round"
	if [ $round -gt 1 ]; then
		# The repeated file must be byte for byte the earlier one.
		awk -v r=$round -v d="$S/d$round" 'BEGIN {
			for (i = 1; i < 600; i += 2) {
				o = 1 + int(i / 2) % (r - 1)
				f = sprintf("%s/f%04d", d, i)
				printf "" >f; close(f)
				src = sprintf("%s/../d%d/f%04d", d, o, i - 1)
				while ((getline l <src) > 0) print l >f
				close(src); close(f)
			}
		}' || notok "setup: repeated files of round $round"
	fi
	tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup $round"
	round=$((round + 1))
done
npacks=$(find "$R/packs" -type f | wc -l)
[ "$npacks" -ge 4 ] && ok "the files lie in $npacks packs" ||
    notok "the files lie in $npacks packs (wanted at least 4)"

env "$NOLEAK" strace -f -qq -z -o "$T/trace" -e trace=openat,open \
    "$TACIT" restore -q -r "$R" latest --target "$T/out" --passphrase-fd 3 \
    3<<EOF >"$T/rest.out" 2>&1
$PW
EOF
rc=$?
[ $rc -eq 0 ] && ok "restore under strace exits 0" ||
    { notok "restore under strace exits 0 (exit $rc)"; sed 's/^/#   /' "$T/rest.out"; }
nop=$(grep -c 'packs/[0-9a-f][0-9a-f]/[0-9a-f]\{32\}"' "$T/trace")
ndist=$(grep -o 'packs/[0-9a-f][0-9a-f]/[0-9a-f]\{32\}"' "$T/trace" |
    sort -u | wc -l)
[ "$ndist" -ge 3 ] && ok "the restore read $ndist packs" ||
    notok "the restore read $ndist packs (wanted at least 3)"
[ "$nop" -le $((npacks + 4)) ] &&
    ok "packs opened $nop times for 2,400 files in $npacks packs" ||
    notok "packs opened $nop times for 2,400 files in $npacks packs (at most $((npacks + 4)))"

(cd "$S" && find . -type f -exec cksum {} + | sort) >"$T/want"
(cd "$T/out/src" && find . -type f -exec cksum {} + | sort) >"$T/got" 2>&1
if cmp -s "$T/want" "$T/got" && [ "$(wc -l <"$T/got")" -eq 2400 ]; then
	ok "the 2,400 files restored as backed up"
else
	notok "the 2,400 files restored as backed up"
	diff "$T/want" "$T/got" | head -n 5 | sed 's/^/#   /'
fi
