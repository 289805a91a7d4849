#!/bin/sh
# footprint/20-readonly.sh: the same commands in a mount namespace where
# every mount is read-only but one tmpfs that holds the repository and the
# restore target: any write anywhere else would fail with EROFS and fail
# the command.  Needs a mount namespace (root, or unprivileged user
# namespaces); skipped where there is none.
. "$(dirname "$0")/../regress/lib.sh"

if ! unshare -m true 2>/dev/null; then
	if unshare -rm true 2>/dev/null; then
		U=-rm
	else
		ok "# SKIP no mount namespaces here"
		exit 0
	fi
else
	U=-m
fi
W=$T/w
mkdir -p "$W" "$T/src/d"
printf 'hello\n' >"$T/src/d/f"
head -c 2000000 /dev/urandom >"$T/src/big"
printf '%s\n' "$PW" >"$T/pw"
cat >"$T/inner.sh" <<EOS
set -u
mount --make-rprivate / 2>/dev/null
mount -t tmpfs -o size=64m tmpfs "$W" || exit 90
# Every other mount read-only, deepest first.
awk '{print \$5}' /proc/self/mountinfo | sort -r | while read -r mp; do
	case "\$mp" in "$W"|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
	mount -o remount,bind,ro "\$mp" 2>/dev/null
done
touch /etc/.tacit-rw-probe 2>/dev/null && { echo "root fs still writable"; exit 91; }
t() { "\$@" >>"$W/log" 2>&1 || { echo "FAILED: \$*"; cat "$W/log"; exit 1; }; }
t "$TACIT" init -q -r "$W/repo" $FAST --passphrase-fd 3 3<"$T/pw"
t "$TACIT" backup -q -r "$W/repo" "$T/src" --passphrase-fd 3 3<"$T/pw"
t "$TACIT" backup -q -r "$W/repo" "$T/src" --passphrase-fd 3 3<"$T/pw"
t "$TACIT" snapshots -q -r "$W/repo" --passphrase-fd 3 3<"$T/pw"
t "$TACIT" ls -r "$W/repo" latest --passphrase-fd 3 3<"$T/pw"
t "$TACIT" restore -q -r "$W/repo" latest --target "$W/out" --passphrase-fd 3 3<"$T/pw"
t "$TACIT" check -r "$W/repo" --read-data --passphrase-fd 3 3<"$T/pw"
t "$TACIT" log -r "$W/repo" latest --passphrase-fd 3 3<"$T/pw"
t "$TACIT" find -r "$W/repo" big --passphrase-fd 3 3<"$T/pw"
t "$TACIT" diff -r "$W/repo" latest latest --passphrase-fd 3 3<"$T/pw"
"$TACIT" dump -r "$W/repo" latest /src/big --passphrase-fd 3 3<"$T/pw" |
    cmp - "$T/src/big" || { echo "dump differs or failed"; exit 1; }
t "$TACIT" key list -r "$W/repo" --passphrase-fd 3 3<"$T/pw"
t "$TACIT" stats -r "$W/repo" --passphrase-fd 3 3<"$T/pw"
t "$TACIT" tag -q -r "$W/repo" latest --add ro --passphrase-fd 3 3<"$T/pw"
printf '%s\nsecond\n' "$PW" >"$W/pw2"
t "$TACIT" key add -q -r "$W/repo" $FAST --passphrase-fd 3 --new-passphrase-fd 3 3<"$W/pw2"
cmp "$T/src/big" "$W/out/src/big" || { echo "restore differs"; exit 1; }
echo ALLGOOD
EOS
unshare $U sh "$T/inner.sh" >"$T/ns.out" 2>&1
rc=$?
case $rc in
0)	grepq ALLGOOD "$T/ns.out" &&
	    ok "init, backup, snapshots, ls, restore, check, log, find, diff, dump, key list, stats, tag, key add run with every mount read-only but the repository's" ||
	    notok "namespace run: $(cat "$T/ns.out")" ;;
90|91)	ok "# SKIP cannot make a read-only world here ($(head -n 1 "$T/ns.out"))" ;;
*)	notok "a command failed with the world read-only:"
	sed 's/^/#   /' "$T/ns.out" | head -20 ;;
esac
