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
