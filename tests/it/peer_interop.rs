//! Live interoperability with the real peers (issue 3, SPEC 5): python-lz4's `lz4.stream` and
//! liblz4's streaming API, both ways.
//!
//! One test, [`peer_crossings`], runs a matrix of *crossings*. A crossing sends one data set
//! across once, in one direction, and compares the bytes that come out with the bytes that
//! went in, exactly:
//!
//! - peer -> us: the peer program compresses (`compress ... < data > stream`) and
//!   [`Lz4StreamReader`] decodes the stream;
//! - us -> peer: [`Lz4StreamWriter`] compresses and the peer decodes (`decompress ... < stream`).
//!
//! The peers are the programs of `peers/` (see `peers/README.md`), run as subprocesses with a
//! file on stdin and stdout captured: the C peer `lz4peer` (liblz4; double-buffer, ring-buffer
//! and separate-pages layouts) and `pylz4_peer.py` (python-lz4, double buffer only, no end
//! marker).
//!
//! The matrix covers, per peer and direction: size prefix widths 1, 2, 4 and 0 (out-of-band
//! sizes: the peer's `--sizes` file, our `take_block_sizes` / `with_block_sizes`); page sizes
//! 1, 64, 200, 941, 8 KiB, 64 KiB and 1 MiB where the width allows them; the double-buffer and
//! (liblz4 only) ring-buffer strategies; with and without a dictionary (32 KiB, and 100 KiB,
//! longer than the window); with and without an end marker (liblz4 only); full pages (our
//! writer fed in 10,007-byte writes, or all in one write) and chunks shorter than a page (the
//! peer's `--chunks random:SEED`; our writer flushed at random points); the peers' HC
//! compressors; text, binary records, runs, random bytes, a mix and empty input, long enough
//! that matches cross blocks. Plus streams in which liblz4's double-buffer encoder references
//! the tail of block N-2 (SPEC 1.1, the fixtures' `refs-block-n-2`): the test checks that the
//! writing peer's double-buffer decoder with pages twice as large fails on them (so they do
//! need block N-2), and that our reader decodes them, with the writer's page size and with
//! pages twice as large.
//!
//! HC ([`hc_crossings`], issue 8): our writer's `Mode::High { level }` at levels 1, 3, 9 and 12
//! (the light matcher, hash chains, the optimal parser) decoded by liblz4 (double buffer, ring
//! with the full window and with a 20,000-byte one, and RenderDoc's separate pages) and by
//! python-lz4 (double buffer), with and without a dictionary; and the same levels of
//! liblz4's `LZ4_compress_HC_continue` (`--hc`, double and ring) and python-lz4's
//! `mode="high_compression"` decoded by our reader.
//!
//! Then fast compression with explicit accelerations 1, 8 and 100 ([`acceleration_crossings`]):
//! our writer's `Mode::Fast { acceleration }` decoded by liblz4 (double and ring) and
//! python-lz4, liblz4's `LZ4_compress_fast_continue` with that acceleration (double and ring)
//! and python-lz4's `mode="fast"` decoded by our reader. And the layouts real programs use,
//! both ways ([`layout_crossings`]): RenderDoc's (two separately allocated 64 KiB pages,
//! 4-byte prefix, acceleration 20, no end marker), lz4's `blockStreaming_doubleBuffer.c`
//! (8 KiB double buffer, 4-byte prefix, a 0 end marker) and `blockStreaming_ringBuffer.c`
//! (messages of 1..=1024 bytes in a 9 KiB ring, decoded in a 10 KiB ring; our side a ring
//! window of 8 KiB).
//!
//! Last, our writer's parallel compression ([`threads_crossings`]): `threads(4)` (jobs of
//! consecutive pages, up to 256 KiB each, compressed on a pool of threads, each from a copy of
//! its history) in fast mode and HC level 9, decoded by liblz4 (double buffer, and ring with
//! the full window and a 20,000-byte one) and python-lz4 (double buffer); pages of 64 KiB, 941
//! and 8 KiB, with and without a dictionary, full pages and random flushes (which end jobs
//! early), on data long enough for several jobs. The crossing's `threads` shows in its report
//! (`threads 4`); every other crossing uses `threads(1)`.
//!
//! A failed crossing (wrong bytes, an error, a peer's non-zero exit, a panic) is reported with
//! its settings and the first differing offset, and the test goes on.
//!
//! Peers are found at `$LZ4S_PEER_C` (default `<repo>/target/peers/lz4peer`) and `$LZ4S_PYTHON`
//! (default `<repo>/.venv-peers/bin/python`, which must `import lz4.stream`); `bash
//! peers/install.sh` installs both. A missing peer's crossings are skipped with a message, unless
//! `LZ4S_REQUIRE_PEERS=1`, which makes a missing peer fail the test (CI). The test prints one
//! summary line, `peer crossings: N passed, M failed`, on stdout and stderr; to see it when the
//! test passes (cargo captures the output of passing tests):
//!
//! ```text
//! LZ4S_REQUIRE_PEERS=1 cargo test --test peer_interop -- --nocapture
//! ```
//!
//! `LZ4S_INTEROP_VERBOSE=1` also prints every crossing with its time.

use std::collections::HashMap;
use std::env;
use std::fmt;
use std::fs;
use std::io::Read;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lz4_stream::{
    compress_bound, Lz4StreamReader, Lz4StreamWriter, Mode, SizePrefix, Strategy, StreamOptions,
};

// ---------------------------------------------------------------------------------------------
// Deterministic data.

/// splitmix64: a small, fixed generator, so every run sends the same bytes.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn fill(&mut self, out: &mut Vec<u8>, n: usize) {
        let end = out.len() + n;
        while out.len() < end {
            let word = self.next().to_le_bytes();
            let take = (end - out.len()).min(8);
            out.extend_from_slice(&word[..take]);
        }
    }
}

/// The kinds of data sent across.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// Words of a small vocabulary, with quotes of earlier phrases up to ~60 KB back (matches
    /// across blocks).
    Text,
    /// Fixed-size records: counters, timestamps, names, a little noise.
    Binary,
    /// Runs of one byte, short repeated patterns, bits of noise.
    Runs,
    /// Incompressible bytes.
    Random,
    /// Text, records, runs and random bytes, one after another.
    Mixed,
    /// Nothing at all.
    Empty,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Kind::Text => "text",
            Kind::Binary => "binary",
            Kind::Runs => "runs",
            Kind::Random => "random",
            Kind::Mixed => "mixed",
            Kind::Empty => "empty",
        };
        f.write_str(name)
    }
}

