#!/bin/sh
# 01-init.sh: `tacit init` makes exactly the documented layout (header of 44
# bytes, sealed config, one key slot, empty lock) with private modes, works
# on a new or an empty directory, refuses an existing repository or a
# non-empty directory without touching it, needs -r, and leaves nothing
# half-made when it fails.
. "$(dirname "$0")/lib.sh"

# --- a new directory -------------------------------------------------------
R=$T/new
tp init -r "$R" $FAST >"$T/init.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then ok "init on a new directory exits 0"; else
	notok "init on a new directory exits 0 (exit $rc)"
	sed 's/^/#   /' "$T/init.out"; fi

# The top level holds exactly header, config, keys, lock and copy/, the
# second copies (format 2), with no temporaries.
top=$(ls -A "$R" | tr '\n' ' ')
if [ "$top" = "config copy header keys lock " ]; then
	ok "init creates exactly header, config, keys/, lock, copy/"
else notok "init creates exactly header, config, keys/, lock, copy/ (got: $top)"; fi
top=$(cd "$R/copy" && ls -A | tr '\n' ' ')
if [ "$top" = "config header keys " ] &&
    cmp -s "$R/header" "$R/copy/header" && cmp -s "$R/config" "$R/copy/config" &&
    [ "$(ls "$R/keys")" = "$(ls "$R/copy/keys")" ] &&
    cmp -s "$R/keys/$(ls "$R/keys")" "$R/copy/keys/$(ls "$R/keys")"; then
	ok "copy/ holds header, config and keys/, each the same bytes"
else notok "copy/ holds header, config and keys/, each the same bytes (got: $top)"; fi

if [ -f "$R/header" ] && [ "$(fsize "$R/header")" -eq 44 ]; then
	ok "header is a 44-byte file"
else notok "header is a 44-byte file"; fi

if [ -f "$R/config" ] && [ -s "$R/config" ]; then ok "config is a non-empty file"
else notok "config is a non-empty file"; fi

if [ -f "$R/lock" ] && [ ! -s "$R/lock" ]; then ok "lock is an empty file"
else notok "lock is an empty file"; fi

keys=$(ls -A "$R/keys" 2>/dev/null)
nkeys=$(ls -A "$R/keys" 2>/dev/null | wc -l)
if [ -d "$R/keys" ] && [ "$nkeys" -eq 1 ] &&
    printf '%s\n' "$keys" | grep -Eqx '[0-9a-f]{16}'; then
	ok "keys/ holds exactly one slot named by 16 hex digits"
else notok "keys/ holds exactly one slot named by 16 hex digits (got: $keys)"; fi

# Modes: every file 0600, every directory 0700.
bad=$(find "$R" \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \) \
    -o \( ! -type f ! -type d \) 2>&1)
if [ -z "$bad" ]; then ok "files are mode 0600, directories 0700"
else notok "files are mode 0600, directories 0700"
	find "$R" -exec stat -c '#   %a %F %n' {} +; fi

# The new repository opens with the passphrase.
xcode 0 "new repository unlocks" tp key list -r "$R"

# --- an existing empty directory ------------------------------------------
E=$T/empty
mkdir "$E"
xcode 0 "init on an existing empty directory works" tp init -r "$E" $FAST
if [ -f "$E/header" ] && [ "$(ls "$E/keys" | wc -l)" -eq 1 ]; then
	ok "init in an empty directory makes a repository there"
else notok "init in an empty directory makes a repository there"; fi

# --- an existing repository: refused, untouched ---------------------------
before=$(treesum "$R")
tp init -r "$R" $FAST >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "already a tacit repository" "$T/out"; then
	ok "init on an existing repository is refused"
else notok "init on an existing repository is refused (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
if [ "$(treesum "$R")" = "$before" ]; then
	ok "refused init changes nothing in the existing repository"
else notok "refused init changes nothing in the existing repository"; fi

