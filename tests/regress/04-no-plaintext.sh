#!/bin/sh
# 04-no-plaintext.sh: P6 for what exists today.  After init, key add and key
# recovery, no repository file holds a passphrase, the recovery key, the
# host or user name, the repository path or any telltale word; only the
# header and the key slots start with a magic, the header is exactly magic,
# version, id and checksum; and the sealed parts look random (gzip cannot
# shrink them).
. "$(dirname "$0")/lib.sh"

PW2="another Passphrase 4 tests"
R=$T/repo
mkrepo "$R" || notok "setup: init"
printf '%s\n%s\n' "$PW" "$PW2" | "$TACIT" key add -r "$R" --passphrase-fd 0 \
    --new-passphrase-fd 0 $FAST >/dev/null 2>&1 || notok "setup: key add"
K=$(tp key recovery -r "$R" $FAST 2>/dev/null | sed -n 's/^Recovery key: //p')
[ -n "$K" ] || notok "setup: key recovery"
[ "$(slots "$R" | wc -l)" -eq 3 ] || notok "setup: three key slots"

files=$(find "$R" -type f | sort)

# absent DESC PATTERN [grep options]: no repository file contains PATTERN.
absent() {
	desc=$1
	pat=$2
	shift 2
	hits=
	for f in $files; do
		grep -a -q -F "$@" -e "$pat" "$f" && hits="$hits ${f#"$R"/}"
	done
	if [ -z "$hits" ]; then ok "no repository file contains $desc"
	else notok "no repository file contains $desc (found in:$hits)"; fi
}

# absent_id DESC VALUE: as absent, case-sensitive, and only when VALUE is
# long enough that random bytes cannot match it by chance.
absent_id() {
	if [ "${#2}" -ge 3 ]; then absent "$1 '$2'" "$2"
	else ok "no repository file contains $1 # SKIP '$2' is too short to test"
	fi
}

absent "the passphrase" "$PW"
absent "the added passphrase" "$PW2"
absent "the recovery key" "$K"
absent "the recovery key (without dashes)" "$(printf %s "$K" | tr -d -)"
absent_id "the host name" "$(hostname)"
absent_id "the user name" "$(id -un)"
absent "the repository path" "$R"
absent "the scratch directory name" "$(basename "$T")"
for w in argon zstd chunk config pack passphrase recovery tacit- blake \
    xchacha; do
	absent "'$w' (any case)" "$w" -i
done

# --- magics: only the header and the key slots carry one ------------------------
hdr=$R/header
if [ "$(fsize "$hdr")" -eq 44 ]; then ok "header is exactly 44 bytes"
else notok "header is exactly 44 bytes ($(fsize "$hdr"))"; fi
magic=$(od -An -c -N8 "$hdr" | tr -s ' ')
if [ "$magic" = " T A C I T \\0 \\r \\n" ]; then
	ok "header starts with the magic TACIT NUL CR LF"
else notok "header starts with the magic TACIT NUL CR LF (got '$magic')"; fi
ver=$(od -An -tu4 -j8 -N4 --endian=little "$hdr" | tr -d ' ')
if [ "$ver" = 2 ]; then ok "header version field is 2"
else notok "header version field is 2 (got $ver)"; fi
# The last 16 bytes are BLAKE2b-128 of the first 28: nothing else is in it.
want=$(head -c 28 "$hdr" | b2sum -l 128 | cut -d' ' -f1)
got=$(od -An -tx1 -j28 "$hdr" | tr -d ' \n')
if [ -n "$want" ] && [ "$want" = "$got" ]; then
	ok "header bytes 28..43 are the BLAKE2b-128 checksum of bytes 0..27"
