#!/usr/bin/env python3
"""mkvfat.py IMAGE MIB: write an empty FAT16 file system image of MIB MiB
(16 to 1024) to IMAGE, as mkfs.vfat would, for the tests that mount one
with a FUSE driver (fusefat) without needing dosfstools.

Layout: a boot sector with the BIOS parameter block, 2 FATs, a 512-entry
root directory, then the data area in 2 KiB clusters (4 sectors of 512
bytes); the FATs start with the media byte entries (0xfff8, 0xffff).
"""
import struct
import sys


def main():
    path, mib = sys.argv[1], int(sys.argv[2])
    if not 16 <= mib <= 1024:
        sys.exit("mkvfat.py: the size must be 16 to 1024 MiB")
    total = mib * 2048                          # 512-byte sectors
    spc = 4 if mib <= 128 else 32               # sectors per cluster
    rsv, nfat, rootents = 1, 2, 512
    rootsec = rootents * 32 // 512
    fatsz = 1
    while True:                                 # FAT size for the clusters left
        clusters = (total - rsv - nfat * fatsz - rootsec) // spc
        need = ((clusters + 2) * 2 + 511) // 512
        if need <= fatsz:
            break
        fatsz = need
    if not 4085 <= clusters < 65525:
        sys.exit("mkvfat.py: %d clusters is not FAT16" % clusters)
    bs = bytearray(512)
    bs[0:3] = b'\xeb\x3c\x90'
    bs[3:11] = b'MSWIN4.1'
    struct.pack_into('<HBHBHHBHHHII', bs, 11, 512, spc, rsv, nfat, rootents,
                     total if total < 65536 else 0, 0xf8, fatsz, 32, 64, 0,
                     0 if total < 65536 else total)
    struct.pack_into('<BBBI11s8s', bs, 36, 0x80, 0, 0x29, 0x7ac17ac1,
                     b'NO NAME    ', b'FAT16   ')
    bs[510:512] = b'\x55\xaa'
    with open(path, 'wb') as f:
        f.truncate(total * 512)
        f.write(bs)
        for i in range(nfat):
            f.seek((rsv + i * fatsz) * 512)
            f.write(struct.pack('<HH', 0xfff8, 0xffff))


main()