fn vocabulary(rng: &mut Rng) -> Vec<Vec<u8>> {
    let letters = b"etaoinshrdlucmfwypvbgkjqxz";
    let mut words: Vec<Vec<u8>> = [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "stream",
        "block",
        "page",
        "history",
        "window",
        "dictionary",
        "ring",
        "buffer",
    ]
    .iter()
    .map(|w| w.as_bytes().to_vec())
    .collect();
    while words.len() < 300 {
        let n = 2 + rng.below(9);
        let word = (0..n)
            .map(|_| letters[rng.below(26).min(rng.below(26))])
            .collect();
        words.push(word);
    }
    words
}

fn text(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let words = vocabulary(&mut Rng::new(1));
    let mut out = Vec::with_capacity(len + 200);
    while out.len() < len {
        if out.len() > 1000 && rng.below(100) < 12 {
            // A quote from up to ~60 KB back.
            let n = 16 + rng.below(120);
            let back = n + rng.below(out.len().min(60_000) - n);
            let from = out.len() - back;
            out.extend_from_within(from..from + n);
            out.push(b' ');
            continue;
        }
        let i = (0..4).map(|_| rng.below(words.len())).min().unwrap();
        out.extend_from_slice(&words[i]);
        match rng.below(100) {
            0..=7 => out.extend_from_slice(b".\n"),
            8..=13 => out.extend_from_slice(b", "),
            _ => out.push(b' '),
        }
    }
    out.truncate(len);
    out
}

fn binary(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let names: [&[u8; 12]; 4] = [
        b"alpha\0\0\0\0\0\0\0",
        b"bravo\0\0\0\0\0\0\0",
        b"charlie\0\0\0\0\0",
        b"delta\0\0\0\0\0\0\0",
    ];
    let mut out = Vec::with_capacity(len + 40);
    let (mut id, mut ts) = (1000u32, 1_700_000_000_000u64);
    while out.len() < len {
        id += 1;
        ts += 1 + rng.below(5000) as u64;
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&ts.to_le_bytes());
        out.extend_from_slice(names[rng.below(names.len())]);
        let value = if rng.below(4) == 0 {
            rng.below(1 << 20)
        } else {
            rng.below(256)
        } as u32;
        out.extend_from_slice(&value.to_le_bytes());
        rng.fill(&mut out, 4);
    }
    out.truncate(len);
    out
}

fn runs(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len + 3000);
    while out.len() < len {
        let n = 1 + rng.below(3000);
        match rng.below(3) {
            0 => {
                let byte = rng.next() as u8;
                out.resize(out.len() + n, byte);
            }
            1 => {
                let mut pattern = Vec::new();
                let period = 1 + rng.below(16);
                rng.fill(&mut pattern, period);
                out.extend((0..n).map(|i| pattern[i % pattern.len()]));
            }
            _ => {
                let noise = 1 + rng.below(64);
                rng.fill(&mut out, noise);
            }
        }
    }
    out.truncate(len);
    out
}

