#!/usr/bin/env python3
"""named.py: after a restore from a damaged repository, is every file that
differs from its source named in the restore's messages?

  named.py SRC DST ERR

SRC is the source directory as it was backed up, DST/<basename of SRC> its
restore, ERR the restore's standard error.  A file is named when the
message holds its path (from the source's basename on, as restore prints
it) or a directory above it, followed by ": "; a message about the root
tree names everything.  Prints the named files (or EVERYTHING) on the
first line.  Exits 0 if every file is identical or named, 1 if a file
differs unnamed, 2 if nothing differs and nothing is named.
"""
import os
import sys


def main():
    src, dst, err = sys.argv[1:4]
    base = os.path.basename(os.path.normpath(src))
    msg = open(err, errors="replace").read()
    everything = "root tree" in msg
    named, bad = [], []
    for d, _, fs in os.walk(src):
        for f in fs:
            rel = os.path.normpath(os.path.join(
                base, os.path.relpath(os.path.join(d, f), src)))
            parts = rel.split("/")
            up = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
            if everything or any(p + ": " in msg for p in up):
                named.append(rel)
                continue
            try:
                with open(os.path.join(d, f), "rb") as a, \
                        open(os.path.join(dst, rel), "rb") as b:
                    same = a.read() == b.read()
            except OSError:
                same = False
            if not same:
                bad.append(rel)
    print("EVERYTHING" if everything else " ".join(sorted(named)))
    if bad:
        print("differ but not named: " + " ".join(sorted(bad)))
    sys.exit(1 if bad else 2 if not named else 0)


if __name__ == "__main__":
    main()
