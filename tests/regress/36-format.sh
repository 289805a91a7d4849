#!/bin/sh
# 36-format.sh: doc/format.md says what the code does, where a reader of
# the spec alone could not tell.  Section 3: `header` as a directory or a
# FIFO is a damaged header (exit 14, and no wait), checked before the
# magic; a symlink is not followed (exit 1); a large file is damage (14);
# a small file without the magic is no repository (10).  Section 21: a
# damaged index segment is left out and `snapshots` still exits 0 while
# `check` exits 14; a damaged snapshot makes `snapshots` exit 14.
# Section 16.1: a NUL in a symlink target passes the tree decoder (ls
# shows \x00) but restore reports the symlink and exits 3.
. "$(dirname "$0")/lib.sh"

R=$T/repo W=$T/work S=$T/src
# The format without parity (section 23's is checked by 120-parity.sh).
mkrepo "$R" --parity 0 || notok "setup: init"
mkdir -p "$S" && printf data >"$S/f"
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"
printf x >"$S/g"
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup 2"
fresh() { rm -rf "$W"; cp -a "$R" "$W"; }
# hdr DESC WANT MAKE: replace `header` by what MAKE makes, with no copy
# of it in copy/ (section 2.1); snapshots exits WANT within 10 seconds.
# With copy/header intact, each of them opens from the copy (exit 0).
hdr() {
	fresh; rm "$W/header"; eval "$3"
	xcode 0 "${1%% (*} (copy/header intact: opens, 0)" timeout 10 sh -c \
	    'printf "%s\n" "$1" | "$2" snapshots -r "$3" --passphrase-fd 0' \
	    sh "$PW" "$TACIT" "$W"
	grep -q "$W/header is missing or damaged" "$T/.out" ||
	    notok "${1%% (*}: the damaged header is named"
	rm "$W/copy/header"
	xcode "$2" "$1" timeout 10 sh -c \
	    'printf "%s\n" "$1" | "$2" snapshots -r "$3" --passphrase-fd 0' \
	    sh "$PW" "$TACIT" "$W"
}
hdr "header: a directory is a damaged header (14)" 14 'mkdir "$W/header"'
hdr "header: a FIFO is a damaged header (14), no wait" 14 'mkfifo "$W/header"'
hdr "header: a symlink is not followed (1)" 1 'ln -s ../repo/header "$W/header"'
hdr "header: 5000 bytes is a damaged header (14)" 14 \
    'head -c 5000 /dev/zero >"$W/header"'
hdr "header: 44 bytes without the magic: no repository (10)" 10 \
    'head -c 44 /dev/zero >"$W/header"'
hdr "header: shorter than the magic: no repository (10)" 10 \
    'printf TACIT >"$W/header"'

# damage FILE: flip a byte in the middle of it.
damage() { flip "$1" $(( $(fsize "$1") / 2 )); }
fresh; damage "$(ls -d "$W"/index/* | head -n 1)"
xcode 0 "21: a damaged index segment: snapshots still exits 0" \
    tp snapshots -r "$W"
grep -q "damaged index segments left out" "$T/.out" &&
    ok "21: and names the damage" || notok "21: and names the damage"
xcode 14 "21: a damaged index segment: check exits 14" tp check -r "$W"
fresh; damage "$(ls -d "$W"/snapshots/* | head -n 1)"
xcode 14 "21: a damaged snapshot: snapshots exits 14" tp snapshots -r "$W"
[ "$(grep -c '  .*/src' "$T/.out")" -eq 1 ] &&
    ok "21: and lists the other one" || notok "21: and lists the other one"

printf '%s\n' "$PW" >"$T/pw"
id=$(printf '%s\n' 'symlink nul a\x00b' 'symlink fine target' |
    "$TOOLDIR/forge" -r "$R" --passphrase-fd 3 3<"$T/pw")
tp ls -r "$R" "$id" >"$T/ls" 2>&1
grep -q 'forged/nul -> a\\x00b$' "$T/ls" &&
    ok "16.1: a NUL in a symlink target decodes; ls shows \\x00" ||
    { notok "16.1: a NUL in a symlink target decodes"; sed 's/^/#   /' "$T/ls"; }
xcode 3 "16.1: restore of that symlink exits 3" \
    tp restore -r "$R" "$id" --target "$T/dst"
grep -q 'forged/nul: Invalid argument' "$T/.out" &&
    [ "$(readlink "$T/dst/forged/fine")" = target ] &&
    ok "16.1: and names it; the other symlink is restored" ||
    { notok "16.1: and names it; the other symlink is restored"
	sed 's/^/#   /' "$T/.out"; }

# Section 19 (and threat-model.md 5): an unchanged backup still writes
# three files, a pack (the log), an index segment and a snapshot.
find "$R" -type f | sort >"$T/files1"
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: unchanged backup"
find "$R" -type f | sort >"$T/files2"
new=$(comm -13 "$T/files1" "$T/files2" | sed "s|^$R/||; s|/[^/]*\$||" |
    sort | tr '\n' ' ')
[ "$new" = "index packs/$(comm -13 "$T/files1" "$T/files2" |
    sed -n "s|^$R/packs/\([0-9a-f]*\)/.*|\1|p") snapshots " ] &&
    ok "19: an unchanged backup writes a pack, a segment and a snapshot" ||
    notok "19: an unchanged backup writes a pack, a segment and a snapshot (new: $new)"
