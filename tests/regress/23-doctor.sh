#!/bin/sh
# 23-doctor.sh: tacit doctor reports one line per host risk and exits
# non-zero on a high one; a backup warns about unencrypted swap and
# --strict refuses to run.  Swap is made for real (a swap file, as root)
# where the machine allows it.
. "$(dirname "$0")/lib.sh"

# Swap is the host's: CI runs two passes of make check side by side from
# one checkout, and the other pass's swap file must not be this pass's
# "high risk".  Each run holds a lock on this script while it runs.
if command -v flock >/dev/null 2>&1; then
	exec 8<"$0"
	flock 8
fi

xcode 0 "doctor on this host exits 0 (no high risk)" "$TACIT" doctor
for w in swap hibernation "core dumps" ptrace HOME /tmp Landlock seccomp \
    "memory lock"; do
	grepq "$w" "$T/.out" && ok "doctor reports $w" ||
	    notok "doctor says nothing of $w"
done
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP swap checks need root"
	exit 0
fi
if [ "$(wc -l </proc/swaps)" -gt 1 ]; then
	ok "# SKIP this machine already has swap active"
	exit 0
fi
dd if=/dev/zero of="$T/swapfile" bs=1M count=16 2>/dev/null
chmod 600 "$T/swapfile"
if ! mkswap "$T/swapfile" >/dev/null 2>&1 ||
    ! swapon "$T/swapfile" 2>/dev/null; then
	ok "# SKIP swapon is not allowed here"
	exit 0
fi
trap 'swapoff "$T/swapfile" 2>/dev/null' EXIT
xcode 1 "with unencrypted swap, doctor exits 1" "$TACIT" doctor
grepq "HIGH  swap" "$T/.out" && grepq "NOT encrypted" "$T/.out" &&
    ok "and names it HIGH, not encrypted, with what to do" ||
    notok "doctor said: $(cat "$T/.out")"
R=$T/repo
mkdir "$T/src"
printf 'x\n' >"$T/src/f"
printf '%s\n' "$PW" >"$T/pw"
"$TACIT" init -q -r "$R" $FAST --passphrase-fd 3 3<"$T/pw" >/dev/null
xcode 0 "backup still runs" "$TACIT" backup -q -r "$R" "$T/src" \
    --passphrase-fd 3 3<"$T/pw"
grepq "unencrypted swap is active" "$T/.out" &&
    ok "and warns about the swap (even with -q)" || notok "no swap warning"
xcode 1 "backup --strict refuses" "$TACIT" backup -r "$R" "$T/src" --strict \
    --passphrase-fd 3 3<"$T/pw"
swapoff "$T/swapfile"
trap - EXIT
xcode 0 "without the swap, doctor exits 0 again" "$TACIT" doctor
