#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpora from the peers' fixtures (tests/fixtures/).

    python3 fuzz/seeds.py        # from the repository's root, or from fuzz/

writes fuzz/corpus/<target>/seed-<fixture> for every fixture in tests/fixtures/MANIFEST and
every target, in the target's input encoding: the `arbitrary` crate's, for a struct of
fixed-size fields (integers little-endian, a bool one byte, arrays element by element) followed
by a trailing byte vector that takes the rest of the input. The layouts mirror the `Case`
structs (fuzz/fuzz_targets/round_trip.rs, decode_block.rs; `StreamCase` in fuzz/src/lib.rs for
read_arbitrary and bufread): change one, change the other, and check with
`cargo +nightly fuzz fmt <target> fuzz/corpus/<target>/seed-<name>`.

Each seed carries a fixture's options (page size, prefix, strategy, dictionary: the fixtures'
own dict_32k.bin and dict_100k.bin are built into the targets, end marker, fast or HC and its
level) and its bytes, cut to stay small (libFuzzer's -max_len, and the size of the committed
seeds):

- read_arbitrary, bufread: the fixture's first records (up to STREAM_BYTES; out-of-band sizes
  as 4-byte prefixes, as StreamCase reads them), the end marker put back when cut; replayed
  4 times for half of them (past 64 KiB of output for most), read with large reads (1 MiB:
  the large-read path), small ones and fill_buf; half of them with a fault schedule. Where
  one record is over STREAM_BYTES (large pages), the fixture's raw data instead, compressed
  with the fixture's options by the target and stretched past 64 KiB;
- round_trip: the fixture's raw data (up to DATA_BYTES), written with the fixture's options,
  stretched past 64 KiB for half of them;
- decode_block: one block of the fixture (the first after block 0 whose matches reach at most
  HISTORY_BYTES back) with the history it references.