fn generate(kind: Kind, len: usize) -> Vec<u8> {
    let seed = len as u64 * 31;
    match kind {
        Kind::Text => text(seed + 1, len),
        Kind::Binary => binary(seed + 2, len),
        Kind::Runs => runs(seed + 3, len),
        Kind::Random => {
            let mut out = Vec::with_capacity(len);
            Rng::new(seed + 4).fill(&mut out, len);
            out
        }
        Kind::Mixed => {
            let part = len / 5;
            let mut out = text(seed + 5, part);
            out.extend(binary(seed + 6, part));
            out.extend(runs(seed + 7, part));
            Rng::new(seed + 8).fill(&mut out, part / 4);
            out.extend(text(seed + 9, len - out.len()));
            out
        }
        Kind::Empty => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// The crossings.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    /// `lz4peer`: liblz4's streaming API.
    C,
    /// `pylz4_peer.py`: python-lz4's `lz4.stream`.
    Python,
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Peer::C => "liblz4",
            Peer::Python => "python-lz4",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    /// The peer compresses, our reader decodes.
    PeerToUs,
    /// Our writer compresses, the peer decodes.
    UsToPeer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dict {
    None,
    /// 32 KiB of text.
    Small,
    /// 100 KiB of text: only its last 64 KiB matter.
    Large,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Chunks {
    /// Full pages: the peer's `--chunks full`; our writer fed in odd-sized writes, never
    /// flushed.
    Full,
    /// Chunks shorter than a page: the peer's `--chunks random:SEED`; our writer flushed at
    /// random points (seeded).
    Random(u64),
    /// The peer's `--chunks list:...` (peer -> us only).
    List(&'static str),
    /// The C peer's `--chunks libc-rand`: `rand() % page + 1` from the C library's unseeded
    /// `rand()`, the message lengths of lz4's `blockStreaming_ringBuffer.c` (peer -> us only).
    LibcRand,
    /// Our writer: messages of `1..=page` bytes (seeded), each written and flushed on its
    /// own, so that each is one block (us -> peer only).
    Messages(u64),
}

/// One trip of one data set through one peer.
#[derive(Clone, Debug)]
struct Crossing {
    peer: Peer,
    direction: Direction,
    width: usize,
    page: usize,
    ring: bool,
    /// Our writer's ring window (`RingBuffer { window }`), us -> peer with `ring` only.
    window: usize,
    /// The ring size of the C peer's compressor (`--ring`), peer -> us; 0 = its default.
    peer_ring: usize,
    dict: Dict,
    end_marker: bool,
    chunks: Chunks,
    /// HC at this level: peer -> us, the C peer's `--hc N` or python-lz4's `--mode
    /// high_compression --level N`; us -> peer, our writer's `Mode::High { level }`.
    hc: Option<u32>,
    /// An explicit fast acceleration: peer -> us, the C peer's `--accel N` or python-lz4's
    /// `--mode fast --acceleration N`; us -> peer, our writer's `Mode::Fast { acceleration }`.
    /// `None`: the defaults (`--accel 1`, python-lz4's `mode="default"`, our default mode).
    accel: Option<u32>,
    /// The C peer lays its buffers out as two separately allocated pages (`--strategy pages`,
    /// RenderDoc's layout) instead of two adjacent ones; our side is the double buffer.
    pages: bool,
    /// The C peer's ring wraps when at most a page remains after its offset (`--wrap-early`,
    /// lz4's `blockStreaming_ringBuffer.c`), with `ring` only.
    wrap_early: bool,
    /// The real program whose layout this crossing mirrors, for the report.
    layout: Option<&'static str>,
    kind: Kind,
    len: usize,
    /// A refs-block-n-2 stream: also check that a double-buffer decoder with pages twice as
    /// large fails on it.
    n2_probe: bool,
    /// Us -> peer with full pages: the size of our writes (`usize::MAX`: all in one write,
    /// whose whole pages the writer may compress where they lie).
    write_piece: usize,
    /// Peer -> us: the size of the buffer our reader reads into (0: `read_to_end`). Reads into
    /// a buffer with room for whole pages decode straight into it.
    read_piece: usize,
    /// Us -> peer: our writer's `threads(n)` (1: the serial compressor; from 2, jobs of
    /// consecutive pages compressed on a pool of threads).
    threads: usize,
}

impl Crossing {
    fn new(peer: Peer, direction: Direction, width: usize, page: usize) -> Crossing {
        Crossing {
            peer,
            direction,
            width,
            page,
            ring: false,
            window: 65_536,
            peer_ring: 0,
            dict: Dict::None,
            end_marker: false,
            chunks: Chunks::Full,
            hc: None,
            accel: None,
            pages: false,
            wrap_early: false,
            layout: None,
            kind: Kind::Text,
            len: 0,
            n2_probe: false,
            write_piece: 10_007,
            read_piece: 0,
            threads: 1,
        }
    }

    fn options(&self, dictionary: &[u8]) -> StreamOptions {
        let strategy = if self.ring {
            Strategy::RingBuffer {
                window: self.window,
            }
        } else {
            Strategy::DoubleBuffer
        };
        let opts = StreamOptions::new()
            .page_size(self.page)
            .size_prefix(SizePrefix::from_width(self.width).expect("width 0, 1, 2 or 4"))
            .strategy(strategy)
            .dictionary(dictionary.to_vec())
            .end_marker(self.end_marker);
        let opts = match self.direction {
            Direction::UsToPeer => opts.threads(self.threads),
            Direction::PeerToUs => opts,
        };
        match (self.accel, self.hc, self.direction) {
            (Some(acceleration), _, Direction::UsToPeer) => opts.mode(Mode::Fast { acceleration }),
            (None, Some(level), Direction::UsToPeer) => opts.mode(Mode::High { level }),
            _ => opts,
        }
    }
}

impl fmt::Display for Crossing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.direction {
            Direction::PeerToUs => write!(f, "{} -> reader", self.peer)?,
            Direction::UsToPeer => write!(f, "writer -> {}", self.peer)?,
        }
        if let Some(layout) = self.layout {
            write!(f, " [{layout}]")?;
        }
        write!(f, ": prefix {} page {} ", self.width, self.page)?;
        match (self.ring, self.direction) {
            (false, _) if self.pages => f.write_str("double(peer: --strategy pages)")?,
            (false, _) => f.write_str("double")?,
            (true, Direction::UsToPeer) if self.peer_ring > 0 => write!(
                f,
                "ring(window {}; peer: --ring {})",
                self.window, self.peer_ring
            )?,
            (true, Direction::UsToPeer) => write!(f, "ring(window {})", self.window)?,
            (true, Direction::PeerToUs) if self.peer_ring > 0 => {
                write!(f, "ring(--ring {})", self.peer_ring)?
            }
            (true, Direction::PeerToUs) => f.write_str("ring")?,
        }
        if self.wrap_early {
            f.write_str(" --wrap-early")?;
        }
        match self.dict {
            Dict::None => {}
            Dict::Small => f.write_str(" dict 32k")?,
            Dict::Large => f.write_str(" dict 100k")?,
        }
        if self.end_marker {
            f.write_str(" end-marker")?;
        }
        match (&self.chunks, self.direction) {
            (Chunks::Full, Direction::UsToPeer) if self.write_piece == usize::MAX => {
                f.write_str(" one write")?
            }
            (Chunks::Full, _) => {}
            (Chunks::Random(seed), Direction::PeerToUs) => write!(f, " --chunks random:{seed}")?,
            (Chunks::Random(seed), Direction::UsToPeer) => write!(f, " random flushes({seed})")?,
            (Chunks::List(list), _) => write!(f, " --chunks list:{list}")?,
            (Chunks::LibcRand, _) => f.write_str(" --chunks libc-rand")?,
            (Chunks::Messages(seed), _) => write!(f, " messages({seed})")?,
        }
        if let Some(level) = self.hc {
            write!(f, " hc {level}")?;
        }
        if let Some(accel) = self.accel {
            write!(f, " accel {accel}")?;
        }
        if self.n2_probe {
            f.write_str(" [refs-block-n-2]")?;
        }
        if self.direction == Direction::PeerToUs && self.read_piece > 0 {
            write!(f, " reads of {}", self.read_piece)?;
        }
        if self.direction == Direction::UsToPeer && self.threads != 1 {
            write!(f, " threads {}", self.threads)?;
        }
        write!(f, ", {} {} bytes", self.kind, self.len)
    }
}

const PAGES: [usize; 7] = [1, 64, 200, 941, 8192, 65_536, 1 << 20];

/// The page sizes a writer with this prefix width may use, of [`PAGES`] (a few for width 0).
fn pages_for(width: usize) -> Vec<usize> {
    if width == 0 {
        return vec![64, 941, 65_536];
    }
    let max = SizePrefix::from_width(width).unwrap().max_block_size();
    PAGES
        .into_iter()
        .filter(|&page| compress_bound(page) <= max)
        .collect()
}

/// Enough data that history crosses blocks, but little for tiny pages (every block is a
/// process-level round trip of the peer's loop).
fn length_for(page: usize) -> usize {
    match page {
        1 => 2_000,
        64 => 20_000,
        200 => 40_000,
        941 => 100_000,
        8192 => 200_000,
        _ => 300_000,
    }
}

/// The data kinds, in the order crossings take them (text most often: it has the long-range
/// matches).
const KINDS: [Kind; 11] = [
    Kind::Text,
    Kind::Binary,
    Kind::Runs,
    Kind::Text,
    Kind::Mixed,
    Kind::Random,
    Kind::Text,
    Kind::Runs,
    Kind::Binary,
    Kind::Mixed,
    Kind::Empty,
];

/// The whole matrix; see the module documentation.
fn matrix() -> Vec<Crossing> {
    let mut out = Vec::new();
    let (mut k, mut group, mut full) = (0usize, 0usize, 0usize);
    for peer in [Peer::C, Peer::Python] {
        for direction in [Direction::PeerToUs, Direction::UsToPeer] {
            for width in [1, 2, 4, 0] {
                for page in pages_for(width) {
                    let strategies: &[bool] = match peer {
                        Peer::C => &[false, true],
                        Peer::Python => &[false],
                    };
                    for &ring in strategies {
                        // Full pages or shorter chunks, without or with a dictionary; the end
                        // marker on half of them (alternating between groups so that it meets
                        // every chunking and dictionary), HC on a third of the peer's streams.
                        group += 1;
                        for variant in 0..4 {
                            k += 1;
                            let mut c = Crossing::new(peer, direction, width, page);
                            c.ring = ring;
                            c.kind = KINDS[k % KINDS.len()];
                            c.len = length_for(page);
                            if variant & 1 == 1 {
                                c.chunks = Chunks::Random(k as u64);
                            } else {
                                full += 1;
                                if full % 3 == 0 {
                                    c.write_piece = usize::MAX;
                                }
                            }
                            if variant & 2 == 2 {
                                c.dict = if group % 2 == 0 {
                                    Dict::Small
                                } else {
                                    Dict::Large
                                };
                            }
                            c.end_marker =
                                peer == Peer::C && width != 0 && (variant + group) % 2 == 0;
                            if direction == Direction::PeerToUs && k % 3 == 0 {
                                c.hc = Some([4, 9, 12][k / 3 % 3]);
                            }
                            if direction == Direction::PeerToUs {
                                c.read_piece = [0, 4093, 300_007][k / 2 % 3];
                            }
                            // A few megabytes through 1 MiB pages, twice in all.
                            let big = page == 1 << 20
                                && variant == 0
                                && !ring
                                && width == 4
                                && ((peer == Peer::C && direction == Direction::PeerToUs)
                                    || (peer == Peer::Python && direction == Direction::UsToPeer));
                            if big {
                                c.kind = Kind::Text;
                                c.len = 2_500_000;
                                c.write_piece = usize::MAX;
                                c.read_piece = 4 << 20;
                            }
                            if c.kind == Kind::Empty {
                                c.len = 0;
                            }
                            out.push(c);
                        }
                    }
                }
            }
        }
    }
    out.extend(extra_crossings());
    out.extend(hc_crossings());
    out.extend(acceleration_crossings());
    out.extend(layout_crossings());
    out.extend(threads_crossings());
    out
}

/// Crossings beyond the regular matrix: the refs-block-n-2 streams, a small ring, a small
/// writer window, HC for python at full pages.
fn extra_crossings() -> Vec<Crossing> {
    let mut out = Vec::new();
    let n2 = |peer, width, page, list, dict, end_marker| {
        let mut c = Crossing::new(peer, Direction::PeerToUs, width, page);
        c.chunks = Chunks::List(list);
        c.dict = dict;
        c.end_marker = end_marker;
        c.len = 100_000;
        c.n2_probe = true;
        c
    };
    // A full page in each half of the double buffer, then a short chunk written over the start
    // of the first: the short block references the tail of block N-2 (SPEC 1.1).
    out.push(n2(Peer::C, 4, 4096, "4096,4096,1000", Dict::None, false));
    out.push(n2(Peer::C, 2, 941, "941,941,300", Dict::Small, true));
    out.push(n2(
        Peer::C,
        0,
        8192,
        "8192,8192,2500,7000",
        Dict::None,
        false,
    ));
    out.push(n2(Peer::Python, 2, 941, "941,941,300", Dict::None, false));
    out.push(n2(
        Peer::Python,
        4,
        4096,
        "4096,4096,1000,4096",
        Dict::Large,
        false,
    ));
    let mut hc = n2(Peer::Python, 1, 200, "200,200,50", Dict::None, false);
    hc.hc = Some(9);
    out.push(hc);
    // Reads: to the end, small buffers, buffers our reader decodes whole blocks straight into
    // (with the history, block N-2 included, in the buffer).
    for (i, c) in out.iter_mut().enumerate() {
        c.read_piece = [0, 4093, 300_007][i % 3];
    }

    // lz4's own ring example: a ring of 8 KiB plus a page (less history than 64 KiB).
    let mut small_ring = Crossing::new(Peer::C, Direction::PeerToUs, 4, 1024);
    small_ring.ring = true;
    small_ring.peer_ring = 8192 + 1024;
    small_ring.chunks = Chunks::Random(99);
    small_ring.len = 100_000;
    out.push(small_ring);
    // Our ring with a window below 64 KiB, decoded by liblz4's ring decoder.
    let mut small_window = Crossing::new(Peer::C, Direction::UsToPeer, 2, 941);
    small_window.ring = true;
    small_window.window = 8192;
    small_window.chunks = Chunks::Random(98);
    small_window.dict = Dict::Small;
    small_window.len = 100_000;
    out.push(small_window);
    // Rings with pages over 64 KiB that wrap several times, both ways: liblz4's ring compressor
    // needs room for two such pages beside the 64 KiB window (the C peer's default), and a
    // stream shorter than the ring never shows a wrong layout.
    for (direction, page, chunks) in [
        (Direction::PeerToUs, 100_000, Chunks::Full),
        (Direction::PeerToUs, 262_144, Chunks::Random(97)),
        (Direction::UsToPeer, 100_000, Chunks::Random(96)),
        (Direction::UsToPeer, 262_144, Chunks::Full),
    ] {
        let mut big_ring = Crossing::new(Peer::C, direction, 4, page);
        big_ring.ring = true;
        big_ring.chunks = chunks;
        big_ring.kind = Kind::Mixed;
        big_ring.len = 1_200_000;
        out.push(big_ring);
    }
    // python-lz4's HC at full 64 KiB pages, and random data (incompressible blocks at the
    // largest page a 1-byte prefix allows) both ways.
    let mut hc = Crossing::new(Peer::Python, Direction::PeerToUs, 4, 65_536);
    hc.hc = Some(12);
    hc.dict = Dict::Large;
    hc.len = 300_000;
    out.push(hc);
    for peer in [Peer::C, Peer::Python] {
        for direction in [Direction::PeerToUs, Direction::UsToPeer] {
            let mut c = Crossing::new(peer, direction, 1, 239);
            c.kind = Kind::Random;
            c.len = 30_000;
            out.push(c);
        }
    }
    out
}

/// The HC levels that cross: liblz4 1.10's light matcher (1), hash chains of 4 and 256
/// candidates (3, 9) and its optimal parser (12).
const HC_LEVELS: [u32; 4] = [1, 3, 9, 12];

/// HC, every peer both ways: our writer's `Mode::High { level }` decoded by liblz4 (double
/// buffer; ring, its window the full 64 KiB without a dictionary and 20,000 bytes with one) and
/// python-lz4 (double buffer), and liblz4's `LZ4_compress_HC_continue` (`--hc`, double and
/// ring) and python-lz4's `mode="high_compression"` decoded by our reader; at each level,
/// without and with a dictionary, at (width, page) pairs that rotate, full pages and shorter
/// chunks. Plus our HC stream in RenderDoc's layout (separately allocated pages: liblz4 sees
/// the previous block as an external dictionary).
fn hc_crossings() -> Vec<Crossing> {
    const SHAPES: [(usize, usize); 4] = [(4, 65_536), (2, 8192), (0, 941), (1, 200)];
    const HC_KINDS: [Kind; 5] = [
        Kind::Text,
        Kind::Mixed,
        Kind::Binary,
        Kind::Text,
        Kind::Runs,
    ];
    let mut out = Vec::new();
    let mut k = 0usize;
    for peer in [Peer::C, Peer::Python] {
        for direction in [Direction::UsToPeer, Direction::PeerToUs] {
            for (l, level) in HC_LEVELS.into_iter().enumerate() {
                let strategies: &[bool] = match peer {
                    Peer::C => &[false, true],
                    Peer::Python => &[false],
                };
                for &ring in strategies {
                    for with_dict in [false, true] {
                        k += 1;
                        let (width, page) = SHAPES[(l + k) % SHAPES.len()];
                        let mut c = Crossing::new(peer, direction, width, page);
                        c.ring = ring;
                        c.hc = Some(level);
                        c.kind = HC_KINDS[k % HC_KINDS.len()];
                        c.len = length_for(page);
                        if with_dict {
                            c.dict = if k % 4 < 2 { Dict::Small } else { Dict::Large };
                            if ring {
                                c.window = 20_000;
                            }
                        }
                        if k % 2 == 0 {
                            c.chunks = Chunks::Random(3000 + k as u64);
                        } else if k % 3 == 0 {
                            c.write_piece = usize::MAX;
                        }
                        c.end_marker = peer == Peer::C && width != 0 && k % 3 == 1;
                        if direction == Direction::PeerToUs {
                            c.read_piece = [0, 4093, 300_007][k % 3];
                        }
                        out.push(c);
                    }
                }
            }
        }
    }
    let mut pages = Crossing::new(Peer::C, Direction::UsToPeer, 4, 65_536);
    pages.pages = true;
    pages.hc = Some(9);
    pages.kind = Kind::Mixed;
    pages.len = 300_000;
    out.push(pages);
    out
}

/// The accelerations of the fast compressors that cross (liblz4's meaning, `1..=65537`).
const ACCELERATIONS: [u32; 3] = [1, 8, 100];

/// Fast compression with an explicit acceleration, every peer both ways: our writer's
/// `Mode::Fast { acceleration }` decoded by liblz4 (double and ring) and python-lz4, and
/// liblz4's `LZ4_compress_fast_continue(..., acceleration)` (`--accel`, double and ring) and
/// python-lz4's `mode="fast", acceleration=N` decoded by our reader; at four (width, page)
/// pairs, without and with a dictionary, full pages and shorter chunks. These check decoding,
/// not sizes: an acceleration changes which matches a compressor finds, never what a block
/// means.
fn acceleration_crossings() -> Vec<Crossing> {
    const SHAPES: [(usize, usize); 4] = [(1, 64), (0, 941), (2, 8192), (4, 65_536)];
    const ACCEL_KINDS: [Kind; 5] = [
        Kind::Text,
        Kind::Binary,
        Kind::Mixed,
        Kind::Runs,
        Kind::Text,
    ];
    let mut out = Vec::new();
    let mut k = 0usize;
    for peer in [Peer::C, Peer::Python] {
        for direction in [Direction::PeerToUs, Direction::UsToPeer] {
            for accel in ACCELERATIONS {
                for (width, page) in SHAPES {
                    let strategies: &[bool] = match peer {
                        Peer::C => &[false, true],
                        Peer::Python => &[false],
                    };
                    for &ring in strategies {
                        for with_dict in [false, true] {
                            k += 1;
                            let mut c = Crossing::new(peer, direction, width, page);
                            c.ring = ring;
                            c.accel = Some(accel);
                            c.kind = ACCEL_KINDS[k % ACCEL_KINDS.len()];
                            c.len = length_for(page);
                            if with_dict {
                                c.dict = if k % 4 < 2 { Dict::Small } else { Dict::Large };
                            }
                            if k % 2 == 0 {
                                c.chunks = Chunks::Random(1000 + k as u64);
                            } else if k % 3 == 0 {
                                c.write_piece = usize::MAX;
                            }
                            c.end_marker = peer == Peer::C && width != 0 && k % 3 == 1;
                            if direction == Direction::PeerToUs {
                                c.read_piece = [0, 4093, 300_007][k % 3];
                            }
                            out.push(c);
                        }
                    }
                }
            }
        }
    }
    out
}

/// Crossings in the layouts real programs use, both ways (ours writes and the program's layout
/// reads; the program's layout writes and ours reads), through the C peer set up as each
/// program does (peers/lz4peer.c):
///
/// - RenderDoc (`renderdoc/serialise/lz4io.cpp`): two separately allocated 64 KiB pages used
///   in turn (`--strategy pages`), `LZ4_compress_fast_continue` at acceleration 20, a 4-byte
///   little-endian prefix (an `int32_t`), no end marker; every block a full page but the last;
///   an empty capture is one empty block (`Finish` flushes the empty page). Ours: double
///   buffer, page 65,536, `SizePrefix::U32`, `Mode::Fast { acceleration: 20 }`.
/// - lz4's `examples/blockStreaming_doubleBuffer.c`: `char inpBuf[2][8192]`, acceleration 1,
///   an `int` prefix (4 bytes) and a 0 `int` at the end (`--page 8192 --prefix 4 --end-marker`).
///   Ours: double buffer, page 8192, `SizePrefix::U32`, `end_marker(true)`.
/// - lz4's `examples/blockStreaming_ringBuffer.c`: messages of `rand() % 1024 + 1` bytes in a
///   ring of `RING_BUFFER_BYTES = 1024 * 8 + 1024` = 9216 bytes that wraps when the offset
///   reaches `9216 - 1024` (`--ring 9216 --wrap-early`), acceleration 0 (liblz4 takes it as 1),
///   an `int32_t` prefix and a 0 at the end; its decoder's ring is `DECODE_RING_BUFFER = 9216 +
///   1024` = 10,240 bytes, wrapping at `10240 - 1024`, with `maxDecompressedSize = 1024`
///   (`decompress --page 1024 --ring 10240 --wrap-early`). Ours: page 1024 (the most a block
///   may decode to there), `SizePrefix::U32`, `end_marker(true)`, and
///   `Strategy::RingBuffer { window: 8192 }`: that decoder keeps at least 9216 bytes of the
///   stream (it wraps only once 9216 are in its ring), and the block being decoded takes up to
///   1024 of them, so 8192 bytes before the block are what it can still reference (SPEC 1.1:
///   our window counts the bytes before the block). The example's own compressor keeps the
///   same: its 9216-byte ring less the message being compressed. Our writer sends one message
///   per block (a write of `1..=1024` bytes and a flush).
fn layout_crossings() -> Vec<Crossing> {
    let mut out = Vec::new();
    for direction in [Direction::PeerToUs, Direction::UsToPeer] {
        // RenderDoc.
        for (i, (kind, len)) in [
            (Kind::Mixed, 1_500_000),
            (Kind::Text, 300_000),
            (Kind::Binary, 200_003),
            (Kind::Empty, 0),
        ]
        .into_iter()
        .enumerate()
        {
            let mut c = Crossing::new(Peer::C, direction, 4, 65_536);
            c.layout = Some("RenderDoc");
            c.pages = true;
            c.accel = Some(20);
            c.kind = kind;
            c.len = len;
            match direction {
                Direction::PeerToUs => {
                    c.read_piece = [0, 4093, 300_007, 0][i];
                    if kind == Kind::Empty {
                        // RenderDoc's Finish flushes the empty page: one empty block.
                        c.chunks = Chunks::List("0,65536");
                    }
                }
                Direction::UsToPeer => c.write_piece = [10_007, usize::MAX, 65_536, 1][i],
            }
            out.push(c);
        }
        // lz4's blockStreaming_doubleBuffer.c.
        for (i, (kind, len)) in [
            (Kind::Text, 200_000),
            (Kind::Mixed, 300_000),
            (Kind::Runs, 100_001),
            (Kind::Empty, 0),
        ]
        .into_iter()
        .enumerate()
        {
            let mut c = Crossing::new(Peer::C, direction, 4, 8192);
            c.layout = Some("lz4 blockStreaming_doubleBuffer.c");
            c.accel = Some(1);
            c.end_marker = true;
            c.kind = kind;
            c.len = len;
            match direction {
                Direction::PeerToUs => c.read_piece = [0, 4093, 300_007, 0][i],
                Direction::UsToPeer => c.write_piece = [10_007, usize::MAX, 8192, 10_007][i],
            }
            out.push(c);
        }
        // lz4's blockStreaming_ringBuffer.c.
        for (i, (kind, len)) in [
            (Kind::Text, 200_000),
            (Kind::Binary, 150_000),
            (Kind::Mixed, 300_000),
            (Kind::Runs, 100_000),
        ]
        .into_iter()
        .enumerate()
        {
            let mut c = Crossing::new(Peer::C, direction, 4, 1024);
            c.layout = Some("lz4 blockStreaming_ringBuffer.c");
            c.ring = true;
            c.wrap_early = true;
            c.end_marker = true;
            c.kind = kind;
            c.len = len;
            match direction {
                Direction::PeerToUs => {
                    c.peer_ring = 9216;
                    // The example passes acceleration 0, which liblz4 takes as 1.
                    c.accel = Some(0);
                    c.chunks = if i == 0 {
                        Chunks::LibcRand
                    } else {
                        Chunks::Random(2000 + i as u64)
                    };
                    c.read_piece = [0, 4093, 300_007, 1024][i];
                }
                Direction::UsToPeer => {
                    c.peer_ring = 10_240;
                    c.window = 8192;
                    c.accel = Some(1);
                    c.chunks = Chunks::Messages(2000 + i as u64);
                }
            }
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The peers.

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Peers {
    /// `lz4peer`, if found and runnable.
    c: Option<PathBuf>,
    /// A python with `lz4.stream`, and `peers/pylz4_peer.py`.
    python: Option<(PathBuf, PathBuf)>,
}

impl Peers {
    /// Finds the peers; says on stderr what is missing and how to install it.
    fn discover() -> (Peers, Vec<String>) {
        let mut missing = Vec::new();
        let c_path = env::var_os("LZ4S_PEER_C")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("target/peers/lz4peer"));
        let c = match Command::new(&c_path)
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Ok(status) if status.success() => Some(c_path),
            Ok(status) => {
                missing.push(format!(
                    "the C peer (liblz4) at {} does not run ({status})",
                    c_path.display()
                ));
                None
            }
            Err(err) => {
                missing.push(format!(
                    "the C peer (liblz4) is missing: {}: {err} (set LZ4S_PEER_C to its path)",
                    c_path.display()
                ));
                None
            }
        };
        let python = env::var_os("LZ4S_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join(".venv-peers/bin/python"));
        let script = repo().join("peers/pylz4_peer.py");
        let python = match Command::new(&python)
            .args(["-c", "import lz4.stream"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
        {
            Ok(out) if out.status.success() => Some((python, script)),
            Ok(out) => {
                missing.push(format!(
                    "the python-lz4 peer is missing: {} cannot `import lz4.stream` ({}) \
                     (set LZ4S_PYTHON to a python that can)",
                    python.display(),
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim()
                ));
                None
            }
            Err(err) => {
                missing.push(format!(
                    "the python-lz4 peer is missing: {}: {err} (set LZ4S_PYTHON to a python \
                     with lz4.stream)",
                    python.display()
                ));
                None
            }
        };
        (Peers { c, python }, missing)
    }

    fn has(&self, peer: Peer) -> bool {
        match peer {
            Peer::C => self.c.is_some(),
            Peer::Python => self.python.is_some(),
        }
    }

    /// The peer's command line up to the options: `lz4peer compress` or
    /// `python pylz4_peer.py compress`.
    fn command(&self, peer: Peer, compress: bool) -> Command {
        let verb = if compress { "compress" } else { "decompress" };
        match peer {
            Peer::C => {
                let mut cmd = Command::new(self.c.as_ref().expect("C peer"));
                cmd.arg(verb);
                cmd
            }
            Peer::Python => {
                let (python, script) = self.python.as_ref().expect("python peer");
                let mut cmd = Command::new(python);
                cmd.arg(script).arg(verb);
                cmd
            }
        }
    }
}

/// Runs `cmd` with `stdin` as its input; its stdout, or why it failed.
fn run(mut cmd: Command, stdin: &Path) -> Result<Vec<u8>, String> {
    let input = fs::File::open(stdin).map_err(|err| format!("{}: {err}", stdin.display()))?;
    let shown = format!("{cmd:?}");
    // `output` reads stdout and stderr together: no pipe can fill up and block the peer.
    let out = cmd
        .stdin(input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|err| format!("{shown}: {err}"))?;
    if !out.status.success() {
        return Err(format!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

// ---------------------------------------------------------------------------------------------
// Running the matrix.

/// A directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path =
            env::temp_dir().join(format!("lz4s-peer-interop-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&path).expect("create the temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The data sets and dictionaries, generated once and kept in memory and in files.
struct Inputs {
    dir: PathBuf,
    data: HashMap<(Kind, usize), (Vec<u8>, PathBuf)>,
    dict_small: (Vec<u8>, PathBuf),
    dict_large: (Vec<u8>, PathBuf),
}

impl Inputs {
    fn new(dir: &Path) -> Inputs {
        let save = |name: &str, bytes: Vec<u8>| {
            let path = dir.join(name);
            fs::write(&path, &bytes).expect("write a dictionary");
            (bytes, path)
        };
        Inputs {
            dir: dir.to_path_buf(),
            data: HashMap::new(),
            dict_small: save("dict_32k.bin", text(41, 32 * 1024)),
            dict_large: save("dict_100k.bin", text(42, 100 * 1024)),
        }
    }

    fn data(&mut self, kind: Kind, len: usize) -> (&[u8], &Path) {
        let dir = &self.dir;
        let (bytes, path) = self.data.entry((kind, len)).or_insert_with(|| {
            let bytes = generate(kind, len);
            let path = dir.join(format!("data_{kind}_{len}.raw"));
            fs::write(&path, &bytes).expect("write a data file");
            (bytes, path)
        });
        (bytes, path)
    }

    fn dict(&self, dict: Dict) -> Option<&(Vec<u8>, PathBuf)> {
        match dict {
            Dict::None => None,
            Dict::Small => Some(&self.dict_small),
            Dict::Large => Some(&self.dict_large),
        }
    }
}

/// Where two byte strings first differ, for the failure message.
fn compare(got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        return Ok(());
    }
    let first = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    Err(format!(
        "decoded {} bytes, expected {}; first difference at offset {first}",
        got.len(),
        want.len()
    ))
}

fn parse_sizes(path: &Path) -> Result<Vec<usize>, String> {
    let text = fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            line.trim()
                .parse()
                .map_err(|_| format!("{}: bad size line {line:?}", path.display()))
        })
        .collect()
}

/// The options both peers take, for both verbs (compress-only options are added by callers).
fn peer_options(
    cmd: &mut Command,
    crossing: &Crossing,
    page: usize,
    sizes: &Path,
    dict: Option<&Path>,
) {
    cmd.arg("--page").arg(page.to_string());
    cmd.arg("--prefix").arg(crossing.width.to_string());
    if crossing.width == 0 {
        cmd.arg("--sizes").arg(sizes);
    }
    if let Some(dict) = dict {
        cmd.arg("--dict").arg(dict);
    }
    if crossing.end_marker {
        cmd.arg("--end-marker");
    }
    if crossing.peer == Peer::C {
        cmd.arg("--strategy")
            .arg(match (crossing.ring, crossing.pages) {
                (true, _) => "ring",
                (false, true) => "pages",
                (false, false) => "double",
            });
        if crossing.peer_ring > 0 {
            cmd.arg("--ring").arg(crossing.peer_ring.to_string());
        }
        if crossing.wrap_early {
            cmd.arg("--wrap-early");
        }
    }
}

/// One crossing; `Err` says what went wrong.
fn cross(peers: &Peers, inputs: &mut Inputs, crossing: &Crossing, id: usize) -> Result<(), String> {
    let dir = inputs.dir.clone();
    let dict = inputs.dict(crossing.dict).cloned();
    let (dict_bytes, dict_path) = match &dict {
        Some((bytes, path)) => (&bytes[..], Some(path.as_path())),
        None => (&[][..], None),
    };
    let opts = crossing.options(dict_bytes);
    let sizes_path = dir.join(format!("{id}.sizes"));
    let stream_path = dir.join(format!("{id}.lz4s"));
    let (data, data_path) = inputs.data(crossing.kind, crossing.len);
    let result = match crossing.direction {
        Direction::PeerToUs => {
            let mut cmd = peers.command(crossing.peer, true);
            peer_options(&mut cmd, crossing, crossing.page, &sizes_path, dict_path);
            match &crossing.chunks {
                Chunks::Full => {}
                Chunks::Random(seed) => {
                    cmd.arg("--chunks").arg(format!("random:{seed}"));
                }
                Chunks::List(list) => {
                    cmd.arg("--chunks").arg(format!("list:{list}"));
                }
                Chunks::LibcRand => {
                    cmd.arg("--chunks").arg("libc-rand");
                }
                Chunks::Messages(_) => {
                    return Err("Chunks::Messages is for our writer (us -> peer)".to_string());
                }
            }
            match (crossing.accel, crossing.peer) {
                (None, _) => {}
                (Some(accel), Peer::C) => {
                    cmd.arg("--accel").arg(accel.to_string());
                }
                (Some(accel), Peer::Python) => {
                    cmd.args(["--mode", "fast", "--acceleration"])
                        .arg(accel.to_string());
                }
            }
            match (crossing.hc, crossing.peer) {
                (None, _) => {}
                (Some(level), Peer::C) => {
                    cmd.arg("--hc").arg(level.to_string());
                }
                (Some(level), Peer::Python) => {
                    cmd.args(["--mode", "high_compression", "--level"])
                        .arg(level.to_string());
                }
            }
            let stream = run(cmd, data_path)?;
            let decoded = read_ours(&opts, &stream, &sizes_path, crossing.read_piece)?;
            compare(&decoded, data).map_err(|err| format!("our reader: {err}"))?;
            if crossing.n2_probe {
                fs::write(&stream_path, &stream).map_err(|err| err.to_string())?;
                probe_n2(peers, crossing, &stream_path, &sizes_path, dict_path, data)?;
                // A reader with a larger page decodes it too (SPEC 1.2).
                let wide = opts.clone().page_size(crossing.page * 2);
                let decoded = read_ours(&wide, &stream, &sizes_path, crossing.read_piece)?;
                compare(&decoded, data)
                    .map_err(|err| format!("our reader with pages twice as large: {err}"))?;
            }
            Ok(())
        }
        Direction::UsToPeer => {
            let (stream, sizes) = write_ours(&opts, data, &crossing.chunks, crossing.write_piece)
                .map_err(|err| format!("our writer: {err}"))?;
            fs::write(&stream_path, &stream).map_err(|err| err.to_string())?;
            if crossing.width == 0 {
                let text: String = sizes.iter().map(|s| format!("{s}\n")).collect();
                fs::write(&sizes_path, text).map_err(|err| err.to_string())?;
            }
            let mut cmd = peers.command(crossing.peer, false);
            peer_options(&mut cmd, crossing, crossing.page, &sizes_path, dict_path);
            let decoded = run(cmd, &stream_path)?;
            compare(&decoded, data).map_err(|err| format!("{}: {err}", crossing.peer))
        }
    };
    let _ = fs::remove_file(&stream_path);
    let _ = fs::remove_file(&sizes_path);
    result
}

/// Decodes a peer's stream with our reader, and checks that the reader took all of it.
/// `piece` is the size of the buffer it reads into (0: `read_to_end`).
fn read_ours(
    opts: &StreamOptions,
    stream: &[u8],
    sizes_path: &Path,
    piece: usize,
) -> Result<Vec<u8>, String> {
    let mut input = stream;
    let mut decoded = Vec::new();
    let result = if opts.get_size_prefix() == SizePrefix::OutOfBand {
        let sizes = parse_sizes(sizes_path)?;
        Lz4StreamReader::with_block_sizes(&mut input, opts, sizes)
            .and_then(|reader| drain(reader, piece, &mut decoded))
    } else {
        Lz4StreamReader::with_options(&mut input, opts)
            .and_then(|reader| drain(reader, piece, &mut decoded))
    };
    result.map_err(|err| format!("our reader failed: {err} (after {} bytes)", decoded.len()))?;
    if !input.is_empty() {
        return Err(format!(
            "our reader stopped {} bytes before the end of the stream",
            input.len()
        ));
    }
    Ok(decoded)
}

/// Reads `reader` to its end into `out`: by `read_to_end` (`piece` 0), or by reads into a
/// buffer of `piece` bytes.
fn drain(mut reader: impl Read, piece: usize, out: &mut Vec<u8>) -> std::io::Result<()> {
    if piece == 0 {
        return reader.read_to_end(out).map(drop);
    }
    let mut buf = vec![0; piece];
    loop {
        match reader.read(&mut buf)? {
            0 => return Ok(()),
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// Compresses `data` with our writer: in writes of `piece` bytes for full pages, or in random pieces
/// with flushes at random points (shorter blocks). Returns the stream and, for out-of-band
/// prefixes, the block sizes.
fn write_ours(
    opts: &StreamOptions,
    data: &[u8],
    chunks: &Chunks,
    piece: usize,
) -> std::io::Result<(Vec<u8>, Vec<usize>)> {
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts)?;
    let page = opts.get_page_size();
    match chunks {
        Chunks::Random(seed) => {
            let mut rng = Rng::new(*seed);
            let mut rest = data;
            while !rest.is_empty() {
                // Mostly less than a page, sometimes several pages (which may start when the
                // page is empty, right after a flush).
                let most = if rng.below(4) == 0 { 3 * page } else { page };
                let n = (1 + rng.below(most)).min(rest.len());
                writer.write_all(&rest[..n])?;
                rest = &rest[n..];
                if rng.below(5) < 2 {
                    writer.flush()?;
                }
            }
        }
        Chunks::Messages(seed) => {
            let mut rng = Rng::new(*seed);
            let mut rest = data;
            while !rest.is_empty() {
                let n = (1 + rng.below(page)).min(rest.len());
                writer.write_all(&rest[..n])?;
                writer.flush()?;
                rest = &rest[n..];
            }
        }
        _ => {
            for piece in data.chunks(piece.max(1)) {
                writer.write_all(piece)?;
            }
        }
    }
    writer.try_finish()?;
    let sizes = writer.take_block_sizes();
    Ok((writer.finish()?, sizes))
}

/// Shows that a refs-block-n-2 stream needs more than block N-1: the writing peer's own
/// double-buffer decoder with pages twice as large (so block N-2 is no longer in place) fails on
/// it, or decodes wrong bytes. Otherwise the crossing would not test the quirk.
fn probe_n2(
    peers: &Peers,
    crossing: &Crossing,
    stream: &Path,
    sizes: &Path,
    dict: Option<&Path>,
    data: &[u8],
) -> Result<(), String> {
    let mut cmd = peers.command(crossing.peer, false);
    peer_options(&mut cmd, crossing, crossing.page * 2, sizes, dict);
    match run(cmd, stream) {
        Ok(decoded) if decoded == data => Err(format!(
            "the stream does not reference block N-2: {}'s double-buffer decoder with pages of \
             {} decodes it",
            crossing.peer,
            crossing.page * 2
        )),
        _ => Ok(()),
    }
}

#[test]
fn peer_crossings() {
    let require = env::var("LZ4S_REQUIRE_PEERS").is_ok_and(|v| v == "1");
    let verbose = env::var("LZ4S_INTEROP_VERBOSE").is_ok_and(|v| v == "1");
    let (peers, missing) = Peers::discover();
    for why in &missing {
        eprintln!(
            "peer interop: {why}; install the peers with `bash peers/install.sh`{}",
            if require {
                ""
            } else {
                " (skipping its crossings)"
            }
        );
    }
    assert!(
        !require || missing.is_empty(),
        "LZ4S_REQUIRE_PEERS=1 but a peer is missing: {missing:?}; run `bash peers/install.sh`"
    );

    let temp = TempDir::new();
    let mut inputs = Inputs::new(&temp.0);
    let crossings = matrix();
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    let started = Instant::now();
    for (id, crossing) in crossings.iter().enumerate() {
        if !peers.has(crossing.peer) {
            skipped += 1;
            continue;
        }
        let t = Instant::now();
        // A panic (in our writer or reader, which must never panic) fails this crossing only.
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            cross(&peers, &mut inputs, crossing, id)
        }))
        .unwrap_or_else(|_| Err("panicked (see the message above)".to_string()));
        match result {
            Ok(()) => passed += 1,
            Err(why) => {
                failed += 1;
                eprintln!("FAILED crossing {id}: {crossing}: {why}");
            }
        }
        if verbose {
            eprintln!("{id:4} {:6.3}s {crossing}", t.elapsed().as_secs_f64());
        }
    }
    if skipped > 0 {
        eprintln!("peer interop: skipped {skipped} crossings of missing peers");
    }
    if verbose {
        eprintln!("peer interop: {:.1}s", started.elapsed().as_secs_f64());
    }
    let summary = format!("peer crossings: {passed} passed, {failed} failed");
    println!("{summary}");
    eprintln!("{summary}");
    assert_eq!(failed, 0, "{summary}");
}

/// Our writer's parallel compression (`threads(4)`), decoded by liblz4 (double buffer and
/// ring) and python-lz4 (double buffer), fast (the default mode) and HC level 9: three crossings
/// each, at pages of 64 KiB (4-byte prefix), 941 (2-byte or out-of-band prefix) and 8 KiB
/// (2-byte prefix), with and without a dictionary, full pages and random flushes (which end
/// jobs early). The data spans several jobs (a job is up to 256 KiB of pages, each compressed
/// from a copy of its history alone), so blocks at the start of a job reference the previous
/// job's pages, and the dictionary only reaches the first job.
fn threads_crossings() -> Vec<Crossing> {
    const THREAD_KINDS: [Kind; 4] = [Kind::Text, Kind::Mixed, Kind::Binary, Kind::Runs];
    let mut out = Vec::new();
    let mut k = 0usize;
    let mut group = 0usize;
    for (peer, ring) in [(Peer::C, false), (Peer::C, true), (Peer::Python, false)] {
        for hc in [None, Some(9)] {
            group += 1;
            for variant in 0..3 {
                k += 1;
                let (width, page, len) = match variant {
                    0 => (4, 65_536, 1_200_000),
                    1 => (if group % 2 == 0 { 0 } else { 2 }, 941, 600_000),
                    _ => (2, 8192, 800_000),
                };
                let mut c = Crossing::new(peer, Direction::UsToPeer, width, page);
                c.threads = 4;
                c.ring = ring;
                c.hc = hc;
                c.kind = THREAD_KINDS[k % THREAD_KINDS.len()];
                c.len = len;
                // Per group: one page size without a dictionary, the others with one.
                if (variant + group) % 3 != 0 {
                    c.dict = if k % 2 == 0 { Dict::Small } else { Dict::Large };
                    if ring && variant == 2 {
                        c.window = 20_000;
                    }
                }
                // Per group: random flushes on one or two page sizes, full pages on the rest
                // (in writes of 10,007 bytes, or all in one write).
                if (variant + group) % 2 == 1 {
                    c.chunks = Chunks::Random(4000 + k as u64);
                } else if k % 3 == 0 {
                    c.write_piece = usize::MAX;
                }
                c.end_marker = peer == Peer::C && width != 0 && k % 2 == 1;
                out.push(c);
            }
        }
    }
    out
}
