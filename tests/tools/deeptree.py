#!/usr/bin/env python3
# deeptree.py: build, compare and remove directory trees deeper than
# PATH_MAX, one open directory at a time (down by name, up through "..").
#   deeptree.py make DIR DEPTH   DIR/d/d/.../d (DEPTH levels) with a file
#                                at the bottom, and three files and a
#                                symlink every 4000 levels
#   deeptree.py cmp A B          exit 1 unless A and B hold the same names,
#                                types, modes, sizes, bytes, file mtimes and
#                                symlink targets
#   deeptree.py rm DIR...        remove DIR and everything below it
import hashlib, os, stat, sys

DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW

def make(top, depth):
    os.mkdir(top)
    fd = os.open(top, DIR)
    for k in range(1, depth + 1):
        if k % 4000 == 0:	# a few files and a symlink on the way
            for j in range(3):
                f = os.open("f%d" % j, os.O_WRONLY | os.O_CREAT, 0o640,
                            dir_fd=fd)
                os.write(f, (b"level %d file %d\n" % (k, j)) * (j * 50 + 1))
                os.close(f)
            os.symlink("../f0", "ln", dir_fd=fd)
        os.mkdir("d", 0o750 if k % 1000 == 0 else 0o755, dir_fd=fd)
        nfd = os.open("d", DIR, dir_fd=fd)
        os.close(fd)
        fd = nfd
    f = os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
    os.write(f, b"the deepest file\n")
    os.close(f)
    os.close(fd)

def walk(top, visit, post=None):
    """Depth first, names sorted: visit(fd, depth, name, st) for each
    entry; post(fd, name) once the directory name in fd is done."""
    fd = os.open(top, DIR)
    todo = [sorted(os.listdir(fd))]
    names = []
    while todo:
        if not todo[-1]:
            todo.pop()
            if not todo:
                break
            up = os.open("..", DIR, dir_fd=fd)
            os.close(fd)
            fd = up
            name = names.pop()
            if post:
                post(fd, name)
            continue
        name = todo[-1].pop(0)
        st = os.lstat(name, dir_fd=fd)
        visit(fd, len(todo), name, st)
        if stat.S_ISDIR(st.st_mode):
            if post:
                os.chmod(name, 0o700, dir_fd=fd, follow_symlinks=False)
            nfd = os.open(name, DIR, dir_fd=fd)
            os.close(fd)
            fd = nfd
            todo.append(sorted(os.listdir(fd)))
            names.append(name)
    os.close(fd)

def listing(top):
    out = []
    def visit(fd, depth, name, st):
        m = st.st_mode
        e = [depth, name, stat.S_IFMT(m), stat.S_IMODE(m)]
        if stat.S_ISREG(m):
            f = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
            h = hashlib.sha256()
            while True:
                b = os.read(f, 1 << 16)
                if not b:
                    break
                h.update(b)
            os.close(f)
            e += [st.st_size, h.hexdigest(), st.st_mtime_ns]
        elif stat.S_ISLNK(m):
            e.append(os.readlink(name, dir_fd=fd))
        out.append(e)
    walk(top, visit)
    return out

def remove(top):
    if not os.path.lexists(top):
        return
    def visit(fd, depth, name, st):
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(name, dir_fd=fd)
    def post(fd, name):
        os.rmdir(name, dir_fd=fd)
    os.chmod(top, 0o700)
    walk(top, visit, post)
    os.rmdir(top)

sys.setrecursionlimit(200)	# nothing here recurses
if sys.argv[1] == "make":
    make(sys.argv[2], int(sys.argv[3]))
elif sys.argv[1] == "cmp":
    a, b = listing(sys.argv[2]), listing(sys.argv[3])
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            sys.exit("entry %d differs: %r != %r" % (i, x, y))
    if len(a) != len(b) or len(a) < 2:
        sys.exit("%d entries != %d" % (len(a), len(b)))
elif sys.argv[1] == "rm":
    for t in sys.argv[2:]:
        remove(t)
