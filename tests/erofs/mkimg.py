#!/usr/bin/env python3
"""mkimg.py DIR OUT - build an Alcove image with the Debian tools directly (a test helper
until `alcove image pack` exists): mkfs.erofs (uncompressed, fixed time and uuid), zero
padding to 4 KiB, veritysetup format (sha256, 4096-byte blocks, fixed salt and uuid) at
hash-offset = the EROFS size, then the Alcove footer (common/image.h) in a last 4 KiB block.
Prints the root hash in hex on stdout.  Extra options: --chunk N (mkfs.erofs --chunksize),
--salt HEX."""
import os
import re
import struct
import subprocess
import sys

UUID = "a1c0fe00-0000-4000-8000-000000000001"


def main():
    args = sys.argv[1:]
    extra = []
    salt = "a1c0"  * 16
    while args and args[0].startswith("--"):
        if args[0] == "--chunk":
            extra += ["--chunksize=" + args[1]]
            args = args[2:]
        elif args[0] == "--salt":
            salt = args[1]
            args = args[2:]
        else:
            sys.exit("mkimg.py: unknown option " + args[0])
    src, out = args
    if os.path.exists(out):
        os.unlink(out)
    subprocess.run(["mkfs.erofs", "-T0", "-U" + UUID,] + extra + [out, src],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    size = os.path.getsize(out)
    hoff = (size + 4095) // 4096 * 4096
    os.truncate(out, hoff)
    r = subprocess.run(["veritysetup", "format", out, out, "--hash-offset=%d" % hoff,
                        "--data-blocks=%d" % (hoff // 4096), "--salt=" + salt, "--uuid=" + UUID,
                        "--hash=sha256", "--data-block-size=4096", "--hash-block-size=4096"],
                       check=True, capture_output=True, text=True)
    root = re.search(r"Root hash:\s*([0-9a-f]{64})", r.stdout).group(1)
    end = os.path.getsize(out)
    end = (end + 4095) // 4096 * 4096
    os.truncate(out, end)
    fsize = end + 4096
    saltb = bytes.fromhex(salt)
    foot = b"ALCVIMG1" + struct.pack("<IIIIQQ", 1, 4096, 4096, len(saltb), hoff // 4096, hoff)
    foot += saltb.ljust(64, b"\0") + bytes.fromhex(root)
    foot += bytes.fromhex(UUID.replace("-", "")) + b"sha256".ljust(16, b"\0")
    foot += struct.pack("<Q", fsize)
    assert len(foot) == 176
    with open(out, "ab") as f:
        f.write(foot.ljust(4096, b"\0"))
    print(root)


main()
