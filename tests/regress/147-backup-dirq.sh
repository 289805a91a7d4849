#!/bin/sh
# 147-backup-dirq.sh: the backup's walk does not stop at each directory
# for the keyholder (dirq.h): a walked directory's tree waits for its
# small files' ids and its subdirectories' ids while the walk goes on,
# and the ids come back in batches.  Before, each directory cost two
# round trips (its small files' ids, then its tree's id): 400 directories
# of two small files took 3,338 sendmsg calls between the two processes,
# and 400 empty ones 1,740; now 126 and 128.  The trees are still right:
# shapes that make the queue drain early (more than DIRQ_MAX = 1024
# directories waiting), a chain 1,200 levels deep and an incremental
# backup that changes one file deep inside all restore to the same
# bytes, as does a directory whose tree is larger than a batch of
# trees; and check finds nothing.
. "$(dirname "$0")/lib.sh"

# The tree as treesum lists it, but a directory's size (a file system's
# own, which depends on the order its entries were made in).
tlist() {
	(cd "$1" && find . \( -type d -printf '%y %m %p\n' \) -o \
	    \( ! -type d -printf '%y %m %s %p\n' \) | sort &&
	    find . -type f -exec cksum {} + | sort)
}

R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"

# 20 x 20 directories, two small files each; and 20 x 20 empty ones.
for a in $(seq 1 20); do
	for b in $(seq 1 20); do
		d=$S/grid/a$a/b$b
		mkdir -p "$d" "$S/empties/a$a/b$b"
		printf 'one %s %s\n' $a $b >"$d/one"
		printf 'two %s %s\n' $a $b >"$d/two"
	done
done

# msgs WHAT DIR: back DIR up under strace; how many sendmsg calls the two
# processes made (requests and answers).
msgs() {
	env "$NOLEAK" strace -f -qq -o "$T/trace" -e trace=sendmsg \
	    "$TACIT" backup -q -r "$R" "$2" --passphrase-fd 3 3<<EOF \
	    >"$T/back.out" 2>&1
$PW
EOF
	rc=$?
	[ $rc -eq 0 ] && ok "backup of $1 under strace exits 0" ||
	    { notok "backup of $1 under strace exits 0 (exit $rc)"
	      sed 's/^/#   /' "$T/back.out"; }
	n=$(grep -c 'sendmsg(' "$T/trace")
	[ "$n" -le 200 ] &&
	    ok "$n messages between keyholder and worker for $1, not eight a directory" ||
	    notok "$n messages between keyholder and worker for $1 (at most 200)"
}
if command -v strace >/dev/null; then
	msgs "400 directories of two small files" "$S/grid"
	msgs "400 empty directories" "$S/empties"
else
	ok "# SKIP strace is not installed"
fi

# More than DIRQ_MAX directories waiting at once (a flat directory of
# 1,500 empty ones, and 1,100 holding a file each), a 1,200-level chain
# with files at some levels, files beside the directories.
mkdir -p "$S/wide/empty" "$S/wide/full"
(cd "$S/wide/empty" && seq 1 1500 | xargs mkdir)
(cd "$S/wide/full" && seq 1 1100 | xargs mkdir)
for i in $(seq 1 1100); do printf '%s\n' $i >"$S/wide/full/$i/f"; done
d=$S/deep
mkdir -p "$d"
(
	cd "$d" || exit 1
	i=0
	while [ $i -lt 1200 ]; do
		mkdir d && cd d || exit 1
		[ $((i % 100)) -eq 0 ] && printf 'level %s\n' $i >f
		i=$((i + 1))
	done
	printf 'bottom\n' >bottom
)
# A directory of 20,000 entries (a 2.7 MB tree) after 50 small trees:
# it does not fit their batch of tree ids and goes alone in the next.
mkdir -p "$S/many"
(cd "$S/many" && seq -w 1 20000 | sed 's/^/entry-with-a-longer-name-/' |
    xargs touch)
head -c 300000 /dev/urandom >"$S/large"
printf 'top\n' >"$S/top"

check "backup of all of it" tp backup -q -r "$R" "$S"
rm -rf "$T/out"
if tp restore -q -r "$R" latest --target "$T/out" >"$T/rest.out" 2>&1 &&
    [ "$(tlist "$S")" = "$(tlist "$T/out/src")" ]; then
	ok "restored: the same tree, names, modes and bytes"
else
	notok "restored: the same tree"; sed 's/^/#   /' "$T/rest.out"
fi

# Incremental: one file changed at level 1,000; every directory above it
# gets a new tree.
f=$S/deep$(seq 1 1001 | sed 's/.*/\/d/' | tr -d '\n')/f
printf 'changed\n' >"$f"
check "incremental backup" tp backup -q -r "$R" "$S"
rm -rf "$T/out"
if tp restore -q -r "$R" latest --target "$T/out" >"$T/rest.out" 2>&1 &&
    [ "$(tlist "$S")" = "$(tlist "$T/out/src")" ] &&
    [ "$(cat "$T/out/src/deep$(seq 1 1001 | sed 's/.*/\/d/' | tr -d '\n')/f")" = changed ]; then
	ok "incremental restored: the changed file deep inside, the rest the same"
else
	notok "incremental restored"; sed 's/^/#   /' "$T/rest.out"
fi
check "check finds nothing wrong" tp check -r "$R"
rm -rf "$T"
