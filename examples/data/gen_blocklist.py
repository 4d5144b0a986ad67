#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write the packed records of an `entries_file:` for blocklist.yaml.

A record is the map's key then its value, exactly as the kernel stores them:
here an lpm_trie key (u32 prefix length, little-endian, then the IPv4
address in network order) of key_size 8, and a one-byte value (1 = drop).
Bits past the prefix length must be zero: the trie ignores them.

    examples/data/gen_blocklist.py [COUNT] > examples/data/blocklist.bin

COUNT /24 networks from 10.0.0.0/24 upwards (default 256), in ascending key
order (bpfapply then checks for duplicate keys in one pass, without a sort).
"""
import struct
import sys


def records(count):
    for i in range(count):
        net = (10 << 24) | (i << 8)
        yield struct.pack("<I", 24) + struct.pack(">I", net) + b"\x01"


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    if not 0 <= count <= 1 << 16:
        sys.exit("COUNT: 0..65536 /24 networks fit under 10.0.0.0/8")
    out = sys.stdout.buffer
    for rec in records(count):
        out.write(rec)


if __name__ == "__main__":
    main()
