#!/bin/sh
# 44-select.sh: backup's selection options.  --exclude-caches leaves out
# what is beside a CACHEDIR.TAG that has the signature (keeping the tag),
# not beside one without it; --exclude-if-present NAME and NAME:HEADER;
# --iexclude ignores case; --exclude-larger-than SIZE (k = 1024) leaves
# out larger regular files only; --files-from reads paths one a line
# (blank lines and # lines ignored), --files-from0 NUL-separated (a name
# with a newline), also from a pipe on stdin or an inherited descriptor
# (/dev/fd/N), but not from the passphrase's own descriptor (exit 2); a
# --files-from list that cannot be read is exit 1 with a clear message
# before the passphrase is asked; and a
# --exclude-if-present NAME with a '/' is a usage error.
. "$(dirname "$0")/lib.sh"

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S/cache" "$S/fake" "$S/skip" "$S/h1" "$S/h2" "$S/keep"
printf 'Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n' \
    >"$S/cache/CACHEDIR.TAG"
printf 'junk\n' >"$S/cache/junk"
printf 'Signature: not the one\n' >"$S/fake/CACHEDIR.TAG"
printf 'real\n' >"$S/fake/data"
printf '' >"$S/skip/.nobackup"
printf 'skipped\n' >"$S/skip/data"
printf 'hello there\n' >"$S/h1/MARK"
printf 'h1\n' >"$S/h1/data"
printf 'other\n' >"$S/h2/MARK"
printf 'h2\n' >"$S/h2/data"
printf 'jpg\n' >"$S/keep/photo.jpg"
printf 'txt\n' >"$S/keep/note.txt"
head -c 1024 /dev/zero >"$S/keep/k1024"
head -c 1025 /dev/zero >"$S/keep/k1025"
mkdir -p "$T/flag"; chmod 0777 "$T/flag"
cat >"$T/pc.sh" <<EOF
#!/bin/sh
touch "$T/flag/asked"
printf '%s\n' "$PW"
EOF
chmod 0755 "$T/pc.sh"

# names: the paths of the latest snapshot as ls prints them, one a line.
names() { tp ls -r "$R" latest 2>/dev/null | awk '{print $NF}'; }
has() { names | grep -qxF -- "$1"; }

# sel DESC "IN..." "OUT..." ARGS...: backup $S with ARGS: exit 0, and the
# snapshot has each path of IN and none of OUT.
sel() {
	desc=$1 in=$2 out=$3
	shift 3
	tp backup -r "$R" "$@" "$S" >"$T/out" 2>&1
	rc=$?
	bad=
	for p in $in; do has "$p" || bad="$bad missing:$p"; done
	for p in $out; do has "$p" && bad="$bad present:$p"; done
	if [ "$rc" -eq 0 ] && [ -z "$bad" ]; then ok "$desc"
	else notok "$desc (exit $rc;$bad)"; sed 's/^/#   /' "$T/out"; fi
}

sel "--exclude-caches leaves out a tagged directory's contents, keeps the tag" \
    "/src/cache /src/cache/CACHEDIR.TAG /src/fake/CACHEDIR.TAG /src/fake/data" \
    "/src/cache/junk" --exclude-caches
# The tag is read without moving its access time (O_NOATIME), as files are.
touch -a -d '2001-01-01 00:00:00' "$S/cache/CACHEDIR.TAG"
before=$(stat -c %X "$S/cache/CACHEDIR.TAG")
tp backup -r "$R" --exclude-caches "$S" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ "$(stat -c %X "$S/cache/CACHEDIR.TAG")" = "$before" ]
then ok "--exclude-caches reads the tag without changing its access time"
else notok "--exclude-caches and the tag's access time (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
# A CACHEDIR.TAG that is a device node or a FIFO is never opened: opening
# a device can arm a watchdog or rewind a tape, and a FIFO could block.
# The device must be made as root; the FIFO needs no privilege.  An O_PATH
# descriptor (the walk's, for the node's metadata) opens nothing.
if ! command -v strace >/dev/null; then
	ok "# SKIP strace is missing: cannot see what the walk opens"
