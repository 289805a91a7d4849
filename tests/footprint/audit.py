#!/usr/bin/python3
"""audit.py TRACE ALLOWED...: read an `strace -f -y` log and print every
successful system call that writes, creates, renames, removes, links or
changes the metadata of something outside the ALLOWED path prefixes.
Exit 1 if there is any.  Writes to pipes, sockets, memory files (memfd:
backup's --files-from lists), /dev/null and terminals are fine (they are
not the file system), and so are writes
below a tmpfs that a process mounted after it unshared its mount
namespace (the restore worker's private root, sandbox/mountns.c): those
mounts are in no other namespace and vanish with the process."""
import re
import sys

trace, allowed = sys.argv[1], sys.argv[2:]
harmless = ("pipe:", "socket:", "anon_inode:", "/memfd:", "/dev/null",
            "/dev/tty", "/dev/pts/", "/dev/ptmx")
writes = {"openat", "open", "creat", "openat2"}
by_fd = {"write", "pwrite64", "writev", "ftruncate", "fchmod", "fchown",
         "fsetxattr", "fremovexattr", "fallocate"}
by_path = {"mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink",
           "unlinkat", "link", "linkat", "symlink", "symlinkat", "truncate",
           "chmod", "fchmodat", "chown", "fchownat", "lchown", "utimensat",
           "setxattr", "lsetxattr", "removexattr", "lremovexattr", "mknod",
           "mknodat", "rmdir"}
bad = []
unshared = set()	# pids with a mount namespace of their own
private = {}		# pid -> tmpfs mount points only that pid sees


def under(path, a):
    return path == a or path.startswith(a.rstrip("/") + "/")


def ok(path, pid=None):
    return path.startswith(harmless) or any(
        under(path, a) for a in allowed + private.get(pid, []))


def paths_in(args):
    """Absolute paths named by the call: "<dir>" decorations joined with
    the relative names after them, and absolute string arguments."""
    out = []
    for m in re.finditer(r'(\d+)<([^>]*)>, "([^"]*)"', args):
        d, name = m.group(2), m.group(3)
        out.append(name if name.startswith("/") else d + "/" + name)
    for m in re.finditer(r'AT_FDCWD, "([^"]*)"|^"([^"]*)"|, "(/[^"]*)"', args):
        p = m.group(1) or m.group(2) or m.group(3)
        if p:
            out.append(p)
    return out


for line in open(trace, errors="replace"):
    m = re.match(r'(?:\[pid\s+\d+\]\s+|\d+\s+)?(\w+)\((.*)\)\s+=\s+(-?\d+)(<[^>]*>)?', line)
    if not m or int(m.group(3)) < 0:
        continue
    call, args, ret = m.group(1), m.group(2), m.group(4)
    pm = re.match(r'(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)', line)
    pid = pm and (pm.group(1) or pm.group(2))
    if call == "unshare" and "CLONE_NEWNS" in args:
        unshared.add(pid)
        continue
    tm = re.match(r'"[^"]*", "([^"]*)", "tmpfs"', args)
    if call == "mount" and tm and pid in unshared:
        private.setdefault(pid, []).append(tm.group(1))
        continue
    if call in writes:
        if not re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND", args):
            continue
        path = ret[1:-1] if ret else (paths_in(args) or ["?"])[0]
        if not ok(path, pid):
            bad.append(line.strip())
    elif call in by_fd:
        fm = re.match(r'(\d+)<([^>]*)>', args)
        # 1 and 2 are the caller's stdout and stderr, wherever they go.
        if fm and fm.group(1) not in ("1", "2") and not ok(fm.group(2)):
            bad.append(line.strip())
    elif call in by_path:
        if call in ("symlink", "symlinkat"):	# the target is not a path
            args = re.sub(r'^"[^"]*", ', "", args)
        for p in paths_in(args):
            if not ok(p, pid):
                bad.append(line.strip())
                break
for b in bad[:20]:
    print("outside:", b)
sys.exit(1 if bad else 0)
