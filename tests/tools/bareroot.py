#!/usr/bin/env python3
"""bareroot.py MODE ROOT UID GID [DISK] -- PROGRAM ARGS...: run PROGRAM as
UID:GID with ROOT as its whole file system, in a new mount namespace (root
only; tests/regress/40-bare.sh).

MODE "bare": ROOT is a directory holding nothing but what the test put in
it; /proc is mounted in it (and nothing else).
MODE "rohost": ROOT is an empty directory; the host's / is bound onto it
read-only with everything under it (/tmp too: tacit writes no scratch
files), /proc and a tmpfs on /mnt are mounted (a live system keeps /media
in RAM), and DISK (a host directory) is bound writable at /mnt/disk: the
live-USB situation, where only the backup disk can be written.

Either way the new root is entered with pivot_root and the old one
detached, as a booted system's root is (unlike chroot, this leaves user
namespaces available to an unprivileged tacit).  The environment is PATH
and LC_ALL=C only.  stdin, stdout and stderr are passed through.
"""
import ctypes
import os
import sys

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV = 1, 2, 4
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH = 2
SYS_PIVOT_ROOT, SYS_MOUNT_SETATTR = 155, 442
AT_RECURSIVE, MOUNT_ATTR_RDONLY = 0x8000, 1

libc = ctypes.CDLL(None, use_errno=True)


def die(what):
    e = ctypes.get_errno()
    sys.stderr.write("bareroot: %s: %s\n" % (what, os.strerror(e)))
    sys.exit(125)


def mount(src, dst, fstype, flags, data=None):
    enc = lambda s: s.encode() if s is not None else None
    if libc.mount(enc(src), enc(dst), enc(fstype), ctypes.c_ulong(flags),
                  enc(data)) != 0:
        die("mount %s on %s" % (src, dst))


class MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64),
                ("userns_fd", ctypes.c_uint64)]


def main():
    if len(sys.argv) < 7 or "--" not in sys.argv:
        sys.stderr.write(__doc__)
        sys.exit(125)
    sep = sys.argv.index("--")
    mode, root, uid, gid = sys.argv[1:5]
    disk = sys.argv[5] if sep > 5 else None
    prog = sys.argv[sep + 1:]
    root = os.path.realpath(root)
    if libc.unshare(CLONE_NEWNS) != 0:
        die("unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    if mode == "bare":
        mount(root, root, None, MS_BIND)
    elif mode == "rohost":
        mount("/", root, None, MS_BIND | MS_REC)
        attr = MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
        if libc.syscall(SYS_MOUNT_SETATTR, -100, root.encode(),
                        AT_RECURSIVE, ctypes.byref(attr),
                        ctypes.sizeof(attr)) != 0:
            die("mount_setattr read-only")
        mount("tmpfs", root + "/mnt", "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=0755")
        os.mkdir(root + "/mnt/disk")
        mount(os.path.realpath(disk), root + "/mnt/disk", None, MS_BIND)
    else:
        sys.stderr.write("bareroot: unknown mode %s\n" % mode)
        sys.exit(125)
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV)
    os.chdir(root)
    if libc.syscall(SYS_PIVOT_ROOT, b".", b".") != 0:
        die("pivot_root")
    if libc.umount2(b".", MNT_DETACH) != 0:
        die("umount the old root")
    os.chdir("/")
    os.setgroups([])
    os.setgid(int(gid))
    os.setuid(int(uid))
    try:
        os.execve(prog[0], prog, {"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    except OSError as e:
        sys.stderr.write("bareroot: cannot run %s: %s\n" % (prog[0], e))
        sys.exit(126)


main()
