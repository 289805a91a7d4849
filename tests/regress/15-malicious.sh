#!/bin/sh
# 15-malicious.sh: a hostile repository or target cannot make restore
# write outside the target.  Forged trees (tests/tools/forge) with names
# holding '/', "..", ".", "" or an absolute path; a symlink out of the
# target with a directory of the same name (same tree, or a later
# restore into the same target); hard link groups across directories; and
# symlinks planted in the target (to a file, to a directory, as the top
# directory).  Each time: nothing outside the target is created or
# changed, tacit does not crash (exit < 128) and names the bad entry.
. "$(dirname "$0")/lib.sh"
# Repositories without parity (--parity 0): damage is met by the AEAD
# alone, as before parity; 120-parity.sh damages them with parity.

R=$T/repo O=$T/outside W=$T/work
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$O/sub" "$W"
printf original >"$O/outf"; printf keep >"$O/sub/keep"
printf '%s\n' "$PW" >"$T/pw"
before=$(treesum "$O")
sleep 0.01; : >"$T/stamp"

# spec LINE...: forge a snapshot of these SPEC lines; prints its id.
spec() { printf '%s\n' "$@" | "$TOOLDIR/forge" -r "$R" --passphrase-fd 3 3<"$T/pw"; }
# rest TAG SNAP DST [ARGS]: restore; rc is its status, $W/TAG its output.
rest() {
	tag=$1 snap=$2 dst=$3; shift 3
	tp restore -r "$R" "$snap" --target "$dst" "$@" >"$W/$tag" 2>&1
	rc=$?
}
# judge DESC WANT PATTERN...: rc in WANT ("3", "0", "3 14"), the output
# holds every PATTERN, and nothing outside the target moved.
judge() {
	desc=$1 want=$2; shift 2
	why=
	case " $want " in *" $rc "*) ;; *) why="exit $rc, wanted $want" ;; esac
	for p in "$@"; do grep -q -- "$p" "$W/$tag" || why="$why; no '$p'"; done
	new=$(find "$T" -mindepth 1 -newer "$T/stamp" ! -path "$W*" \
	    ! -path "$T/dst*" ! -path "$R*" ! -name .out)
	[ -z "$new" ] || why="$why; created or changed: $new"
	[ "$(treesum "$O")" = "$before" ] || why="$why; $O changed"
	esc=$(find "$TESTTMP" / -maxdepth 1 -name 'escape*' 2>/dev/null)
	[ -z "$esc" ] || why="$why; escaped: $esc"
	if [ -z "$why" ]; then ok "$desc"
	else notok "$desc (${why#; })"; sed 's/^/#   /' "$W/$tag"; fi
}

# --- (1) names that are not one path component ----------------------------------
id=$(spec 'file good fine' 'dir bad1' 'file ..\/..\/..\/escape1 pwned' end \
    'dir bad2' 'file ..\/..\/..\/..\/escape2 pwned' end 'dir bad3' 'file .. x' end \
    'dir bad4' 'file . x' end 'dir bad5' 'file "" x' end \
    'dir bad6' "file $O/abs pwned" end)
rest names "$id" "$T/dst1"
judge "(1) names with '/', '..', '.', '' or an absolute path: each directory named" \
    "3 14" "forged/bad1: " "forged/bad2: " "forged/bad3: " "forged/bad4: " \
    "forged/bad5: " "forged/bad6: "
if [ "$(cat "$T/dst1/forged/good" 2>/dev/null)" = fine ] &&
    [ -z "$(find "$T/dst1/forged" -mindepth 2)" ]; then
	ok "(1) the good file is restored, nothing below the bad directories"
else notok "(1) the good file is restored, nothing below the bad directories"; fi

# --- (2) a symlink out of the target, then a directory of the same name -----------
id=$(spec 'dir a' "symlink evil $O" 'dir evil' 'file x pwned' end end \
    'dir b' "symlink evil $O" 'file evil\/x pwned' end)
rest dup "$id" "$T/dst2"
judge "(2) symlink and directory of one name, or a name through the symlink" \
    "3 14" "forged/a: " "forged/b: "
s1=$(spec 'dir a' "symlink evil $O" 'symlink rel ../../../outside' end)
s2=$(spec 'dir a' 'dir evil' 'file x pwned' end 'dir rel' 'file y pwned' end end)
rest two1 "$s1" "$T/dst3"
if [ "$rc" -eq 0 ] && [ "$(readlink "$T/dst3/forged/a/evil")" = "$O" ]; then
	ok "(2) symlinks out of the target are restored as symlinks"
