#!/usr/bin/env python3
"""pylz4_peer: a reference peer for the LZ4 stream format on python-lz4's lz4.stream.

    .venv-peers/bin/python peers/pylz4_peer.py compress   [options] < raw    > stream
    .venv-peers/bin/python peers/pylz4_peer.py decompress [options] < stream > raw

The same command line as target/peers/lz4peer (see peers/README.md), restricted to what
python-lz4 4.4.5 can do: only the double-buffer strategy (python-lz4 has no ring buffer)
and no end marker (python-lz4 never writes one, and its decompressor rejects the empty
block that a zero size prefix announces). Both are usage errors (exit 2).

Every block goes through LZ4StreamCompressor.compress / LZ4StreamDecompressor.get_block /
LZ4StreamDecompressor.decompress; this script only moves bytes between them and stdio.

Exit status: 0 success, 1 error (bad input, python-lz4 raised, I/O), 2 usage error.
"""
import argparse
import sys

MASK64 = (1 << 64) - 1
LZ4_MAX_INPUT_SIZE = 0x7E000000


def compress_bound(n):
    """liblz4's LZ4_COMPRESSBOUND."""
    return n + n // 255 + 16


class ChunkLengths:
    """--chunks: full pages, xorshift64 lengths in 1..=page, or listed lengths (cycled).

    xorshift64 with shifts (13, 7, 17); the state starts at SEED + 0x9E3779B97F4A7C15
    (mod 2**64; 1 if that is 0) and a chunk is 1 + next() % page bytes long: the same
    definition as peers/lz4peer.c, so both peers cut the same input into the same chunks.
    """

    def __init__(self, spec, page):
        self.page = page
        self.state = None
        self.list = None
        if isinstance(spec, list):
            self.list = spec
            self.pos = 0
        elif spec != "full":
            self.state = (spec + 0x9E3779B97F4A7C15) & MASK64 or 1

    def next(self):
        if self.list is not None:
            n = self.list[self.pos]
            self.pos = (self.pos + 1) % len(self.list)
            return n
        if self.state is None:
            return self.page
        x = self.state
        x ^= (x << 13) & MASK64
        x ^= x >> 7
        x ^= (x << 17) & MASK64
        self.state = x
        return 1 + x % self.page


def parse_chunks(s):
    if s == "full":
        return s
    if s.startswith("random:") and s[7:].isdigit():
        seed = int(s[7:])
        if seed <= MASK64:
            return seed
    if s.startswith("list:"):
        parts = s[5:].split(",")
        if all(p.isdigit() for p in parts):
            lengths = [int(p) for p in parts]
            if sum(lengths) == 0:
                raise argparse.ArgumentTypeError("list: needs a length above 0")
            return lengths
    raise argparse.ArgumentTypeError(
        "must be full, random:SEED (SEED a decimal u64) or list:N,N,... (decimal lengths)")


def int_range(lo, hi):
    def parse(s):
        try:
            v = int(s, 10)
        except ValueError:
            raise argparse.ArgumentTypeError("expected an integer, got %r" % s)
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError("expected an integer in %d..=%d, got %d" % (lo, hi, v))
        return v
    return parse


class PeerError(Exception):
    pass


def read_exact(f, n):
    """Reads until n bytes or end of input (short only at end of input)."""
    parts = []
    got = 0
    while got < n:
        b = f.read(n - got)
        if not b:
            break
        parts.append(b)
        got += len(b)
    return b"".join(parts)


def do_compress(args, lz4stream, dictionary):
    kwargs = dict(store_comp_size=args.prefix, dictionary=dictionary, mode=args.mode)
    if args.mode == "high_compression":
        kwargs["compression_level"] = args.level
    elif args.mode == "fast":
        kwargs["acceleration"] = args.acceleration
    comp = lz4stream.LZ4StreamCompressor("double_buffer", args.page, **kwargs)
    lengths = ChunkLengths(args.chunks, args.page)
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    sizes = open(args.sizes, "w") if args.prefix == 0 else None
    while True:
        want = lengths.next()
        chunk = read_exact(inp, want)
        if not chunk and want != 0:
            break   # end of input (a listed length 0 makes an empty block)
        record = comp.compress(chunk)
        if sizes is not None:
            sizes.write("%d\n" % len(record))
        out.write(record)
        if len(chunk) < want:
            break
    out.flush()
    if sizes is not None:
        sizes.close()


def read_sizes(path):
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            if not line.isdigit():
                raise PeerError("%s:%d: bad block size %r" % (path, lineno, line))
            yield int(line)


