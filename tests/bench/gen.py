#!/usr/bin/python3
"""Deterministic benchmark data for tests/bench/bench.sh (stdlib only).

The recipes are the team's shared ones (../shared/bench), written down again
here so that tacit's repository is self-contained and its numbers stay
comparable with the shared peer results: the same arguments give the same
bytes, so the tree digests match.

  small   OUT NFILES SEED        small files 0-8 KiB in a 10x10x10 tree:
                                 text 50 %, random 25 %, json 15 %, dup 10 %
  vmimage OUT MIB SEED           one sparse image of random, text (the
                                 decompressed linux-source tarball) and zero
                                 segments of 1-32 MiB
  vmmod   SRC DST SEED           SRC with 10 insertions of 1-16 bytes and
                                 1 MiB overwritten
  patch   SRC DST OFF LEN SEED   SRC with LEN bytes overwritten at OFF
  scale   OUT NFILES SEED        NFILES small files for the scaling table
                                 (fast; content sliced from a 32 MiB pool)
  apply   DATASET ROOT STASH MOD the "small change" of a dataset, by renames,
                                 undone by revert (pristine files never edited)
  revert  ROOT STASH
"""
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys

MIB = 1 << 20
EPOCH = 1704067200            # 2024-01-01T00:00:00Z, every generated mtime
TARBALL = "/usr/src/linux-source-6.1.tar.xz"


class Pipe:
    """Exactly n bytes at a time from a command's stdout; the command is
    started again from the beginning when its output ends."""

    def __init__(self, argv):
        self.argv = argv
        self.proc = None

    def take(self, n):
        got = []
        need = n
        while need > 0:
            if self.proc is None:
                self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL)
            b = self.proc.stdout.read(min(need, 8 * MIB))
            if not b:
                self.proc.wait()
                self.proc = None
                continue
            got.append(b)
            need -= len(b)
        return b"".join(got)

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def keystream(seed, tag):
    key = hashlib.sha256(("%s:%d" % (tag, seed)).encode()).hexdigest()
    return Pipe(["openssl", "enc", "-aes-256-ctr", "-K", key, "-iv", "0" * 32,
                 "-in", "/dev/zero"])