Deterministic: the same files every time. Standard library only.
"""

import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")

STREAM_BYTES = 6000
DATA_BYTES = 3000
HISTORY_BYTES = 4096
BLOCK_BYTES = 4096

DICTIONARIES = {"-": 0, "dict_32k.bin": 1, "dict_100k.bin": 2}
PREFIX_RAW = {0: 0, 1: 1, 2: 2, 4: 3}  # any_prefix: [OutOfBand, U8, U16, U32][raw % 4]


def compress_bound(n):
    return n + n // 255 + 16


def page_raw(page, limit):
    """The raw u32 that page_size(raw, limit) maps to `page` (capped at `limit`)."""
    page = min(page, limit)
    return ((page - 1) << 2) | 3


def manifest():
    """The fixtures: dicts of the MANIFEST's fields, with the HC level and ring size."""
    out = []
    command = ""
    with open(os.path.join(FIXTURES, "MANIFEST")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#"):
                command = line
                continue
            if not line:
                continue
            name, *fields = line.split()
            fixture = dict(field.split("=", 1) for field in fields)
            fixture["name"] = name
            hc = re.search(r"--hc (\d+)", command)
            ring = re.search(r"--ring (\d+)", command)
            fixture["level"] = int(hc.group(1)) if hc else None
            fixture["ring_size"] = int(ring.group(1)) if ring else None
            out.append(fixture)
    return out


def read(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def blocks(fixture):
    """The fixture's blocks, in order, and whether the stream ends with an end marker."""
    stream = read(fixture["name"] + ".lz4s")
    width = int(fixture["prefix"])
    out = []
    if width == 0:
        sizes = [int(s) for s in read(fixture["name"] + ".sizes").split()]
        at = 0
        for size in sizes:
            out.append(stream[at : at + size])
            at += size
        return out, False
    at = 0
    while at < len(stream):
        size = int.from_bytes(stream[at : at + width], "little")
        at += width
        if size == 0:
            return out, True
        out.append(stream[at : at + size])
        at += size
    return out, False


def lz4_decode(block, history):
    """Decodes an LZ4 block after `history`: its bytes, and how far before the block's start
    its matches reach."""
    out = bytearray(history)
    start = len(out)
    reach = 0
    i = 0
    while i < len(block):
        token = block[i]
        i += 1
        lit = token >> 4
        if lit == 15:
            while True:
                b = block[i]
                i += 1
                lit += b
                if b != 255:
                    break
        out += block[i : i + lit]
        i += lit
        if i >= len(block):
            break
        offset = block[i] | block[i + 1] << 8
        i += 2
        length = token & 15
        if length == 15:
            while True:
                b = block[i]
                i += 1
                length += b
                if b != 255:
                    break
        length += 4
        pos = len(out) - offset
        reach = max(reach, start - pos)
        for k in range(length):
            out.append(out[pos + k])
    return bytes(out[start:]), reach


def dictionary(fixture):
    return b"" if fixture["dict"] == "-" else read(fixture["dict"])


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)
    return len(data)


# A fault schedule of short transfers, Interrupted, WouldBlock, other kinds and Ok(0) (no
# panic: the byte values are Fault::from_byte's in fuzz/src/lib.rs).
FAULTS = bytes([0, 8, 0, 10, 0, 9 | 3 << 4, 11, 0, 12 | 2 << 4, 0, 15 | 1 << 4, 13, 0, 12 | 4 << 4, 0, 0])
CLEAN = bytes(16)
# Reads: 1 MiB (65527 % 8 == 7: 65527 << 4 bytes), fill_buf (0), and short ones.
READS = [65527, 0, 1000, 7, 65527, 300, 0, 65535]


def stream_case(index, fixture):
    """StreamCase (fuzz/src/lib.rs): page u32, prefix u8, end_marker bool, dictionary u8,
    dict_len u16, source u8, window u16, stretch u32, sizes [u32; 4], edits [(u32, u8); 4],
    cut u32, reads [u16; 8], faults [u8; 16], capacity u32, faults2 [u8; 16], bytes."""
    width = int(fixture["prefix"])
    records, marked = blocks(fixture)
    body = b""
    taken = 0
    for block in records:
        record = len(block).to_bytes(4 if width == 0 else width, "little") + block
        if body and len(body) + len(record) > STREAM_BYTES:
            break
        body += record
        taken += 1
    if width and (marked or taken < len(records)) and fixture["end_marker"] == "1":
        body += bytes(width)
    replays = 3 if index % 2 == 0 else 0  # source 1 replays stretch % 8 + 1 times
    source, window = 1, 0
    if len(body) > STREAM_BYTES:
        # The first record alone is too large for a seed (large pages): instead, the fixture's
        # data compressed with its options (source 2), stretched past 64 KiB (stretch % 8 == 6).
        body = read(fixture["raw"])[:DATA_BYTES]
        # mode(): (source >> 2) & 7 < 3 is HC, its level 1 + (stretch >> 24) % 12.
        source = 2 | (3 << 2 if fixture["mode"] == "default" else 0)
        window = 0 if fixture["strategy"] == "double" else 65535
        level = fixture["level"] or 1
        replays = (level - 1) << 24 | (index * 7919 % 65536) << 3 | 6
    capacity = [(5 << 2) | 0, (700 << 2) | 1, (70_000 << 2) | 2, 3][index % 4]
    header = struct.pack(
        "<IBBBHBHI4I" + "IB" * 4 + "I8H16BI16B",
        page_raw(int(fixture["page"]), 1 << 20),
        PREFIX_RAW[width],
        int(fixture["end_marker"]),
        DICTIONARIES[fixture["dict"]],
        0,
        source,
        window,
        replays,
        *[0] * 4,
        *[0, 0] * 4,
        0,
        *READS,
        *(FAULTS if index % 2 else CLEAN),
        capacity,
        *CLEAN,
    )
    return header + body


def round_trip_case(index, fixture):
    """round_trip's Case: page u32, prefix u8, ring u32, acceleration u32, mode u8, threads u8,
    dictionary u8, dict_len u16, end_marker bool, stretch u32, writes [(u16, u8); 8],
    write_faults [u8; 16], reads [u16; 8], read_faults [u8; 16], buffered u32, data."""
    page = min(int(fixture["page"]), 256 * 1024)
    width = int(fixture["prefix"])
    prefixes = [0] + [w for w, max_size in ((1, 255), (2, 65535)) if compress_bound(page) <= max_size] + [4]
    if fixture["strategy"] == "double":
        ring = 0
    elif fixture["ring_size"]:
        ring = (fixture["ring_size"] - int(fixture["page"])) << 3 | 6
    else:
        ring = 4
    level = fixture["level"]
    mode = ((level - 1) << 3) if level else 3
    data = read(fixture["raw"])[:DATA_BYTES]
    # Half of them stretched past 64 KiB (stretch % 8 == 6: expand to 64 KiB + value).
    stretch = (index * 7919 % 65536) << 3 | 6 if index % 2 == 0 else 0
    writes = [(4096, 0), (1, 0), (100, 1), (0, 0), (65535, 0), (7, 1), (300, 0), (0, 0)]
    header = struct.pack(
        "<IBIIBBBHBI" + "HB" * 8 + "16B8H16BI",
        page_raw(page, 256 * 1024),
        prefixes.index(width),
        ring,
        0,
        mode,
        1,
        DICTIONARIES[fixture["dict"]],
        0,
        int(fixture["end_marker"]),
        stretch,
        *[v for pair in writes for v in pair],
        *(FAULTS if index % 4 == 1 else CLEAN),
        *READS,
        *(FAULTS if index % 4 == 3 else CLEAN),
        index % 2,
    )
    return header + data


def decode_block_case(index, fixture):
    """decode_block's Case: history_len u32, history_seed u16, page u32, source u8, repeat u8,
    acceleration u32, edits [(u8, u16, u16); 6], bytes (the history's bytes, then the block).
    None if no block fits."""
    records, _ = blocks(fixture)
    history = dictionary(fixture)[-65536:]
    for number, block in enumerate(records):
        decoded, reach = lz4_decode(block, history)
        if (number > 0 or history) and 0 < reach <= HISTORY_BYTES and len(block) <= BLOCK_BYTES:
            tail = history[-max(reach, min(len(history), 64)) :]
            edits = [(0, 0, 0)] * 6
            if index % 2:
                edits[0] = (1, len(block) // 2, 0x40)  # one byte changed
            header = struct.pack(
                "<IHIBBI" + "BHH" * 6,
                len(tail) << 1 | 1,
                len(tail),
                page_raw(int(fixture["page"]), 1 << 17),
                0,
                0,
                0,
                *[v for edit in edits for v in edit],
            )
            return header + tail + block
        history = (history + decoded)[-65536:]
    return None


def main():
    fixtures = manifest()
    if len(fixtures) < 30:
        sys.exit("tests/fixtures/MANIFEST lists too few fixtures")
    totals = {}
    for target in ("read_arbitrary", "bufread", "round_trip", "decode_block"):
        folder = os.path.join(CORPUS, target)
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name.startswith("seed-"):
                    os.remove(os.path.join(folder, name))
    for index, fixture in enumerate(fixtures):
        name = fixture["name"]
        case = stream_case(index, fixture)
        for target in ("read_arbitrary", "bufread"):
            totals[target] = totals.get(target, 0) + write(target, name, case)
        totals["round_trip"] = totals.get("round_trip", 0) + write(
            "round_trip", name, round_trip_case(index, fixture)
        )
        case = decode_block_case(index, fixture)
        if case is not None:
            totals["decode_block"] = totals.get("decode_block", 0) + write("decode_block", name, case)
    for target, total in totals.items():
        count = len([n for n in os.listdir(os.path.join(CORPUS, target)) if n.startswith("seed-")])
        print(f"{target}: {count} seeds, {total} bytes")
    print(f"total: {sum(totals.values())} bytes")


if __name__ == "__main__":
    main()
