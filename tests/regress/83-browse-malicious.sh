#!/bin/sh
# 83-browse-malicious.sh: dump, find and diff on the forged trees of
# 15-malicious and 29-hostile (tests/tools/forge): names holding '/',
# "..", ".", "" or an absolute path, a symlink out beside a directory of
# the same name, hard links across directories, a tree that contains
# itself, a chunk whose index entry claims 64 MiB.  Each command ends by
# itself (no signal, within the timeout), exits 14 and names every bad
# directory; dump's archive has no member that is absolute or holds
# "..", `tar -x` of it creates nothing outside its directory, and the
# good entries are still there.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo O=$T/outside W=$T/work
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$O/sub" "$W"
printf original >"$O/outf"
printf '%s\n' "$PW" >"$T/pw"
before=$(treesum "$O")

spec() { printf '%s\n' "$@" | "$TOOLDIR/forge" -r "$R" --passphrase-fd 3 3<"$T/pw"; }
# run TAG ARGS: tacit ARGS (stdout to $W/TAG.out, stderr $W/TAG.err), rc.
run() {
	tag=$1; shift
	printf '%s\n' "$PW" | timeout -k 5 120 "$TACIT" "$@" --passphrase-fd 0 \
	    >"$W/$tag.out" 2>"$W/$tag.err"
	rc=$?
}
# judge DESC WANT PATTERN...: rc WANT, stderr has every PATTERN.
judge() {
	desc=$1 want=$2; shift 2
	why=
	[ "$rc" -eq "$want" ] || why="exit $rc, wanted $want"
	for p in "$@"; do grep -q -- "$p" "$W/$tag.err" || why="$why; no '$p'"; done
	if [ -z "$why" ]; then ok "$desc"
	else notok "$desc (${why#; })"; head -c 1500 "$W/$tag.err" | sed 's/^/#   /'; fi
}

s1=$(spec 'file good fine' 'dir bad1' 'file ..\/..\/..\/escape1 pwned' end \
    'dir bad2' 'file ..\/..\/..\/..\/escape2 pwned' end 'dir bad3' 'file .. x' end \
    'dir bad4' 'file . x' end 'dir bad5' 'file "" x' end \
    'dir bad6' "file $O/abs pwned" end \
    'dir dup' "symlink evil $O" 'dir evil' 'file x pwned' end end \
    'dir slash' "symlink evil $O" 'file evil\/x pwned' end \
    'dir la' 'link l1 7 first' end 'dir lb' 'link l2 7 second' end \
    'dir cyc' 'cycle loop' 'file f y' end \
    'bigfile huge 67108864' 'symlink out ../../../outside')
s2=$(spec 'file good changed' 'dir bad1' 'file ..\/x y' end 'dir la' 'file new z' end)
[ -n "$s1" ] && [ -n "$s2" ] || notok "setup: forge"
bads="forged/bad1: forged/bad2: forged/bad3: forged/bad4: forged/bad5: forged/bad6: forged/dup: forged/slash: forged/cyc:"

# --- dump --archive tar ------------------------------------------------------------
run tar dump -r "$R" "$s1" / --archive tar
# shellcheck disable=SC2086
judge "dump --archive tar of the forged snapshot: exit 14, each bad directory named" \
    14 $bads "forged/huge: data"
tar -tvf "$W/tar.out" >"$W/list" 2>"$W/list.err"
trc=$?
bad=$(awk '{ print $6 }' "$W/list" | grep -E '^/|(^|/)\.\.(/|$)')
if [ "$trc" -eq 0 ] && [ -z "$bad" ] && grep -q ' forged/good$' "$W/list" &&
    grep -q 'forged/lb/l2 link to forged/la/l1' "$W/list" &&
    grep -q 'forged/out -> ../../../outside' "$W/list"; then
	ok "the archive is whole: relative names, no '..', the good file, the link, the symlink as a symlink"
else notok "the archive (tar $trc): $bad"; sed 's/^/#   /' "$W/list" "$W/list.err" | head -30; fi
mkdir "$T/x"
sleep 0.01; : >"$T/stamp"
tar -xf "$W/tar.out" -C "$T/x" 2>"$W/x.err"
new=$(find "$T" -mindepth 1 -newer "$T/stamp" ! -path "$T/x*" ! -path "$W*" ! -path "$R*")
esc=$(find "$TESTTMP" / -maxdepth 1 -name 'escape*' 2>/dev/null)
if [ -z "$new$esc" ] && [ "$(treesum "$O")" = "$before" ] &&
    [ "$(cat "$T/x/forged/good")" = fine ] &&
    [ "$(cat "$T/x/forged/lb/l2")" = first ]; then
	ok "tar -x of it creates nothing outside its directory; the good entries are there"
else notok "tar -x of the forged archive: new: $new, escaped: $esc"; fi
[ "$(stat -c %s "$T/x/forged/huge" 2>/dev/null)" = 67108864 ] &&
    ok "the file whose chunk lies about its size keeps its size, zeros for the data" ||
    notok "the lying file: $(stat -c %s "$T/x/forged/huge" 2>&1)"

# A name with '/' in a directory: dumping that path itself.
run one dump -r "$R" "$s1" /forged/bad1 --archive tar
judge "dump of a directory whose listing holds a '/' name: exit 14, named" 14 \
    "forged/bad1: directory listing"
run two dump -r "$R" "$s1" '/forged/..' --archive tar
judge "a PATH with '..' is refused, exit 1" 1 "not a path in a snapshot"

# --- find and diff -------------------------------------------------------------------
run find find -r "$R" '*' --snapshot "$s1"
# shellcheck disable=SC2086
judge "find over the forged snapshot: exit 14, each bad directory named" 14 $bads
grep -q '/forged/good$' "$W/find.out" && grep -q '/forged/lb/l2$' "$W/find.out" &&
    ok "find still lists the good entries" || notok "find lost the good entries"
run diff diff -r "$R" "$s1" "$s2"
judge "diff of two forged snapshots: exit 14, the bad directories named" 14 \
    "forged/bad1 (snapshot 1)" "forged/bad1 (snapshot 2)"
if grep -q '^M    /forged/good$' "$W/diff.out" &&
    grep -q '^-    /forged/dup/$' "$W/diff.out" &&
    grep -q '^+    /forged/la/new$' "$W/diff.out"; then
	ok "diff still compares the rest"
else notok "diff output"; sed 's/^/#   /' "$W/diff.out" | head -20; fi