class HoleWriter:
    """Writes a file sequentially; 1 MiB blocks (aligned to the start of
    the file) that are all zero become holes."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.pend = bytearray()
        self.size = 0
        self.zero = bytes(MIB)

    def put(self, b):
        self.pend += b
        if len(self.pend) >= 16 * MIB:
            self._drain(False)

    def _drain(self, last):
        at = 0
        while len(self.pend) - at >= MIB or (last and at < len(self.pend)):
            blk = self.pend[at:at + MIB]
            if len(blk) == MIB and blk == self.zero:
                self.f.seek(MIB, os.SEEK_CUR)
            else:
                self.f.write(blk)
            self.size += len(blk)
            at += len(blk)
        del self.pend[:at]

    def close(self):
        self._drain(True)
        self.f.truncate(self.size)
        self.f.close()


def copy_n(f, n, w):
    while n > 0:
        b = f.read(min(n, 8 * MIB))
        if not b:
            sys.exit("unexpected end of input")
        w.put(b)
        n -= len(b)


def small(out, nfiles, seed):
    r = random.Random(seed)
    vr = random.Random(seed + 1)
    abc = "abcdefghijklmnopqrstuvwxyz"
    words = []
    for _ in range(4000):
        k = vr.randint(2, 10)
        words.append("".join(vr.choice(abc) for _ in range(k)))
    words += ["int", "return", "if", "else", "struct", "the", "of", "and",
              "{", "}", ";", "=", "0", "1"] * 50
    leaves = ["a%d/b%d/c%d" % (i, j, k)
              for i in range(10) for j in range(10) for k in range(10)]
    mids = ["a%d" % i for i in range(10)] + \
        ["a%d/b%d" % (i, j) for i in range(10) for j in range(10)]
    for d in leaves + mids:
        os.makedirs(os.path.join(out, d), exist_ok=True)
    pool = []            # earlier contents that "dup" files copy
    total = 0
    for n in range(nfiles):
        d = leaves[n % len(leaves)] if n % 50 else mids[(n // 50) % len(mids)]
        size = r.randint(0, 8192)
        u = r.random()
        if u < 0.50:
            ext = "txt"
            ws = r.choices(words, k=size // 5 + 1)
            text = "\n".join(" ".join(ws[i:i + 10])
                             for i in range(0, len(ws), 10)) + "\n"
            data = text.encode()[:size]
        elif u < 0.75:
            ext = "bin"
            data = r.randbytes(size)
        elif u < 0.90:
            ext = "json"
            recs = []
            length = 0
            while length < size:
                rec = '{"id": %d, "name": "%s", "value": %.4f, ' \
                      '"tags": ["%s", "%s"]}\n' % (
                          r.randint(0, 10 ** 6), r.choice(words),
                          r.random() * 1000, r.choice(words), r.choice(words))
                recs.append(rec)
                length += len(rec)
            data = "".join(recs).encode()[:size]
        else:
            ext = "dup"
            data = pool[r.randrange(len(pool))] if pool else b""
        if ext != "dup":
            if len(pool) < 2000:
                pool.append(data)
            elif r.random() < 0.01:
                pool[r.randrange(len(pool))] = data
        p = os.path.join(out, d, "f%06d.%s" % (n, ext))
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, 0o644)
        os.utime(p, (EPOCH + n, EPOCH + n))
        total += len(data)
    for d in sorted(leaves + mids, key=lambda x: -x.count("/")) + [""]:
        os.utime(os.path.join(out, d), (EPOCH, EPOCH))
    print("small: %d files, %d bytes" % (nfiles, total))


def vmimage(out, mib, seed):
    r = random.Random(seed)
    size = mib * MIB
    rnd = keystream(seed, "vmimage")
    txt = Pipe(["xz", "-dc", TARBALL])
    w = HoleWriter(out)
    pos = 0
    while pos < size:
        seg = min(r.randrange(256, 8193) * 4096, size - pos)
        kind = r.choices("RTZ", weights=[4, 3, 3])[0]
        left = seg
        while left > 0:
            n = min(left, 8 * MIB)
            if kind == "R":
                w.put(rnd.take(n))
            elif kind == "T":
                w.put(txt.take(n))
            else:
                w.put(bytes(n))
            left -= n
        pos += seg
    w.close()
    rnd.close()
    txt.close()
    os.utime(out, (EPOCH, EPOCH))
    print("vmimage: %d bytes" % size)


def vmmod(src, dst, seed):
    size = os.path.getsize(src)
    r = random.Random(seed)
    ins = []
    for _ in range(10):
        off = r.randrange(size)
        ins.append((off, r.randbytes(r.randint(1, 16))))
    ins.sort()
    ow = r.randrange(size // 4, size - 2 * MIB)
    ow -= ow % 4096
    owdata = random.Random(seed + 99).randbytes(MIB)
    cuts = sorted(set([o for o, _ in ins] + [ow, ow + MIB]))
    w = HoleWriter(dst)
    at = 0
    with open(src, "rb") as f:
        for c in cuts:
            if c > at:
                if ow <= at and c <= ow + MIB:
                    w.put(owdata[at - ow:c - ow])
                    f.seek(c)
                else:
                    copy_n(f, c - at, w)
                at = c
            for o, b in ins:
                if o == c:
                    w.put(b)
        copy_n(f, size - at, w)
    w.close()
    os.utime(dst, (EPOCH + 86400, EPOCH + 86400))
    print("vmmod: %d insertions, 1 MiB overwritten at %d" % (len(ins), ow))


def patch(src, dst, off, length, seed):
    size = os.path.getsize(src)
    w = HoleWriter(dst)
    with open(src, "rb") as f:
        copy_n(f, off, w)
        w.put(random.Random(seed).randbytes(length))
        f.seek(off + length)
        copy_n(f, size - off - length, w)
    w.close()
    os.utime(dst, (EPOCH + 86400, EPOCH + 86400))
    print("patch: %d bytes at %d" % (length, off))


def scale(out, nfiles, seed):
    """Fast small files: sizes 0-8 KiB, contents sliced from a pool that is
    half text, half random, 1000 files per directory."""
    r = random.Random(seed)
    text = " ".join("w%d" % r.randrange(5000) for _ in range(3 * MIB))
    pool = text.encode()[:16 * MIB] + r.randbytes(16 * MIB)
    total = 0
    for n in range(nfiles):
        if n % 1000 == 0:
            d = os.path.join(out, "d%04d" % (n // 1000))
            os.makedirs(d, exist_ok=True)
        size = r.randint(0, 8192)
        off = r.randrange(len(pool) - size)
        p = os.path.join(d, "f%07d" % n)
        with open(p, "wb") as f:
            f.write(pool[off:off + size])
        os.utime(p, (EPOCH + n, EPOCH + n))
        total += size
    print("scale: %d files, %d bytes" % (nfiles, total))


def files_under(root, want):
    found = []
    for dp, dns, fns in os.walk(root):
        dns.sort()
        for fn in sorted(fns):
            p = os.path.join(dp, fn)
            if not os.path.islink(p) and os.path.isfile(p) and want(p):
                found.append(os.path.relpath(p, root))
    return found


def apply_change(dataset, root, stash, moddir):
    man = os.path.join(stash, "manifest.json")
    if os.path.exists(man):
        sys.exit("%s: a change is already applied; revert it first" % stash)
    os.makedirs(stash, exist_ok=True)
    ops = []
    dirs = {}

    def keep_dir_times(rel):
        d = os.path.dirname(os.path.join(root, rel))
        if d not in dirs:
            st = os.stat(d)
            dirs[d] = [st.st_atime_ns, st.st_mtime_ns]

    if dataset in ("linux", "small", "tiny"):
        if dataset == "linux":
            cand = files_under(root, lambda p: p.endswith(".c"))
        else:
            cand = files_under(root, lambda p: os.path.getsize(p) > 0)
        step = len(cand) / 50.0
        for i in range(50):
            rel = cand[int(i * step)]
            keep_dir_times(rel)
            p = os.path.join(root, rel)
            with open(p, "rb") as f:
                old = f.read()
            if dataset == "linux":
                lines = old.split(b"\n")
                lines.insert(len(lines) // 2, b"/* tacit-bench edit %d */" % i)
                new = b"\n".join(lines)
            else:
                mid = len(old) // 2
                new = old[:mid] + (b"<tacit-edit-%03d>" % i)[:16] + old[mid:]
            mode = os.stat(p).st_mode & 0o7777
            sp = os.path.join(stash, "files", rel)
            os.makedirs(os.path.dirname(sp), exist_ok=True)
            os.rename(p, sp)
            with open(p, "wb") as f:
                f.write(new)
            os.chmod(p, mode)
            ops.append(["edit", rel])
    elif dataset in ("random", "vmimage"):
        name = {"random": "random.bin", "vmimage": "disk.img"}[dataset]
        mod = os.path.join(moddir, {"random": "random.bin",
                                    "vmimage": "vmimage.img"}[dataset])
        keep_dir_times(name)
        os.rename(os.path.join(root, name), os.path.join(stash, name))
        os.rename(mod, os.path.join(root, name))
        ops.append(["swap", name, mod])
    else:
        sys.exit("no change recipe for %s" % dataset)
    with open(man, "w") as f:
        json.dump({"root": root, "ops": ops, "dirs": dirs}, f)
    print("changed %s: %d operations" % (dataset, len(ops)))


def revert_change(root, stash):
    man = os.path.join(stash, "manifest.json")
    if not os.path.exists(man):
        return
    with open(man) as f:
        m = json.load(f)
    for op in reversed(m["ops"]):
        if op[0] == "edit":
            os.replace(os.path.join(stash, "files", op[1]),
                       os.path.join(root, op[1]))
        else:
            os.rename(os.path.join(root, op[1]), op[2])
            os.rename(os.path.join(stash, op[1]), os.path.join(root, op[1]))
    for d, (at, mt) in m["dirs"].items():
        os.utime(d, ns=(at, mt))
    shutil.rmtree(stash)
    print("reverted the change in %s" % root)


def main():
    os.umask(0o022)
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "small":
        small(a[0], int(a[1]), int(a[2]))
    elif cmd == "vmimage":
        vmimage(a[0], int(a[1]), int(a[2]))
    elif cmd == "vmmod":
        vmmod(a[0], a[1], int(a[2]))
    elif cmd == "patch":
        patch(a[0], a[1], int(a[2]), int(a[3]), int(a[4]))
    elif cmd == "scale":
        scale(a[0], int(a[1]), int(a[2]))
    elif cmd == "apply":
        apply_change(a[0], a[1], a[2], a[3])
    elif cmd == "revert":
        revert_change(a[0], a[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
