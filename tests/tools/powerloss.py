#!/usr/bin/env python3
"""powerloss.py: simulate a power cut in a repository from an strace log.

  powerloss.py REPO BASE TRACE [strict|meta]
      BASE is a copy of REPO made before the run (all of it is taken as
      durable); TRACE is `strace -f -y -s 0 -o TRACE -e trace=openat,write,
      pwrite64,fsync,fdatasync,renameat,renameat2,unlinkat,mkdirat,ftruncate`
      of the run, cut short (e.g. by inject=fsync:signal=KILL:when=N).
      Rebuild REPO as a disk would hold it after losing power at that
      moment:

      - a file keeps only the bytes it had at its last fsync/fdatasync;
      - a directory keeps only the entries it had at its last fsync, so a
        create, rename, unlink or mkdir not followed by an fsync of its
        directory is undone (a renamed file is back under its old name if
        that one was durable, else gone);
      - a directory that is not durable in its parent is gone with all it
        holds.

      That is the "strict" mode.  In "meta" mode every directory change is
      durable at once (a file system that journals metadata in order) and
      only file data waits for fsync: a new file can survive empty.

      Prints one line per dropped entry ("dropped PATH") or cut file ("cut
      PATH OLD->NEW"), then "summary: F files kept, D dropped, C cut,
      B bytes lost".

Only appending writes are modelled (tacit writes each file once, from the
start); a pwrite or ftruncate that would need the overwritten bytes is
refused, so the model cannot silently be wrong.
"""
import os
import re
import shutil
import sys

FD = r'(?:AT_FDCWD|-?\d+)<([^>]*)>'
PATTERNS = [
    ("open", re.compile(r'^openat\(' + FD + r', "([^"]*)", ([A-Z_|0-9]+)'
                        r'.*\)\s+= \d+<([^>]*)>')),
    ("write", re.compile(r'^write\(' + FD + r', .*\)\s+= (\d+)$')),
    ("pwrite", re.compile(r'^pwrite64\(' + FD + r', .*, (\d+), (\d+)\)\s+= '
                          r'(\d+)$')),
    ("sync", re.compile(r'^f(?:data)?sync\(' + FD + r'\)\s+= 0$')),
    ("rename", re.compile(r'^renameat2?\(' + FD + r', "([^"]*)", ' + FD +
                          r', "([^"]*)"(?:, \w+)?\)\s+= 0$')),
    ("unlink", re.compile(r'^unlinkat\(' + FD +
                          r', "([^"]*)", (\w+)\)\s+= 0$')),
    ("mkdir", re.compile(r'^mkdirat\(' + FD + r', "([^"]*)", \w+\)\s+= 0$')),
    ("trunc", re.compile(r'^ftruncate\(' + FD + r', (\d+)\)\s+= 0$')),
]


class Model:
    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.n = 0
        self.kind = {}          # inode -> 'f' or 'd'
        self.cur = {}           # file inode -> bytes written
        self.dur = {}           # file inode -> bytes synced
        self.cdir = {}          # dir inode -> {name: inode} now
        self.ddir = {}          # dir inode -> {name: inode} at last sync
        self.top = self.new('d')

    def new(self, kind):
        self.n += 1
        self.kind[self.n] = kind
        if kind == 'd':
            self.cdir[self.n] = {}
            self.ddir[self.n] = {}
        else:
            self.cur[self.n] = 0
            self.dur[self.n] = 0
        return self.n

    def rel(self, path):
        """REPO-relative components of an absolute path, or None."""
        path = os.path.normpath(path)
        if path == self.root:
            return []
        if not path.startswith(self.root + "/"):
            return None
        return path[len(self.root) + 1:].split("/")

    def lookup(self, parts):
        i = self.top
        for p in parts:
            if self.kind[i] != 'd' or p not in self.cdir[i]:
                return None
            i = self.cdir[i][p]
        return i

    def parent(self, parts):
        d = self.lookup(parts[:-1])
        if d is None or self.kind[d] != 'd':
            raise SystemExit("powerloss.py: no directory for %s" %
                             "/".join(parts))
        return d, parts[-1]

    def load(self, base):
        """Everything in ${base} (a copy of the repository) is durable."""
        self.origin = {}
        for d, ds, fs in os.walk(base):
            rel = os.path.relpath(d, base)
            parts = [] if rel == "." else rel.split("/")
            di = self.lookup(parts)
            for name in sorted(ds):
                i = self.new('d')
                self.cdir[di][name] = self.ddir[di][name] = i
            for name in sorted(fs):
                i = self.new('f')
                self.cdir[di][name] = self.ddir[di][name] = i
                self.origin[i] = os.path.join(d, name)
                self.cur[i] = self.dur[i] = os.lstat(self.origin[i]).st_size

    def touched(self, d):
        if self.meta:
            self.ddir[d] = dict(self.cdir[d])


def target(m, dpath, name):
    if name.startswith("/"):
        return m.rel(name)
    return m.rel(os.path.join(dpath, name))