else
	D=$T/dev
	mkdir -p "$D/fifo" "$D/chr"
	mkfifo "$D/fifo/CACHEDIR.TAG"
	printf 'f\n' >"$D/fifo/data"
	if [ "$(id -u)" -eq 0 ] && mknod "$D/chr/CACHEDIR.TAG" c 1 3 2>/dev/null
	then printf 'c\n' >"$D/chr/data"; nodev=
	else nodev=" (no device node: not root)"; fi
	printf '%s\n' "$PW" | env "$NOLEAK" strace -f -qq -e trace=openat,open \
	    -o "$T/opens" "$TACIT" backup -r "$R" --exclude-caches \
	    --passphrase-fd 0 "$D" >"$T/out" 2>&1
	rc=$?
	grep 'CACHEDIR.TAG' "$T/opens" | grep -v 'O_PATH' >"$T/opened"
	if [ "$rc" -eq 0 ] && [ ! -s "$T/opened" ] &&
	    has /dev/fifo/data && { [ -n "$nodev" ] || has /dev/chr/data; }
	then ok "--exclude-caches never opens a CACHEDIR.TAG that is not a regular file$nodev"
	else notok "--exclude-caches and a device or FIFO CACHEDIR.TAG (exit $rc)"
		sed 's/^/#   /' "$T/opened"
		sed 's/^/#   /' "$T/out"; fi
	# On a terminal a second thread counts the sources (count.c) and
	# checks the tags too.
	if command -v script >/dev/null 2>&1; then
		printf '%s\n' "$PW" >"$T/pw"
		env "$NOLEAK" strace -f -qq -e trace=openat,open \
		    -o "$T/opens" script -qec "'$TACIT' backup -r '$R' \
		    --exclude-caches --force '$D' --passphrase-fd 3 \
		    3<'$T/pw'" /dev/null >"$T/out" 2>&1
		rc=$?
		grep 'CACHEDIR.TAG' "$T/opens" | grep -v 'O_PATH' >"$T/opened"
		# A loaded machine can end the run before the first
		# progress line (and so before the count shows).
		shown="the count was shown"
		grep -q ' [0-9]*/[0-9]* files' "$T/out" ||
		    shown="the run ended before the count was shown"
		if [ "$rc" -eq 0 ] && [ ! -s "$T/opened" ]; then
			ok "nor does the counting thread on a terminal$nodev ($shown)"
		else notok "the counting thread and a device or FIFO CACHEDIR.TAG (exit $rc)"
			sed 's/^/#   /' "$T/opened"
			tr '\r' '\n' <"$T/out" | sed 's/^/#   /' | tail -5; fi
	else
		ok "# SKIP script(1) is missing: no terminal for the counting thread"
	fi
	rm -rf "$D"
fi
sel "--exclude-if-present NAME leaves out the rest of its directory" \
    "/src/skip /src/skip/.nobackup /src/h1/data" "/src/skip/data" \
    --exclude-if-present .nobackup
sel "--exclude-if-present NAME:HEADER only where NAME starts with HEADER" \
    "/src/h1/MARK /src/h2/MARK /src/h2/data /src/skip/data" "/src/h1/data" \
    --exclude-if-present MARK:hello
sel "--iexclude ignores case" "/src/keep/note.txt" "/src/keep/photo.jpg" \
    --iexclude '*.JPG'
sel "--exclude-larger-than 1k keeps 1024 bytes, leaves out 1025" \
    "/src/keep/k1024 /src/keep/note.txt /src/cache/junk" "/src/keep/k1025" \
    --exclude-larger-than 1k
sel "--exclude-larger-than 1K: the same in upper case" \
    "/src/keep/k1024" "/src/keep/k1025" --exclude-larger-than 1K

# --files-from: paths one a line; blank lines and # lines are not paths.
printf '# %s\n\n%s\n%s\r\n\n' "$S/fake" "$S/h1" "$S/h2" >"$T/list"
tp backup -r "$R" --files-from "$T/list" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && has /h1/data && has /h2/data && ! has /fake &&
    [ "$(names | grep -c '^/[^/]*$')" -eq 2 ]; then
	ok "--files-from backs up the listed paths, skipping comments and blanks"