def do_decompress(args, lz4stream, dictionary):
    dec = lz4stream.LZ4StreamDecompressor("double_buffer", args.page,
                                          store_comp_size=args.prefix, dictionary=dictionary)
    bound = compress_bound(args.page)
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    offset = 0
    n = 0
    if args.prefix == 0:
        for c in read_sizes(args.sizes):
            if c > bound:
                raise PeerError("block %d (offset %d): block size %d exceeds compress_bound(%d) = %d"
                                % (n, offset, c, args.page, bound))
            block = read_exact(inp, c)
            if len(block) < c:
                raise PeerError("block %d (offset %d): input ends inside the block (%d of %d bytes)"
                                % (n, offset, len(block), c))
            out.write(dec.decompress(block))
            offset += c
            n += 1
        if inp.read(1):
            raise PeerError("offset %d: more input than the block sizes in %s account for"
                            % (offset, args.sizes))
    else:
        w = args.prefix
        while True:
            prefix = read_exact(inp, w)
            if not prefix:
                break   # end of input at a record boundary
            c = int.from_bytes(prefix, "little") if len(prefix) == w else 0
            # Never read more than a valid block can be (python-lz4's decompress would refuse
            # such a block anyway, after reading it).
            if c > bound:
                raise PeerError("block %d (offset %d): block size %d exceeds compress_bound(%d) = %d"
                                % (n, offset, c, args.page, bound))
            record = prefix + read_exact(inp, c)
            # get_block splits the record (and raises when it is truncated); a zero prefix gives
            # an empty block, which decompress rejects: python-lz4 has no end marker.
            block = dec.get_block(record)
            out.write(dec.decompress(block))
            offset += w + len(block)
            n += 1
    out.flush()


def main(argv):
    p = argparse.ArgumentParser(
        prog="pylz4_peer.py", allow_abbrev=False,
        description="LZ4 stream peer on python-lz4's lz4.stream (double buffer only).")
    p.add_argument("command", choices=["compress", "decompress"])
    p.add_argument("--page", type=int_range(1, LZ4_MAX_INPUT_SIZE), default=65536,
                   help="buffer_size: max uncompressed bytes per block (default 65536)")
    p.add_argument("--prefix", type=int, choices=[0, 1, 2, 4], default=4,
                   help="store_comp_size: size prefix width (default 4); 0 needs --sizes")
    p.add_argument("--sizes", metavar="FILE",
                   help="out-of-band block sizes, one decimal per line (--prefix 0 only)")
    p.add_argument("--strategy", default="double",
                   help="only 'double' (python-lz4 has no ring buffer)")
    p.add_argument("--dict", metavar="FILE", help="initial dictionary (its last 64 KiB matter)")
    p.add_argument("--end-marker", action="store_true",
                   help="not supported: python-lz4 neither writes nor accepts one")
    p.add_argument("--mode", choices=["default", "fast", "high_compression"], default="default",
                   help="compressor mode (default 'default'); ignored by decompress")
    p.add_argument("--level", type=int_range(1, 12), default=9,
                   help="compression_level for --mode high_compression (default 9)")
    p.add_argument("--acceleration", type=int_range(1, 65537), default=1,
                   help="acceleration for --mode fast (default 1)")
    p.add_argument("--hc", type=int_range(1, 12), metavar="LEVEL",
                   help="same as --mode high_compression --level LEVEL")
    p.add_argument("--chunks", type=parse_chunks, default="full",
                   help="full (default), random:SEED or list:N,N,... (cycled; 0 = an empty "
                        "block); ignored by decompress")
    args = p.parse_args(argv)

    if args.strategy != "double":
        p.error("--strategy %s: python-lz4 implements only the double buffer" % args.strategy)
    if args.end_marker:
        p.error("--end-marker: python-lz4 neither writes nor accepts an end marker")
    if args.hc is not None:
        if args.mode not in ("default", "high_compression"):
            p.error("--hc conflicts with --mode %s" % args.mode)
        args.mode = "high_compression"
        args.level = args.hc
    if args.prefix == 0 and args.sizes is None:
        p.error("--prefix 0 needs --sizes FILE")
    if args.prefix != 0 and args.sizes is not None:
        p.error("--sizes is only for --prefix 0")
    if isinstance(args.chunks, list) and max(args.chunks) > args.page:
        p.error("--chunks list: length %d is larger than the page" % max(args.chunks))
    if args.command == "compress" and args.prefix in (1, 2):
        limit = (1 << (8 * args.prefix)) - 1
        if compress_bound(args.page) > limit:
            p.error("--page %d: compress bound %d does not fit a %d-byte prefix"
                    % (args.page, compress_bound(args.page), args.prefix))

    try:
        import lz4.stream as lz4stream
    except ImportError as e:
        print("pylz4_peer.py: error: cannot import lz4.stream (%s); run peers/install.sh and use "
              ".venv-peers/bin/python" % e, file=sys.stderr)
        return 1

    try:
        # python-lz4 hands the dictionary to liblz4, which keeps pointing into it: keep this
        # bytes object alive (and unchanged) as long as the (de)compressor exists.
        dictionary = b""
        if args.dict is not None:
            with open(args.dict, "rb") as f:
                dictionary = f.read()
        if args.command == "compress":
            do_compress(args, lz4stream, dictionary)
        else:
            do_decompress(args, lz4stream, dictionary)
    except (PeerError, OSError, ValueError, OverflowError, MemoryError, RuntimeError,
            BufferError, lz4stream.LZ4StreamError) as e:
        print("pylz4_peer.py: error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