else notok "header bytes 28..43 are the BLAKE2b-128 checksum ($got vs $want)"; fi
# The 16-byte id is not constant: a second repository gets another.
mkrepo "$T/other" || notok "setup: init other"
id1=$(od -An -tx1 -j12 -N16 "$hdr" | tr -d ' \n')
id2=$(od -An -tx1 -j12 -N16 "$T/other/header" | tr -d ' \n')
if [ "$id1" != "$id2" ]; then ok "repository ids differ between repositories"
else notok "repository ids differ between repositories"; fi
# (the header's only text is the magic: nothing after byte 8 says tacit)
if ! tail -c +9 "$hdr" | grep -a -q -i tacit; then
	ok "header holds no text after the magic"
else notok "header holds no text after the magic"; fi

bad=
for s in $(slots "$R"); do
	f=$R/keys/$s
	[ "$(head -c 8 "$f")" = TACITKEY ] || bad="$bad $s(magic)"
	tail -c +9 "$f" | grep -a -q -i tacit && bad="$bad $s(text)"
done
if [ -z "$bad" ]; then
	ok "every key slot starts with TACITKEY and holds no other 'tacit'"
else notok "every key slot starts with TACITKEY and holds no other 'tacit' ($bad)"; fi
bad=
for f in $files; do
	# (copy/: the same bytes as header and keys/, doc/format.md 2.1)
	case $f in "$R/header" | "$R"/keys/* | "$R/copy/header" | \
	    "$R"/copy/keys/*) continue ;; esac
	grep -a -q -i tacit "$f" && bad="$bad ${f#"$R"/}"
done
if [ -z "$bad" ]; then ok "no other file contains 'tacit' (config, lock)"
else notok "no other file contains 'tacit' ($bad)"; fi
if [ ! -s "$R/lock" ]; then ok "the lock file is empty"
else notok "the lock file is empty"; fi

# --- sealed bytes do not compress ----------------------------------------------
# incompressible FILE: gzip -9 of FILE is at least as large as FILE plus the
# 18 bytes of gzip's own header and trailer, i.e. deflate gained nothing.
incompressible() {
	[ "$(gzip -9 -n -c <"$1" | wc -c)" -ge $(( $(fsize "$1") + 18 )) ]
}
# The check itself must be able to fail: a sealed-looking file whose last
# 32 bytes are a plaintext record (as an unsealed config would be) compresses.
head -c 60 /dev/urandom >"$T/control"
printf 'chunk\000\000\000\010\000\000\000\020\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' >>"$T/control"
if ! incompressible "$T/control"; then
	ok "control: the gzip check rejects random bytes with a plaintext record"
else notok "control: the gzip check rejects random bytes with a plaintext record"; fi

if incompressible "$R/config"; then ok "config does not compress"
else notok "config does not compress ($(fsize "$R/config") ->" \
    "$(gzip -9 -n -c <"$R/config" | wc -c) bytes)"; fi
bad=
for s in $(slots "$R"); do
	f=$R/keys/$s
	[ "$(gzip -9 -n -c <"$f" | wc -c)" -ge "$(fsize "$f")" ] || bad="$bad $s"
	# the sealed part: wrapped key, meta length and sealed metadata
	tail -c +45 "$f" >"$T/sealed.$s"
	incompressible "$T/sealed.$s" || bad="$bad $s(sealed)"
done
if [ -z "$bad" ]; then
	ok "key slot files (and their sealed parts) do not compress"
else notok "key slot files (and their sealed parts) do not compress:$bad"; fi
# All sealed bytes together: config, every wrapped key and every metadata.
cat "$R/config" >"$T/all"
for s in $(slots "$R"); do
	tail -c +45 "$R/keys/$s" | head -c 72 >>"$T/all"
	tail -c +121 "$R/keys/$s" >>"$T/all"
done
if incompressible "$T/all"; then
	ok "config plus all sealed slot parts together do not compress"
else notok "config plus all sealed slot parts together do not compress" \
    "($(fsize "$T/all") -> $(gzip -9 -n -c <"$T/all" | wc -c) bytes)"; fi