else notok "--files-from (exit $rc)"; sed 's/^/#   /' "$T/out"
	names | sed 's/^/#   /'; fi

# --files-from0: NUL-separated; a name with a newline is one path.
mkdir -p "$T/nl/new
line"
printf 'nl\n' >"$T/nl/new
line/f"
printf '%s\0%s\0' "$T/nl/new
line" "$S/keep" >"$T/list0"
tp backup -r "$R" --files-from0 "$T/list0" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && has '/new\x0aline/f' && has /keep/note.txt; then
	ok "--files-from0 takes a name with a newline"
else notok "--files-from0 (exit $rc)"; sed 's/^/#   /' "$T/out"
	names | sed 's/^/#   /'; fi

# Lists the user's process holds: a pipe on stdin (find -print0 | tacit
# backup --files-from0 /dev/stdin), an inherited descriptor (<(...) is
# /dev/fd/N).  The keyholder reads them: the worker has neither.
printf '%s\0' "$S/h1" | "$TACIT" backup -r "$R" --passphrase-command \
    "$T/pc.sh" --files-from0 /dev/stdin >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && has /h1/data && [ "$(names | grep -c '^/[^/]*$')" -eq 1 ]
then ok "--files-from0 /dev/stdin reads a pipe on stdin"
else notok "--files-from0 /dev/stdin (exit $rc)"; sed 's/^/#   /' "$T/out"; fi
printf '%s\n' "$S/h2" >"$T/list5"
tp backup -r "$R" --files-from /dev/fd/5 5<"$T/list5" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && has /h2/data && [ "$(names | grep -c '^/[^/]*$')" -eq 1 ]
then ok "--files-from /dev/fd/5 reads an inherited descriptor"
else notok "--files-from /dev/fd/5 (exit $rc)"; sed 's/^/#   /' "$T/out"; fi
# The passphrase and the list from the same stream: refused, exit 2.
printf '%s\n' "$S/h1" | "$TACIT" backup -r "$R" --passphrase-fd 0 \
    --files-from /dev/stdin >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grepq "passphrase's descriptor 0" "$T/out"; then
	ok "--passphrase-fd 0 with --files-from /dev/stdin is a usage error"
else notok "--passphrase-fd 0 with --files-from /dev/stdin (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
printf '%s\n' "$S/h1" | "$TACIT" backup -r "$R" --passphrase-fd 3 \
    --files-from0 /dev/fd/0 3<&0 >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grepq "passphrase's descriptor 3" "$T/out"; then
	ok "a list on the passphrase's pipe under another number is a usage error"
else notok "--passphrase-fd 3 3<&0 with --files-from0 /dev/fd/0 (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi

# A list that cannot be read: exit 1, named, before the passphrase.
rm -f "$T/flag/asked"
"$TACIT" backup -r "$R" --passphrase-command "$T/pc.sh" \
    --files-from "$T/nosuch" "$S/keep" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grepq "cannot read $T/nosuch" "$T/out" &&
    [ ! -e "$T/flag/asked" ]; then
	ok "a missing --files-from list is exit 1 before the passphrase"
else notok "a missing --files-from list (exit $rc; asked: \
$([ -e "$T/flag/asked" ] && echo yes || echo no))"
	sed 's/^/#   /' "$T/out"; fi

# usage DESC TEXT ARGS...: backup with ARGS is exit 2, saying TEXT.
usage() {
	desc=$1 text=$2
	shift 2
	tp backup -r "$R" "$@" "$S" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq 2 ] && grepq "$text" "$T/out"; then ok "$desc"
	else notok "$desc (exit $rc)"; sed 's/^/#   /' "$T/out"; fi
}
usage "--exclude-if-present with a '/' is a usage error" \
    "exclude-if-present takes a file name" --exclude-if-present a/b
usage "--exclude-larger-than with a bad unit is a usage error" \
    "exclude-larger-than takes a size" --exclude-larger-than 10q
usage "--exclude-larger-than beyond 64 bits is a usage error" \
    "exclude-larger-than takes a size" --exclude-larger-than 99999999999t

rm -rf "$T"
