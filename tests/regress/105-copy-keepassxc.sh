#!/bin/sh
# 105-copy-keepassxc.sh: each repository's passphrase comes from its own
# KeePassXC entry when both are given (--keepassxc for -r, --to-keepassxc
# for copy's DST, --from-keepassxc for init --copy-chunker-from's SRC):
# neither entry is read for the other repository.  A stand-in
# keepassxc-cli on PATH prints "pw-ENTRY" for ENTRY.  (Both sources once
# shared one argv array: init made DST with SRC's passphrase, and copy
# sent DST's passphrase to SRC's keyholder.)
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/bin"
: >"$T/db"
cat >"$T/bin/keepassxc-cli" <<'SH'
#!/bin/sh
for a; do last=$a; done
printf 'pw-%s\n' "$last"
SH
chmod 0755 "$T/bin/keepassxc-cli"
PATH=$T/bin:$PATH
export PATH
SRC=$T/src D1=$T/d1 D2=$T/d2 DATA=$T/data
mkdir -p "$DATA"
echo hello >"$DATA/f"
pw() { printf 'pw-%s\n' "$1" >"$T/pw.$1"; }
pw E_src; pw E_d1; pw E_d2
"$TACIT" init -r "$SRC" $FAST --passphrase-fd 3 3<"$T/pw.E_src" >/dev/null 2>&1 &&
    "$TACIT" backup -q -r "$SRC" "$DATA" --passphrase-fd 3 3<"$T/pw.E_src" >/dev/null ||
    notok "setup: SRC"

"$TACIT" init -r "$D1" $FAST --keepassxc "$T/db" E_d1 --copy-chunker-from "$SRC" \
    --from-keepassxc "$T/db" E_src >"$T/i.out" 2>&1
rc=$?
"$TACIT" snapshots -r "$D1" --passphrase-fd 3 3<"$T/pw.E_d1" >"$T/s.out" 2>&1
rc2=$?
if [ $rc = 0 ] && [ $rc2 = 0 ]; then
	ok "init --keepassxc E_d1 --copy-chunker-from --from-keepassxc E_src: DST opens with E_d1's passphrase"
else notok "init with two KeePassXC entries (exit $rc), DST with E_d1's passphrase (exit $rc2)"
	sed 's/^/#   /' "$T/i.out" "$T/s.out"; fi
xcode 12 "and not with E_src's" "$TACIT" snapshots -r "$D1" --passphrase-fd 3 3<"$T/pw.E_src"

"$TACIT" init -r "$D2" $FAST --passphrase-fd 3 3<"$T/pw.E_d2" >/dev/null 2>&1 ||
    notok "setup: D2"
"$TACIT" copy -r "$SRC" --keepassxc "$T/db" E_src --to "$D2" \
    --to-keepassxc "$T/db" E_d2 >"$T/c.out" 2>&1
rc=$?
"$TACIT" restore -q -r "$D2" latest --target "$T/out" --passphrase-fd 3 3<"$T/pw.E_d2" >"$T/r.out" 2>&1
rc2=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] && cmp -s "$T/out/data/f" "$DATA/f"; then
	ok "copy --keepassxc E_src --to-keepassxc E_d2: each repository unlocks with its own entry"
else notok "copy with two KeePassXC entries (exit $rc), restore from DST (exit $rc2)"
	sed 's/^/#   /' "$T/c.out" "$T/r.out"; fi