def event(m, kind, g):
    if kind == "open":
        dpath, name, flags, res = g
        parts = m.rel(res)
        if parts is None or "O_CREAT" not in flags:
            return
        if m.lookup(parts) is None:
            d, base = m.parent(parts)
            m.cdir[d][base] = m.new('f')
            m.touched(d)
    elif kind in ("write", "pwrite", "trunc", "sync"):
        parts = m.rel(g[0])
        if parts is None:
            return
        i = m.lookup(parts)
        if i is None:
            raise SystemExit("powerloss.py: %s on unknown %s" % (kind, g[0]))
        if kind == "write":
            m.cur[i] += int(g[1])
        elif kind == "pwrite":
            if int(g[2]) != m.cur[i]:
                raise SystemExit("powerloss.py: pwrite not at the end")
            m.cur[i] += int(g[3])
        elif kind == "trunc":
            if int(g[1]) < m.dur[i]:
                raise SystemExit("powerloss.py: ftruncate below synced size")
            m.cur[i] = int(g[1])
        elif m.kind[i] == 'd':
            m.ddir[i] = dict(m.cdir[i])
        else:
            m.dur[i] = m.cur[i]
    elif kind == "rename":
        a = target(m, g[0], g[1])
        b = target(m, g[2], g[3])
        if a is None or b is None:
            return
        da, na = m.parent(a)
        db, nb = m.parent(b)
        m.cdir[db][nb] = m.cdir[da].pop(na)
        m.touched(da)
        m.touched(db)
    elif kind == "unlink":
        a = target(m, g[0], g[1])
        if a is not None:
            d, n = m.parent(a)
            m.cdir[d].pop(n)
            m.touched(d)
    elif kind == "mkdir":
        a = target(m, g[0], g[1])
        if a is not None:
            d, n = m.parent(a)
            m.cdir[d][n] = m.new('d')
            m.touched(d)


def lines(trace):
    """Whole syscall lines, per pid, with unfinished calls joined."""
    pending = {}
    with open(trace, errors="replace") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            pid, _, rest = raw.partition(" ")
            if not pid.isdigit():
                pid, rest = "0", raw
            rest = rest.lstrip()
            if rest.endswith("<unfinished ...>"):
                pending[pid] = rest[:-len("<unfinished ...>")].rstrip()
                continue
            mm = re.match(r'^<\.\.\. \w+ resumed>(.*)$', rest)
            if mm:
                rest = pending.pop(pid, "") + mm.group(1)
            yield rest


def walk(m, d, prefix, table):
    """Every entry of a tree, by path: (inode, path) from table."""
    for name, i in sorted(table[d].items()):
        p = prefix + [name]
        yield i, p
        if m.kind[i] == 'd':
            yield from walk(m, i, p, table)


def replay(repo, base, trace, mode):
    m = Model(repo)
    m.meta = mode == "meta"
    m.load(base)
    for line in lines(trace):
        for kind, rx in PATTERNS:
            mm = rx.match(line)
            if mm:
                event(m, kind, mm.groups())
                break
        else:
            # A successful call on the repository the model does not know
            # would make the simulation wrong: refuse it.
            if m.root in line and re.search(r'\)\s+= \d', line):
                raise SystemExit("powerloss.py: cannot model: " + line)
    now = {i: p for i, p in walk(m, m.top, [], m.cdir)}
    kept = list(walk(m, m.top, [], m.ddir))
    keep_ids = {i for i, _ in kept}
    lost = dropped = cut = files = 0
    for i, p in now.items():
        if i not in keep_ids:
            dropped += 1
            if m.kind[i] == 'f':
                lost += m.cur[i]
            print("dropped " + "/".join(p))
    new = m.root + ".powerloss"
    shutil.rmtree(new, ignore_errors=True)
    os.mkdir(new, 0o700)
    for i, p in kept:
        dst = os.path.join(new, *p)
        if m.kind[i] == 'd':
            os.mkdir(dst, 0o700)
            continue
        if i in now:
            src = os.path.join(m.root, *now[i])
        elif i in m.origin:     # unlinked, but the unlink was not durable
            src = m.origin[i]
        else:
            raise SystemExit("powerloss.py: durable %s was unlinked" %
                             "/".join(p))
        with open(src, "rb") as f:
            data = f.read(m.dur[i])
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copymode(src, dst)
        files += 1
        if m.cur[i] != m.dur[i]:
            cut += 1
            lost += m.cur[i] - m.dur[i]
            print("cut %s %d->%d" % ("/".join(p), m.cur[i], m.dur[i]))
    shutil.copymode(m.root, new)
    old = m.root + ".crashed"
    shutil.rmtree(old, ignore_errors=True)
    os.rename(m.root, old)
    os.rename(new, m.root)
    shutil.rmtree(old)
    print("summary: %d files kept, %d dropped, %d cut, %d bytes lost" %
          (files, dropped, cut, lost))


def main():
    if len(sys.argv) in (4, 5):
        mode = sys.argv[4] if len(sys.argv) == 5 else "strict"
        if mode not in ("strict", "meta"):
            sys.exit("powerloss.py: mode is strict or meta")
        replay(sys.argv[1], sys.argv[2], sys.argv[3], mode)
    else:
        sys.exit("usage: powerloss.py REPO BASE TRACE [strict|meta]")


if __name__ == "__main__":
    main()
