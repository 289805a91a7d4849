#!/bin/sh
# 142-restore-startup.sh: the restore worker, once in its private root
# (sandbox/mountns.c), makes sure no directory descriptor to the old root
# is open by asking poll which of descriptors 0-4095 are open (16 calls)
# and fstat only of those; before, it called fstat on each of the 4,096
# (4,091 failing with EBADF at every restore).  That the check still
# stops a worker holding such a descriptor is tests/sandbox/death.c's
# case "a directory descriptor left open".  Counted: the stat calls of a
# restore of one file that fail with EBADF, at most 8 (none is needed),
# whatever the machine's load.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null; then
	ok "# SKIP strace is not installed"; exit 0; fi
R=$T/repo S=$T/src
mkrepo "$R" || notok "setup: init"
mkdir -p "$S"
printf 'one file\n' >"$S/f"
tp backup -q -r "$R" "$S" >/dev/null 2>&1 || notok "setup: backup"

env "$NOLEAK" strace -f -qq -o "$T/trace" \
    -e trace=pivot_root,newfstatat,fstat,statx,poll,ppoll \
    "$TACIT" restore -q -r "$R" latest --target "$T/out" --passphrase-fd 3 \
    3<<EOF >"$T/rest.out" 2>&1
$PW
EOF
rc=$?
[ $rc -eq 0 ] && ok "restore under strace exits 0" ||
    { notok "restore under strace exits 0 (exit $rc)"; sed 's/^/#   /' "$T/rest.out"; }
cmp -s "$S/f" "$T/out/src/f" && ok "the file restored" ||
    notok "the file restored"
if ! grep -q 'pivot_root(' "$T/trace"; then
	ok "# SKIP no private root here (no mount namespace for the worker)"
	exit 0
fi
nbad=$(grep -c 'stat.*= -1 EBADF' "$T/trace")
nst=$(grep -c 'stat' "$T/trace")
[ "$nbad" -le 8 ] &&
    ok "stat of closed descriptors: $nbad calls ($nst stat calls in all)" ||
    notok "stat of closed descriptors: $nbad calls, at most 8 ($nst stat calls in all)"
