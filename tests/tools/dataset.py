#!/usr/bin/env python3
"""dataset.py: a deterministic small data set for the crash and fault tests.

  dataset.py make DIR SEED [SCALE]   a few hundred files in ten directories
  dataset.py edit DIR SEED STEP      change it the same way for each STEP
                                     (new files replace old ones, so a
                                     copy made with cp -al stays as it was)
  dataset.py sum DIR                 one line per entry: type, mode, size,
                                     SHA-256; equal sums mean equal trees

SCALE (default 1) multiplies the file sizes: 1 is about 6 MB in 300 files.
Every byte comes from random.Random(SEED), so a run can be reproduced.
"""
import hashlib
import os
import random
import sys


def size(r, scale):
    k = r.random()
    if k < 0.80:
        n = r.randint(1, 8192)
    elif k < 0.96:
        n = r.randint(20000, 100000)
    else:
        n = r.randint(300000, 1000000)
    return max(1, int(n * scale))


def make(top, seed, scale):
    r = random.Random(seed)
    for i in range(300):
        d = os.path.join(top, "d%d" % (i % 10))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f%03d" % i), "wb") as f:
            f.write(r.randbytes(size(r, scale)))


def files(top):
    out = []
    for d, _, fs in os.walk(top):
        out.extend(os.path.join(d, f) for f in fs)
    return sorted(out)


def replace(p, data):
    """Write a new file over ${p}, so hard-linked copies keep the old one."""
    with open(p + ".new", "wb") as f:
        f.write(data)
    os.rename(p + ".new", p)


def edit(top, seed, step):
    """Rewrite a few files, append to one, add two, remove one, rename one.
    Files are replaced, never changed in place (see replace)."""
    r = random.Random("%s/%s" % (seed, step))
    fs = files(top)
    for p in r.sample(fs, 3):
        with open(p, "rb") as f:
            data = bytearray(f.read())
        o = r.randrange(len(data))
        new = r.randbytes(r.randint(1, 64))
        data[o:o + len(new)] = new
        replace(p, bytes(data))
    p = r.choice(fs)
    with open(p, "rb") as f:
        replace(p, f.read() + r.randbytes(r.randint(1, 50000)))
    for k in range(2):
        d = os.path.join(top, "d%d" % r.randrange(10))
        with open(os.path.join(d, "n%d-%d" % (step, k)), "wb") as f:
            f.write(r.randbytes(size(r, 1)))
    fs = files(top)
    os.unlink(r.choice(fs))
    fs = files(top)
    p = r.choice(fs)
    os.rename(p, p + "r")


def tsum(top):
    lines = []
    for d, ds, fs in os.walk(top):
        for name in ds + fs:
            p = os.path.join(d, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, top)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
                lines.append("f %o %d %s %s" % (st.st_mode, st.st_size, h,
                                                rel))
            else:
                lines.append("d %o %s" % (st.st_mode, rel))
    print("\n".join(sorted(lines)))


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2], sys.argv[3],
             float(sys.argv[4]) if len(sys.argv) > 4 else 1.0)
    elif cmd == "edit":
        edit(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "sum":
        tsum(sys.argv[2])
    else:
        sys.exit("dataset.py: unknown command %s" % cmd)


if __name__ == "__main__":
    main()
