# tests/regress/lib.sh: helpers for end-to-end tests.  Source it first.
#
#   T          a fresh scratch directory for this script
#   PW         the test passphrase;  tp ARGS  runs tacit with PW on fd 0
#   FAST       cheap KDF options for new slots (tests only; real slots use
#              the default cost)
#   ok/notok   print one case result;  check DESC CMD...  runs CMD
#   xcode N DESC CMD...  passes if CMD exits with status N
#   grepq PATTERN FILE   quiet grep that works on binary files
set -u
: "${TACIT:?}"
: "${TESTTMP:?}"
T=$(mktemp -d "$TESTTMP/$(basename "$0" .sh).XXXXXX")
PW="correct horse battery staple"
FAST="--kdf-memory 64 --kdf-iterations 1 --kdf-lanes 1"

ok()	{ echo "ok - $*"; }
notok()	{ echo "not ok - $*"; }

check() {
	desc=$1
	shift
	if "$@" >"$T/.out" 2>&1; then ok "$desc"; else
		notok "$desc"; sed 's/^/#   /' "$T/.out"; fi
}

xcode() {
	want=$1
	desc=$2
	shift 2
	"$@" >"$T/.out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$desc"; else
		notok "$desc (exit $got, wanted $want)"
		sed 's/^/#   /' "$T/.out"
	fi
}

# tp ARGS: tacit with the test passphrase on descriptor 0.
tp() {
	printf '%s\n' "$PW" | "$TACIT" "$@" --passphrase-fd 0
}

grepq() { grep -a -q -- "$1" "$2"; }

# --- helpers for byte-level tampering and tree comparison -------------------

# fsize FILE: its size in bytes.
fsize() { wc -c <"$1" | tr -d ' '; }

# getbyte FILE OFFSET: the byte at OFFSET as a decimal number.
getbyte() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }

# putbyte FILE OFFSET VALUE: overwrite one byte (VALUE decimal 0..255).
putbyte() {
	# shellcheck disable=SC2059
	printf "\\$(printf %03o "$3")" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# flip FILE OFFSET: invert every bit of the byte at OFFSET.
flip() { putbyte "$1" "$2" $(( $(getbyte "$1" "$2") ^ 255 )); }

# treesum DIR: names, types, modes and checksums of everything under DIR,
# sorted, so two listings compare equal only if nothing changed.
treesum() {
	(cd "$1" && find . -exec stat -c '%A %s %n' {} + | sort &&
	    find . -type f -exec cksum {} + | sort)
}

# mkrepo DIR: a new repository with the test passphrase and cheap KDF.
mkrepo() { tp init -r "$1" $FAST >/dev/null 2>&1; }

# slots DIR: the key slot file names of the repository DIR, one a line.
slots() { ls "$1/keys"; }

# now_ms: wall-clock milliseconds (GNU date).
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