else notok "(2) symlinks out of the target are restored as symlinks (exit $rc)"
	sed 's/^/#   /' "$W/two1"; fi
rest two2 "$s2" "$T/dst3"
judge "(2) a later restore does not follow them (absolute and relative)" 3 \
    "forged/a/evil: " "forged/a/rel: "
rest two3 "$s2" "$T/dst3" --overwrite
judge "(2) nor with --overwrite" 3 "forged/a/evil: " "forged/a/rel: "

# --- (3) hard link groups across directories -----------------------------------
id=$(spec 'dir a' 'link l1 7 first' end 'dir b' 'link l2 7 second' end)
rest links "$id" "$T/dst4"
judge "(3) a link group across two directories restores inside the target" "0 3"
i1=$(stat -c %i "$T/dst4/forged/a/l1" 2>/dev/null)
i2=$(stat -c %i "$T/dst4/forged/b/l2" 2>/dev/null)
if [ -n "$i1" ] && [ "$i1" = "$i2" ] &&
    [ "$(cat "$T/dst4/forged/b/l2")" = first ]; then
	ok "(3) the second member is a hard link to the first (content of the first)"
else notok "(3) the second member is a hard link to the first ($i1 $i2)"; fi
mkdir -p "$T/dst5/forged/a"; ln -s "$O/outf" "$T/dst5/forged/a/l1"
rest links2 "$id" "$T/dst5"
judge "(3) first member planted as a symlink: refused, not linked to" 3 \
    "forged/a/l1: "
mkdir -p "$T/dst6/forged/a"; ln -s "$O/outf" "$T/dst6/forged/a/l1"
rest links3 "$id" "$T/dst6" --overwrite
judge "(3) ... with --overwrite the planted symlink is replaced" 0
if [ "$(stat -c %h "$O/outf")" -eq 1 ] && [ ! -L "$T/dst6/forged/a/l1" ] &&
    [ "$(stat -c %i "$T/dst6/forged/a/l1")" = "$(stat -c %i "$T/dst6/forged/b/l2")" ]
then ok "(3) the outside file gained no link; the group links inside the target"
else notok "(3) the outside file gained no link; the group links inside the target"; fi

# --- (4) a symlink planted in the target where a file goes -------------------------
id=$(spec 'file x pwned' 'symlink s target')
mkdir -p "$T/dst7/forged"
ln -s "$O/outf" "$T/dst7/forged/x"; ln -s "$O/outf" "$T/dst7/forged/s"
rest plant "$id" "$T/dst7"
judge "(4) a planted symlink is not written through; reported as existing" 3 \
    "forged/x: exists" "forged/s: exists"
rest plant2 "$id" "$T/dst7" --overwrite
judge "(4) --overwrite replaces the planted symlinks, not their target" 0
if [ -f "$T/dst7/forged/x" ] && [ ! -L "$T/dst7/forged/x" ] &&
    [ "$(cat "$T/dst7/forged/x")" = pwned ] &&
    [ "$(readlink "$T/dst7/forged/s")" = target ]; then
	ok "(4) after --overwrite x is a regular file and s the stored symlink"
else notok "(4) after --overwrite x is a regular file and s the stored symlink"; fi

# --- (5) a planted symlink to a directory outside ------------------------------------
id=$(spec 'dir d' 'file y pwned' 'dir deeper' 'file z pwned' end end)
mkdir -p "$T/dst8/forged"; ln -s "$O" "$T/dst8/forged/d"
rest pdir "$id" "$T/dst8"
judge "(5) a planted directory symlink is not entered" 3 "forged/d: "
rest pdir2 "$id" "$T/dst8" --overwrite
judge "(5) nor with --overwrite" 3 "forged/d: "
mkdir -p "$T/dst9"; ln -s "$O" "$T/dst9/forged"
rest ptop "$id" "$T/dst9" --overwrite
judge "(5) the top directory planted as a symlink is not entered" 3 "forged: "

# Control: the containment check does see a file created outside.
printf x >"$O/sub/ctl"
out=$(judge "control" "$rc")
rm -f "$O/sub/ctl"; touch -r "$T/pw" "$O/sub"
case $out in "not ok"*"created or changed"*) ok "control: judge sees a file created outside" ;;
*) notok "control: judge sees a file created outside ($out)" ;; esac
