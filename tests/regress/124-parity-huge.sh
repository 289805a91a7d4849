#!/bin/sh
# 124-parity-huge.sh: a hostile repository cannot hang the parity layout
# search (P8: every loop driven by repository bytes is bounded).  A pack
# made sparse to 2^50 bytes (tmpfs allows it; ext4 stops at 16 TiB) is
# larger than any file with parity (PARITY_P_MAX): check --read-data and
# prune --dry-run finish within a minute (the search over its size
# looped for ever: its shard counter wrapped); check names damage.  Root only
# (a tmpfs in a mount namespace of its own).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then ok "# SKIP not root (124-parity-huge mounts a tmpfs)"; exit 0; fi
command -v unshare >/dev/null || { ok "# SKIP no unshare"; exit 0; }
R=$T/repo S=$T/src
mkdir -p "$S" "$T/tm"
head -c 100000 /dev/urandom >"$S/f"
printf '%s\n' "$PW" >"$T/pw"
mkrepo "$R" || notok "setup: init"
"$TACIT" backup -q -r "$R" "$S" --passphrase-fd 3 3<"$T/pw" >/dev/null || notok "setup: backup"

# In the namespace: the repository on a tmpfs, a pack truncated (sparse)
# to 2^50 bytes, then each command under timeout 60 (124: it hung).
unshare -m --propagation private sh -c '
	mount -t tmpfs -o size=64m none "$1/tm" || exit 90
	cp -a "$2" "$1/tm/repo" || exit 91
	p=$(find "$1/tm/repo/packs" -type f | head -n1)
	truncate -s 1125899906842624 "$p" || exit 92
	timeout 60 "$3" check --read-data -r "$1/tm/repo" --passphrase-fd 3 \
	    3<"$1/pw" >"$1/check.out" 2>&1
	echo $? >"$1/check.rc"
	timeout 60 "$3" prune --dry-run -r "$1/tm/repo" --passphrase-fd 3 \
	    3<"$1/pw" >"$1/prune.out" 2>&1
	echo $? >"$1/prune.rc"
' sh "$T" "$R" "$TACIT"
rc=$?
if [ $rc -ge 90 ]; then
	ok "# SKIP the tmpfs setup failed here (step $rc)"; exit 0
fi
c=$(cat "$T/check.rc") p=$(cat "$T/prune.rc")
if [ "$c" = 14 ]; then ok "check --read-data of a 2^50-byte pack ends, damaged (14)"
else notok "check --read-data of a 2^50-byte pack (exit $c; 124: hung)"; sed 's/^/#   /' "$T/check.out" | head -5; fi
if [ "$p" != 124 ]; then ok "prune --dry-run with it ends (exit $p)"
else notok "prune --dry-run with a 2^50-byte pack (exit $p; 124: hung)"; sed 's/^/#   /' "$T/prune.out" | head -5; fi
