#!/usr/bin/env python3
"""Writes the deterministic inputs and dictionaries of tests/fixtures/ (stdlib only).

    python3 peers/gen_data.py OUTDIR

Every byte comes from a splitmix64 generator with fixed seeds (not Python's `random`, whose
algorithms may change between versions), so the files are the same on every machine.

    data_text.raw      150,000  English-like words of one vocabulary, punctuation, line breaks,
                                and quotes of earlier phrases up to ~60 KB back
    data_text_40k.raw   40,000  the same kind of text (other seed), for the small pages
    data_binary.raw    100,000  fixed-size records: counters, timestamps, names, some noise
    data_runs.raw      120,000  runs of one byte and short repeated patterns, of varied lengths
    data_random.raw     70,000  pseudo-random bytes (incompressible)
    data_mixed.raw     286,000  text, records, runs, random and text again, one after another
    data_small.raw       3,000  text (for page size 1, where every byte is a block)
    data_empty.raw           0
    dict_32k.bin        32,768  text from the same vocabulary (other seed), as a dictionary
    dict_100k.bin      102,400  the same, larger than the 64 KiB window
"""
import os
import struct
import sys

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def bytes(self, n):
        out = bytearray()
        while len(out) < n:
            out += self.next().to_bytes(8, "little")
        return bytes(out[:n])


def vocabulary():
    rng = SplitMix64(1)
    letters = b"etaoinshrdlucmfwypvbgkjqxz"
    words = [b"the", b"of", b"and", b"to", b"in", b"a", b"is", b"that", b"for", b"it",
             b"stream", b"block", b"buffer", b"page", b"history", b"window", b"dictionary"]
    while len(words) < 300:
        n = 2 + rng.below(9)
        # skewed letter choice: common letters more often
        words.append(bytes(letters[min(rng.below(26), rng.below(26))] for _ in range(n)))
    return words


def text(seed, size):
    rng = SplitMix64(seed)
    words = vocabulary()
    out = bytearray()
    sentence_start = True
    while len(out) < size:
        if len(out) > 1000 and rng.below(100) < 12:
            # quote an earlier phrase, up to ~60 KB back: long-distance matches across blocks
            n = 16 + rng.below(120)
            back = n + rng.below(min(len(out), 60_000) - n)
            start = len(out) - back
            out += out[start:start + n]
            out += b" "
            continue
        # Zipf-like: small indices much more likely
        i = min(rng.below(len(words)) for _ in range(4))
        w = words[i]
        if sentence_start:
            w = w[:1].upper() + w[1:]
            sentence_start = False
        out += w
        r = rng.below(100)
        if r < 8:
            out += b". "
            sentence_start = True
            if rng.below(6) == 0:
                out += b"\n\n"
        elif r < 14:
            out += b", "
        else:
            out += b" "
    return bytes(out[:size])


def binary(seed, size):
    rng = SplitMix64(seed)
    names = [b"alpha", b"bravo", b"charlie", b"delta", b"echo", b"foxtrot", b"golf", b"hotel"]
    out = bytearray()
    rec_id = 1000
    ts = 1_700_000_000_000
    while len(out) < size:
        rec_id += 1
        ts += 1 + rng.below(5000)
        name = names[rng.below(len(names))].ljust(12, b"\0")
        value = rng.below(1 << 20) if rng.below(4) == 0 else rng.below(256)
        flags = 0x01 | (0x80 if rng.below(10) == 0 else 0)
        noise = rng.bytes(4)
        out += struct.pack("<IQ12sIB3x4s", rec_id, ts, name, value, flags, noise)
    return bytes(out[:size])


def runs(seed, size):
    rng = SplitMix64(seed)
    out = bytearray()
    while len(out) < size:
        kind = rng.below(3)
        n = 1 + rng.below(3000)
        if kind == 0:
            out += bytes([rng.below(256)]) * n
        elif kind == 1:
            pat = rng.bytes(1 + rng.below(16))
            out += (pat * (n // len(pat) + 1))[:n]
        else:
            out += rng.bytes(1 + rng.below(64))
    return bytes(out[:size])


def random_bytes(seed, size):
    return SplitMix64(seed).bytes(size)


def files():
    yield "data_text.raw", text(11, 150_000)
    yield "data_text_40k.raw", text(15, 40_000)
    yield "data_binary.raw", binary(12, 100_000)
    yield "data_runs.raw", runs(13, 120_000)
    yield "data_random.raw", random_bytes(14, 70_000)
    yield "data_mixed.raw", (text(21, 60_000) + binary(22, 30_000) + runs(23, 120_000)
                             + random_bytes(24, 16_000) + text(25, 60_000))
    yield "data_small.raw", text(31, 3_000)
    yield "data_empty.raw", b""
    yield "dict_32k.bin", text(41, 32 * 1024)
    yield "dict_100k.bin", text(42, 100 * 1024)


def main(argv):
    if len(argv) != 1:
        print("usage: gen_data.py OUTDIR", file=sys.stderr)
        return 2
    outdir = argv[0]
    os.makedirs(outdir, exist_ok=True)
    for name, data in files():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