# --- a non-empty directory that is no repository --------------------------
N=$T/nonempty
mkdir "$N" "$N/sub"
echo "precious" >"$N/file"
before=$(treesum "$N")
tp init -r "$N" $FAST >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "not empty" "$T/out"; then
	ok "init on a non-empty non-repository directory is refused"
else notok "init on a non-empty non-repository directory is refused (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
if [ "$(treesum "$N")" = "$before" ]; then
	ok "refused init leaves the non-empty directory unchanged"
else notok "refused init leaves the non-empty directory unchanged"; fi

# --- usage ------------------------------------------------------------------
xcode 2 "init without -r is a usage error (exit 2)" tp init $FAST

# --- a failed init leaves nothing behind ----------------------------------
F=$T/failed
printf '\n' | "$TACIT" init -r "$F" $FAST --passphrase-fd 0 >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then ok "init with an empty passphrase fails"
else notok "init with an empty passphrase fails"; fi
if [ -z "$(ls -A "$F" 2>/dev/null)" ]; then
	ok "failed init (new directory) leaves it empty"
else notok "failed init (new directory) leaves it empty (has: $(ls -A "$F"))"; fi

F2=$T/failed2
mkdir "$F2"
printf '\n' | "$TACIT" init -r "$F2" $FAST --passphrase-fd 0 >"$T/out" 2>&1
if [ -d "$F2" ] && [ -z "$(ls -A "$F2")" ]; then
	ok "failed init (existing empty directory) leaves it empty"
else notok "failed init (existing empty directory) leaves it empty"; fi
# ... and the directory can then be used.
xcode 0 "init succeeds after a failed init in the same directory" \
    tp init -r "$F2" $FAST

# --- the passphrase comes before anything is written ------------------------
# A passphrase command that notes whether the repository directory exists
# when it runs, and then prints a weak passphrase.
W=$T/weak
"$TACIT" init -r "$W" $FAST --passphrase-command \
    "sh -c 'if test -e $W; then echo exists; else echo missing; fi >$T/seen; echo short'" \
    >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "weak passphrase" "$T/out"; then
	ok "init with a weak passphrase warns and goes on"
else notok "init with a weak passphrase warns and goes on (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
if [ "$(cat "$T/seen" 2>/dev/null)" = missing ]; then
	ok "the passphrase (and its weak warning) comes before init writes anything"
else notok "the passphrase (and its weak warning) comes before init writes anything (dir: $(cat "$T/seen" 2>/dev/null))"; fi

# A passphrase that cannot be had (the command fails): nothing is left, not
# even the new directory.
G=$T/gone
"$TACIT" init -r "$G" $FAST --passphrase-command false >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && [ ! -e "$G" ]; then
	ok "failed passphrase: init exits 1 and leaves no directory behind"
else notok "failed passphrase: init exits 1 and leaves no directory behind (exit $rc, $(ls -ld "$G" 2>&1))"; fi
printf '\n' | "$TACIT" init -r "$G" $FAST --passphrase-fd 0 >"$T/out" 2>&1
if [ ! -e "$G" ]; then ok "empty passphrase: init leaves no directory behind"
else notok "empty passphrase: init leaves no directory behind"; fi

# A directory init will refuse is refused before the passphrase is asked.
rm -f "$T/asked"
"$TACIT" init -r "$N" $FAST --passphrase-command \
    "sh -c 'touch $T/asked; echo \"$PW\"'" >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ ! -e "$T/asked" ] && grep -q "not empty" "$T/out"; then
	ok "a non-empty directory is refused before the passphrase is asked"
else notok "a non-empty directory is refused before the passphrase is asked (exit $rc)"
	sed 's/^/#   /' "$T/out"; fi
"$TACIT" init -r "$R" $FAST --passphrase-command \
    "sh -c 'touch $T/asked; echo \"$PW\"'" >"$T/out" 2>&1
if [ ! -e "$T/asked" ] && grep -q "already a tacit repository" "$T/out"; then
	ok "an existing repository is refused before the passphrase is asked"
else notok "an existing repository is refused before the passphrase is asked"
	sed 's/^/#   /' "$T/out"; fi
