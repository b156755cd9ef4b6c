//! Throughput of `Lz4StreamWriter` / `Lz4StreamReader` against the bare `lz4_flex` block loops
//! they are built on and against liblz4's streaming API, all in one process.
//!
//! ```text
//! cargo bench --bench throughput                        # lz4_flex's safe code paths (default)
//! cargo bench --no-default-features --bench throughput  # lz4_flex's faster unsafe code paths
//! ```
//!
//! Figures on a shared machine drift, so what this reports is *ratios* between implementations
//! measured in the same process on the same data, round after round: every round runs each
//! implementation once, in turn (each round starting one further on), so whatever noise the
//! machine makes hits them all alike. An implementation's MB/s is the median over the rounds;
//! a ratio between two is the median over the rounds of the ratio measured within each round,
//! which cancels load that drifts from round to round. MB/s are 10^6 bytes of *uncompressed*
//! data per second.
//!
//! Environment variables:
//! - `LZ4S_BENCH_CORPUS`: the data (default: `../shared/corpus/mixed.bin` beside the crate if
//!   present, else ~16 MB generated here: text-like, binary-like, runs, random).
//! - `LZ4S_BENCH_PAGES`: page sizes, comma-separated, `k`/`m` suffixes allowed
//!   (default `4k,64k,1m`).
//! - `LZ4S_BENCH_ROUNDS`: rounds per page size (default 7).
//! - `LZ4S_BENCH_LIMIT`: use only the first N bytes of the data (`k`/`m` suffixes), for quick
//!   runs.
//! - `LZ4S_BENCH_SMALL`: `0` skips the small-operation table.
//! - `LZ4S_BENCH_MEMORY`: length of the long stream of the memory measurement (default `1g`;
//!   `0` skips it).
//!
//! What is measured, per page size (4-byte size prefixes, double buffer, acceleration 1):
//!
//! Compression (input: the whole data; output: a buffer reserved beforehand and reused):
//! - `ours`: `Lz4StreamWriter`, one `write_all` of the whole data into a `Vec<u8>`, `finish`.
//! - `bare`: a loop of `lz4_flex::block::compress_into_with_dict` over the pages of the data in
//!   place, each with the previous page as its dictionary, into one preallocated buffer with a
//!   4-byte prefix per block: the least any adapter must do. Its output is checked to be the
//!   same bytes as ours.
//! - `bare + io`: the same loop, compressing each page into a record buffer and handing the
//!   record over through `Write` (to a `Vec`, reserved beforehand): the least any adapter behind
//!   `Write` must do (it cannot compress into its caller's memory).
//! - `liblz4`: liblz4's `LZ4_compress_fast_continue` through `lzzzz::lz4::Compressor::next`,
//!   given each page of the data in place. Layout: lzzzz calls `LZ4_saveDict` after every block,
//!   which copies the block's last 64 KiB (the whole block for smaller pages) into lzzzz's own
//!   64 KiB buffer, so each block is compressed in external-dictionary mode against the previous
//!   block only: the same history as a double buffer, paid for with one copy of the data (as our
//!   writer pays one copy into its window).
//! - `liblz4 raw`: the same liblz4 (the copy lzzzz builds and links), called directly
//!   the way liblz4's `blockStreaming_doubleBuffer.c` example does: two page buffers used in
//!   turn, each page copied into one and compressed there by `LZ4_compress_fast_continue`
//!   (external-dictionary mode, dictionary = the other buffer, the previous page). This avoids
//!   any cost of lzzzz's wrapper.
//!
//! Decompression (input: the stream ours wrote):
//! - `ours read`: `Lz4StreamReader::read` into one large buffer (every `read` returns at most
//!   the rest of one decoded page).
//! - `ours fill_buf`: `BufRead::fill_buf` / `consume`, the bytes used in place (not copied).
//! - `ours BufRead`: `Lz4StreamBufReader::read` into one large buffer, over the stream as a
//!   `&[u8]` (a `BufRead` holding every record whole): blocks are decoded straight from the
//!   stream's bytes, as `bare` does, instead of being copied out of the inner reader first.
//! - `bare`: a loop of `lz4_flex::block::decompress_into_with_dict` into one large buffer, each
//!   block decoded right after the previous one, with the 64 KiB before it as the dictionary.
//! - `bare + io`: the same loop, each block first read through `Read` (from the stream in
//!   memory) into a block buffer: the least any adapter over `Read` must do (it cannot decode
//!   from its inner reader's memory).
//! - `liblz4`: `lzzzz::lz4::Decompressor::next`, the bytes used in place. Layout: lzzzz decodes
//!   into a list of `Vec`s it allocates as it goes (at least 8 KiB, at least a block each) and
//!   drops the oldest once 64 KiB of history remain, so a block is decoded against its
//!   predecessor in prefix mode when it fits the same `Vec`, else in external-dictionary mode.
//! - `liblz4 raw`: `LZ4_decompress_safe_continue` called directly, decoding each block right
//!   after the previous one into one large buffer (prefix mode), exactly as `bare` lays it out.
//!
//! Small operations (second table), against the big operations of the same adapter:
//! - writes of 100 bytes, with no flush and with a `flush` every 4 KiB (a message stream: every
//!   flush ends a block), against one `write_all`;
//! - `BufRead::read_until(b'\n')` and 1-byte `read` calls, against `read` into a large buffer.
//!
//! Finally the memory measurement: the peak heap of writer + reader through `io::copy` at a
//! 64 KiB page for a 1 MiB stream and a long one (generated on the fly, never held in memory).
//!
//! The unsafe code below is the FFI into liblz4 (already compiled and linked by `lzzzz`) and the
//! counting global allocator of the memory measurement; the library itself forbids unsafe code.

use std::alloc::{GlobalAlloc, Layout, System};
use std::env;
use std::hint::black_box;
use std::io::{self, BufRead, Read, Write};
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use lz4_flex::block::{
    compress_into, compress_into_with_dict, decompress_into, decompress_into_with_dict,
    get_maximum_output_size,
};
use lz4_stream::{Lz4StreamBufReader, Lz4StreamReader, Lz4StreamWriter, SizePrefix, StreamOptions};

/// How far LZ4 matches reach back.
const WINDOW: usize = 65_536;

// ---------------------------------------------------------------------------------------------
// Counting allocator (for the memory measurement only: two relaxed atomic operations per call).

/// Wraps the system allocator, counting the bytes allocated now and at the peak.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn note_alloc(size: usize) {
    let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            note_alloc(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() {
            note_alloc(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            note_alloc(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------------------------
// liblz4, called directly. `lzzzz` compiles liblz4 1.10 from its sources and links it (without
// symbol prefixes), so these symbols resolve to that copy; using `lzzzz` below keeps it linked.

mod liblz4 {
    use super::*;

    extern "C" {
        fn LZ4_createStream() -> *mut c_void;
        fn LZ4_freeStream(stream: *mut c_void) -> c_int;
        fn LZ4_compress_fast_continue(
            stream: *mut c_void,
            src: *const c_char,
            dst: *mut c_char,
            src_size: c_int,
            dst_capacity: c_int,
            acceleration: c_int,
        ) -> c_int;
        fn LZ4_createStreamDecode() -> *mut c_void;
        fn LZ4_freeStreamDecode(stream: *mut c_void) -> c_int;
        fn LZ4_decompress_safe_continue(
            stream: *mut c_void,
            src: *const c_char,
            dst: *mut c_char,
            src_size: c_int,
            dst_capacity: c_int,
        ) -> c_int;
    }

    /// `blockStreaming_doubleBuffer.c`'s encoder: each page is copied into one of two page
    /// buffers (`double`, 2 pages long) in turn and compressed there, the other buffer holding
    /// the previous page as the dictionary. Records have 4-byte prefixes. Returns the length.
    pub fn compress_double_buffer(
        data: &[u8],
        page: usize,
        double: &mut [u8],
        out: &mut [u8],
    ) -> usize {
        assert!(double.len() >= 2 * page && page <= i32::MAX as usize / 2);
        // SAFETY: the stream is created, used on this thread and freed here; every pointer
        // handed over covers the length handed with it (sources: `chunk.len()` bytes of
        // `double`; destinations: the rest of `out`, whose length is checked to fit a c_int).
        unsafe {
            let stream = LZ4_createStream();
            assert!(!stream.is_null());
            let (mut pos, mut half) = (0, 0);
            for chunk in data.chunks(page) {
                let buf = &mut double[half * page..half * page + chunk.len()];
                buf.copy_from_slice(chunk);
                let dst = &mut out[pos + 4..];
                let capacity = dst.len().min(i32::MAX as usize);
                let n = LZ4_compress_fast_continue(
                    stream,
                    buf.as_ptr().cast(),
                    dst.as_mut_ptr().cast(),
                    chunk.len() as c_int,
                    capacity as c_int,
                    1,
                );
                assert!(n > 0, "LZ4_compress_fast_continue failed");
                out[pos..pos + 4].copy_from_slice(&(n as u32).to_le_bytes());
                pos += 4 + n as usize;
                half ^= 1;
            }
            LZ4_freeStream(stream);
            pos
        }
    }

    /// Decodes a stream of 4-byte-prefixed records into `out`, each block right after the
    /// previous one (prefix mode). Returns the decoded length.
    pub fn decompress_contiguous(stream: &[u8], page: usize, out: &mut [u8]) -> usize {
        // SAFETY: as above; each destination is the rest of `out`, capped at a page, and each
        // source is a block inside `stream` (the prefix is checked against its length).
        unsafe {
            let ctx = LZ4_createStreamDecode();
            assert!(!ctx.is_null());
            let (mut at, mut pos) = (0, 0);
            while at < stream.len() {
                let size = u32::from_le_bytes(stream[at..at + 4].try_into().unwrap()) as usize;
                let block = &stream[at + 4..at + 4 + size];
                let dst = &mut out[pos..];
                let capacity = dst.len().min(page);
                let n = LZ4_decompress_safe_continue(
                    ctx,
                    block.as_ptr().cast(),
                    dst.as_mut_ptr().cast(),
                    size as c_int,
                    capacity as c_int,
                );
                assert!(n >= 0, "LZ4_decompress_safe_continue failed");
                pos += n as usize;
                at += 4 + size;
            }
            LZ4_freeStreamDecode(ctx);
            pos
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The implementations measured.

fn options(page: usize) -> StreamOptions {
    StreamOptions::new()
        .page_size(page)
        .size_prefix(SizePrefix::U32)
}

/// Our writer: one `write_all` of everything into `out` (reserved beforehand, reused).
fn ours_compress(data: &[u8], page: usize, out: &mut Vec<u8>) -> usize {
    let mut buf = std::mem::take(out);
    buf.clear();
    let mut writer = Lz4StreamWriter::with_options(buf, &options(page)).unwrap();
    writer.write_all(data).unwrap();
    *out = writer.finish().unwrap();
    out.len()
}

/// Our writer fed `chunk` bytes per `write`, flushing every `flush_every` bytes if given.
fn ours_compress_small(
    data: &[u8],
    page: usize,
    chunk: usize,
    flush_every: Option<usize>,
    out: &mut Vec<u8>,
) -> usize {
    let mut buf = std::mem::take(out);
    buf.clear();
    let mut writer = Lz4StreamWriter::with_options(buf, &options(page)).unwrap();
    let mut since_flush = 0;
    for piece in data.chunks(chunk) {
        writer.write_all(piece).unwrap();
        if let Some(every) = flush_every {
            since_flush += piece.len();
            if since_flush >= every {
                writer.flush().unwrap();
                since_flush = 0;
            }
        }
    }
    *out = writer.finish().unwrap();
    out.len()
}

/// The bare loop: what any adapter must do at least.
fn bare_compress(data: &[u8], page: usize, out: &mut [u8]) -> usize {
    let mut pos = 0;
    let mut previous: &[u8] = &[];
    for chunk in data.chunks(page) {
        let block = &mut out[pos + 4..];
        let n = if previous.is_empty() {
            compress_into(chunk, block)
        } else {
            let dict = &previous[previous.len().saturating_sub(WINDOW)..];
            compress_into_with_dict(chunk, block, dict)
        }
        .unwrap();
        out[pos..pos + 4].copy_from_slice(&(n as u32).to_le_bytes());
        pos += 4 + n;
        previous = chunk;
    }
    pos
}

/// The bare loop, its records handed over through `Write` (appended to `out`, reserved
/// beforehand) from a record buffer: the least an adapter behind `Write` must do.
fn bare_compress_io(data: &[u8], page: usize, record: &mut [u8], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut previous: &[u8] = &[];
    for chunk in data.chunks(page) {
        let block = &mut record[4..];
        let n = if previous.is_empty() {
            compress_into(chunk, block)
        } else {
            let dict = &previous[previous.len().saturating_sub(WINDOW)..];
            compress_into_with_dict(chunk, block, dict)
        }
        .unwrap();
        record[..4].copy_from_slice(&(n as u32).to_le_bytes());
        out.write_all(&record[..4 + n]).unwrap();
        previous = chunk;
    }
    out.len()
}

/// liblz4 through lzzzz's streaming compressor (layout: see the module documentation).
fn lzzzz_compress(data: &[u8], page: usize, out: &mut [u8]) -> usize {
    let mut compressor = lzzzz::lz4::Compressor::new().unwrap();
    let mut pos = 0;
    for chunk in data.chunks(page) {
        let bound = lzzzz::lz4::max_compressed_size(chunk.len());
        let n = compressor
            .next(chunk, &mut out[pos + 4..pos + 4 + bound], 1)
            .unwrap();
        out[pos..pos + 4].copy_from_slice(&(n as u32).to_le_bytes());
        pos += 4 + n;
    }
    pos
}

/// Our reader through `read` into one large buffer.
fn ours_read(stream: &[u8], page: usize, out: &mut [u8]) -> usize {
    let mut reader = Lz4StreamReader::with_options(stream, &options(page)).unwrap();
    let mut pos = 0;
    loop {
        match reader.read(&mut out[pos..]).unwrap() {
            0 => return pos,
            n => pos += n,
        }
    }
}

/// Our reader over a `BufRead` (the stream in memory) through `read` into one large buffer.
fn ours_buf_read(stream: &[u8], page: usize, out: &mut [u8]) -> usize {
    let mut reader = Lz4StreamBufReader::with_options(stream, &options(page)).unwrap();
    let mut pos = 0;
    loop {
        match reader.read(&mut out[pos..]).unwrap() {
            0 => return pos,
            n => pos += n,
        }
    }
}

/// Our reader through `fill_buf` / `consume`, the bytes used in place.
fn ours_fill_buf(stream: &[u8], page: usize) -> usize {
    let mut reader = Lz4StreamReader::with_options(stream, &options(page)).unwrap();
    let mut total = 0;
    loop {
        let n = black_box(reader.fill_buf().unwrap()).len();
        if n == 0 {
            return total;
        }
        total += n;
        reader.consume(n);
    }
}

/// Our reader through `read_until(b'\n')`.
fn ours_read_until(stream: &[u8], page: usize) -> usize {
    let mut reader = Lz4StreamReader::with_options(stream, &options(page)).unwrap();
    let mut line = Vec::with_capacity(1 << 16);
    let mut total = 0;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).unwrap() {
            0 => return total,
            n => total += black_box(&line).len().min(n),
        }
    }
}

/// Our reader through 1-byte `read` calls.
fn ours_read_bytes(stream: &[u8], page: usize) -> usize {
    let mut reader = Lz4StreamReader::with_options(stream, &options(page)).unwrap();
    let mut byte = [0u8; 1];
    let mut total = 0usize;
    let mut sum = 0u8;
    while reader.read(&mut byte).unwrap() == 1 {
        total += 1;
        sum = sum.wrapping_add(byte[0]);
    }
    black_box(sum);
    total
}

/// The bare loop: each block decoded right after the previous one, the 64 KiB before it as the
/// dictionary.
fn bare_decompress(stream: &[u8], page: usize, out: &mut [u8]) -> usize {
    let (mut at, mut pos) = (0, 0);
    while at < stream.len() {
        let size = u32::from_le_bytes(stream[at..at + 4].try_into().unwrap()) as usize;
        let block = &stream[at + 4..at + 4 + size];
        let (before, after) = out.split_at_mut(pos);
        let room_len = page.min(after.len());
        let room = &mut after[..room_len];
        let n = if pos == 0 {
            decompress_into(block, room)
        } else {
            decompress_into_with_dict(block, room, &before[pos.saturating_sub(WINDOW)..])
        }
        .unwrap();
        pos += n;
        at += 4 + size;
    }
    pos
}

/// The bare loop, each block read through `Read` into a block buffer first: the least an
/// adapter over `Read` must do.
fn bare_decompress_io(stream: &[u8], page: usize, block: &mut Vec<u8>, out: &mut [u8]) -> usize {
    let mut input = stream;
    let mut pos = 0;
    let mut prefix = [0u8; 4];
    while !input.is_empty() {
        input.read_exact(&mut prefix).unwrap();
        let size = u32::from_le_bytes(prefix) as usize;
        if block.len() < size {
            block.resize(size, 0);
        }
        input.read_exact(&mut block[..size]).unwrap();
        let (before, after) = out.split_at_mut(pos);
        let room_len = page.min(after.len());
        let room = &mut after[..room_len];
        let n = if pos == 0 {
            decompress_into(&block[..size], room)
        } else {
            decompress_into_with_dict(&block[..size], room, &before[pos.saturating_sub(WINDOW)..])
        }
        .unwrap();
        pos += n;
    }
    pos
}

/// liblz4 through lzzzz's streaming decompressor, the bytes used in place.
fn lzzzz_decompress(stream: &[u8], page: usize, total: usize) -> usize {
    let mut decompressor = lzzzz::lz4::Decompressor::new().unwrap();
    let (mut at, mut pos) = (0, 0);
    while at < stream.len() {
        let size = u32::from_le_bytes(stream[at..at + 4].try_into().unwrap()) as usize;
        let block = &stream[at + 4..at + 4 + size];
        // lzzzz wants each block's decoded size: all blocks are full pages but the last.
        let expected = page.min(total - pos);
        let bytes = decompressor.next(block, expected).unwrap();
        pos += black_box(bytes).len();
        at += 4 + size;
    }
    pos
}

// ---------------------------------------------------------------------------------------------
// The harness.

/// Settings from the environment.
struct Config {
    pages: Vec<usize>,
    rounds: usize,
    small: bool,
    memory: u64,
}

/// Parses `123`, `4k`, `64K`, `1m`, `1g`.
fn parse_size(text: &str) -> u64 {
    let text = text.trim().to_ascii_lowercase();
    let (digits, unit) = match text.chars().last() {
        Some('k') => (&text[..text.len() - 1], 1 << 10),
        Some('m') => (&text[..text.len() - 1], 1 << 20),
        Some('g') => (&text[..text.len() - 1], 1 << 30),
        _ => (&text[..], 1),
    };
    digits
        .parse::<u64>()
        .unwrap_or_else(|_| panic!("not a size: {text:?}"))
        * unit
}

fn config() -> Config {
    let var = |name: &str| env::var(name).ok().filter(|v| !v.trim().is_empty());
    Config {
        pages: var("LZ4S_BENCH_PAGES")
            .unwrap_or_else(|| "4k,64k,1m".into())
            .split(',')
            .map(|p| parse_size(p) as usize)
            .collect(),
        rounds: var("LZ4S_BENCH_ROUNDS").map_or(7, |r| r.parse().expect("LZ4S_BENCH_ROUNDS")),
        small: var("LZ4S_BENCH_SMALL").map_or(true, |s| s != "0"),
        memory: var("LZ4S_BENCH_MEMORY").map_or(1 << 30, |s| parse_size(&s)),
    }
}

/// The data: the corpus file, or generated data.
fn load_data() -> (Vec<u8>, String) {
    let path = env::var("LZ4S_BENCH_CORPUS").ok().or_else(|| {
        let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/mixed.bin");
        std::path::Path::new(default)
            .exists()
            .then(|| default.to_string())
    });
    let (mut data, name) = match path {
        Some(path) => (
            std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}")),
            path,
        ),
        None => (generated(16 << 20), "generated mixed data".to_string()),
    };
    if let Ok(limit) = env::var("LZ4S_BENCH_LIMIT") {
        data.truncate(parse_size(&limit) as usize);
    }
    (data, name)
}

/// A small PRNG (xorshift64*), so generated data is the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// About `len` bytes in four equal parts: text-like (words of a small vocabulary, lines),
/// binary-like (records of slowly changing integers), runs, random bytes.
fn generated(len: usize) -> Vec<u8> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let part = len / 4;
    let mut data = Vec::with_capacity(len + 64);
    let vocabulary: Vec<Vec<u8>> = (0..600)
        .map(|_| {
            let n = 2 + rng.below(9) as usize;
            (0..n).map(|_| b'a' + rng.below(26) as u8).collect()
        })
        .collect();
    let mut column = 0;
    while data.len() < part {
        // Zipf-like: low word numbers are much more frequent.
        let word = &vocabulary[(rng.below(600) * rng.below(600) / 600) as usize];
        data.extend_from_slice(word);
        column += word.len() + 1;
        if column > 60 + rng.below(20) as usize {
            data.push(b'\n');
            column = 0;
        } else {
            data.push(if rng.below(12) == 0 { b',' } else { b' ' });
        }
    }
    let (mut id, mut address) = (0u32, 0x7f00_1234_0000u64);
    while data.len() < 2 * part {
        id += 1 + rng.below(3) as u32;
        address += 8 * rng.below(64);
        data.extend_from_slice(&id.to_le_bytes());
        data.extend_from_slice(&(rng.below(300) as u32).to_le_bytes());
        data.extend_from_slice(&address.to_le_bytes());
    }
    while data.len() < 3 * part {
        let byte = b"\0 =-*\xff"[rng.below(6) as usize];
        let run = 1 + rng.below(200) as usize;
        data.extend(std::iter::repeat(byte).take(run));
    }
    while data.len() < 4 * part {
        data.extend_from_slice(&rng.next().to_le_bytes());
    }
    data
}

/// One implementation under measurement: a run returning the bytes it processed.
type Run<'a> = Box<dyn FnMut() -> usize + 'a>;

/// The seconds each run took in each round.
struct Times(Vec<Vec<f64>>);

/// Runs `runs` in turn, `rounds` times, starting each round one run further on (so none always
/// follows the same one); returns the seconds of every run in every round.
fn measure(rounds: usize, runs: &mut [Run<'_>]) -> Times {
    let n = runs.len();
    let mut seconds = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for i in (0..n).map(|i| (i + round) % n) {
            let start = Instant::now();
            black_box(runs[i]());
            seconds[i].push(start.elapsed().as_secs_f64());
        }
    }
    Times(seconds)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

impl Times {
    /// Run `i`'s median throughput in MB/s for `bytes` of data.
    fn mbps(&self, i: usize, bytes: usize) -> f64 {
        bytes as f64 / median(self.0[i].clone()) / 1e6
    }

    /// Run `i`'s throughput over run `j`'s: the median over the rounds of the ratio measured
    /// within each round, which load that drifts between rounds cancels out of.
    fn ratio(&self, i: usize, j: usize) -> f64 {
        median(
            self.0[i]
                .iter()
                .zip(&self.0[j])
                .map(|(ti, tj)| tj / ti)
                .collect(),
        )
    }
}

fn page_name(page: usize) -> String {
    match page {
        p if p % (1 << 20) == 0 => format!("{} MiB", p >> 20),
        p if p % (1 << 10) == 0 => format!("{} KiB", p >> 10),
        p => format!("{p} B"),
    }
}

/// Room for a stream of 4-byte-prefixed records of `data` cut in `page`s.
fn stream_bound(len: usize, page: usize) -> usize {
    len.div_ceil(page).max(1) * (4 + get_maximum_output_size(page))
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or other arguments are not supported.
    let config = config();
    let (data, name) = load_data();
    let len = data.len();
    println!(
        "data: {name}, {len} bytes; lz4_flex build: {}; rounds: {}; MB/s: median over the \
         rounds, MB = 10^6 bytes of uncompressed data; ratios: median over the rounds of the \
         ratio within each round",
        if cfg!(feature = "safe") {
            "safe (default features: lz4_flex safe-encode + safe-decode)"
        } else {
            "unsafe (--no-default-features: lz4_flex's unsafe code paths)"
        },
        config.rounds,
    );

    let mut main_rows = Vec::new();
    let mut small_rows = Vec::new();
    for &page in &config.pages {
        eprintln!("page {} ...", page_name(page));
        let bound = stream_bound(len, page);
        // Output buffers are allocated and touched once, then reused by every round.
        let mut vec_out: Vec<u8> = Vec::with_capacity(bound);
        let mut slice_out = vec![0u8; bound];
        let mut double = vec![0u8; 2 * page];

        // Check that the bare loop does the work our writer does, and find the sizes.
        let ours_len = ours_compress(&data, page, &mut vec_out);
        let bare_len = bare_compress(&data, page, &mut slice_out);
        assert!(
            vec_out == slice_out[..bare_len],
            "the bare loop must write the same stream as the writer"
        );
        let lzzzz_len = lzzzz_compress(&data, page, &mut slice_out);
        let raw_len = liblz4::compress_double_buffer(&data, page, &mut double, &mut slice_out);
        let stream = vec_out.clone();
        assert_eq!(stream.len(), ours_len);

        let mut record = vec![0u8; 4 + get_maximum_output_size(page)];
        assert_eq!(
            bare_compress_io(&data, page, &mut record, &mut vec_out),
            ours_len
        );
        assert!(vec_out == stream);
        let compress = {
            let (data, vec_out, slice_out, double, record) = (
                &data,
                std::cell::RefCell::new(&mut vec_out),
                &mut slice_out,
                &mut double,
                &mut record,
            );
            let slice_out = std::cell::RefCell::new(slice_out);
            let mut runs: Vec<Run<'_>> = vec![
                Box::new(|| ours_compress(data, page, &mut vec_out.borrow_mut())),
                Box::new(|| bare_compress(data, page, &mut slice_out.borrow_mut())),
                Box::new(|| bare_compress_io(data, page, record, &mut vec_out.borrow_mut())),
                Box::new(|| lzzzz_compress(data, page, &mut slice_out.borrow_mut())),
                Box::new(|| {
                    liblz4::compress_double_buffer(data, page, double, &mut slice_out.borrow_mut())
                }),
            ];
            measure(config.rounds, &mut runs)
        };
        main_rows.push(Row {
            op: "compress",
            page,
            ours: compress.mbps(0, len),
            fill_buf: None,
            buf_read: None,
            bare: compress.mbps(1, len),
            bare_io: compress.mbps(2, len),
            lzzzz: compress.mbps(3, len),
            raw: compress.mbps(4, len),
            ours_bare: compress.ratio(0, 1),
            fill_buf_bare: None,
            buf_read_bare: None,
            ours_bare_io: compress.ratio(0, 2),
            ours_lzzzz: compress.ratio(0, 3),
            ours_raw: compress.ratio(0, 4),
            sizes: Some((ours_len, lzzzz_len, raw_len)),
        });

        // Decompression, of the stream our writer wrote; check every decoder first.
        let mut out = vec![0u8; len];
        assert_eq!(ours_read(&stream, page, &mut out), len);
        assert!(out == data);
        out.fill(0);
        assert_eq!(bare_decompress(&stream, page, &mut out), len);
        assert!(out == data);
        out.fill(0);
        assert_eq!(liblz4::decompress_contiguous(&stream, page, &mut out), len);
        assert!(out == data);
        let mut block = Vec::new();
        out.fill(0);
        assert_eq!(bare_decompress_io(&stream, page, &mut block, &mut out), len);
        assert!(out == data);
        assert_eq!(lzzzz_decompress(&stream, page, len), len);
        assert_eq!(ours_fill_buf(&stream, page), len);
        out.fill(0);
        assert_eq!(ours_buf_read(&stream, page, &mut out), len);
        assert!(out == data);
        let decompress = {
            let (stream, out, block) = (&stream, std::cell::RefCell::new(&mut out), &mut block);
            let mut runs: Vec<Run<'_>> = vec![
                Box::new(|| ours_read(stream, page, &mut out.borrow_mut())),
                Box::new(|| ours_fill_buf(stream, page)),
                Box::new(|| bare_decompress(stream, page, &mut out.borrow_mut())),
                Box::new(|| bare_decompress_io(stream, page, block, &mut out.borrow_mut())),
                Box::new(|| lzzzz_decompress(stream, page, len)),
                Box::new(|| liblz4::decompress_contiguous(stream, page, &mut out.borrow_mut())),
                Box::new(|| ours_buf_read(stream, page, &mut out.borrow_mut())),
            ];
            measure(config.rounds, &mut runs)
        };
        main_rows.push(Row {
            op: "decompress",
            page,
            ours: decompress.mbps(0, len),
            fill_buf: Some(decompress.mbps(1, len)),
            buf_read: Some(decompress.mbps(6, len)),
            bare: decompress.mbps(2, len),
            bare_io: decompress.mbps(3, len),
            lzzzz: decompress.mbps(4, len),
            raw: decompress.mbps(5, len),
            ours_bare: decompress.ratio(0, 2),
            fill_buf_bare: Some(decompress.ratio(1, 2)),
            buf_read_bare: Some(decompress.ratio(6, 2)),
            ours_bare_io: decompress.ratio(0, 3),
            ours_lzzzz: decompress.ratio(0, 4),
            ours_raw: decompress.ratio(0, 5),
            sizes: None,
        });

        if config.small {
            let mut flushed_out: Vec<u8> = Vec::with_capacity(bound * 2);
            let small_len = ours_compress_small(&data, page, 100, None, &mut flushed_out);
            assert_eq!(
                small_len, ours_len,
                "the stream does not depend on write sizes"
            );
            let flushed_len = ours_compress_small(&data, page, 100, Some(4096), &mut flushed_out);
            let writes = {
                let (data, vec_out, flushed_out) = (
                    &data,
                    std::cell::RefCell::new(&mut vec_out),
                    &mut flushed_out,
                );
                let mut runs: Vec<Run<'_>> = vec![
                    Box::new(|| ours_compress(data, page, &mut vec_out.borrow_mut())),
                    Box::new(|| {
                        ours_compress_small(data, page, 100, None, &mut vec_out.borrow_mut())
                    }),
                    Box::new(|| ours_compress_small(data, page, 100, Some(4096), flushed_out)),
                ];
                measure(config.rounds, &mut runs)
            };
            assert_eq!(ours_read_until(&stream, page), len);
            assert_eq!(ours_read_bytes(&stream, page), len);
            let reads = {
                let (stream, out) = (&stream, &mut out);
                let mut runs: Vec<Run<'_>> = vec![
                    Box::new(|| ours_read(stream, page, out)),
                    Box::new(|| ours_read_until(stream, page)),
                    Box::new(|| ours_read_bytes(stream, page)),
                ];
                measure(config.rounds, &mut runs)
            };
            let small_row = |op, times: &Times, i, size| SmallRow {
                op,
                page,
                small: times.mbps(i, len),
                big: times.mbps(0, len),
                ratio: times.ratio(i, 0),
                size,
            };
            small_rows.push(small_row("write 100 B", &writes, 1, small_len));
            small_rows.push(small_row(
                "write 100 B, flush every 4 KiB",
                &writes,
                2,
                flushed_len,
            ));
            small_rows.push(small_row("read_until(b'\\n')", &reads, 1, ours_len));
            small_rows.push(small_row("read 1 B", &reads, 2, ours_len));
        }
    }

    print_main_table(&main_rows, len);
    if !small_rows.is_empty() {
        print_small_table(&small_rows, len);
    }
    if config.memory > 0 {
        memory(config.memory);
    }
}

/// A row of the main table: MB/s, and ratios measured within rounds.
struct Row {
    op: &'static str,
    page: usize,
    ours: f64,
    fill_buf: Option<f64>,
    /// `Lz4StreamBufReader::read`.
    buf_read: Option<f64>,
    bare: f64,
    bare_io: f64,
    lzzzz: f64,
    raw: f64,
    ours_bare: f64,
    fill_buf_bare: Option<f64>,
    buf_read_bare: Option<f64>,
    ours_bare_io: f64,
    ours_lzzzz: f64,
    ours_raw: f64,
    /// Compressed sizes: ours, liblz4 through lzzzz, liblz4 raw.
    sizes: Option<(usize, usize, usize)>,
}

fn print_main_table(rows: &[Row], len: usize) {
    println!();
    println!(
        "| operation | page | ours MB/s | ours fill_buf MB/s | ours BufRead MB/s | bare lz4_flex \
         MB/s | bare + io MB/s | liblz4 (lzzzz) MB/s | liblz4 raw MB/s | ours/bare | \
         fill_buf/bare | BufRead/bare | ours/(bare + io) | ours/liblz4 | ours/liblz4 raw | size \
         ours | size liblz4 |"
    );
    println!("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for row in rows {
        let dash = || "–".to_string();
        let (size_ours, size_liblz4) = match row.sizes {
            Some((ours, lzzzz, raw)) => (
                format!("{:.2}%", 100.0 * ours as f64 / len as f64),
                if lzzzz == raw {
                    format!("{:.2}%", 100.0 * lzzzz as f64 / len as f64)
                } else {
                    format!(
                        "{:.2}% (raw {:.2}%)",
                        100.0 * lzzzz as f64 / len as f64,
                        100.0 * raw as f64 / len as f64
                    )
                },
            ),
            None => (dash(), dash()),
        };
        println!(
            "| {} | {} | {:.0} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.3} | {} | {} | {:.3} | \
             {:.2} | {:.2} | {} | {} |",
            row.op,
            page_name(row.page),
            row.ours,
            row.fill_buf.map_or_else(dash, |v| format!("{v:.0}")),
            row.buf_read.map_or_else(dash, |v| format!("{v:.0}")),
            row.bare,
            row.bare_io,
            row.lzzzz,
            row.raw,
            row.ours_bare,
            row.fill_buf_bare.map_or_else(dash, |v| format!("{v:.3}")),
            row.buf_read_bare.map_or_else(dash, |v| format!("{v:.3}")),
            row.ours_bare_io,
            row.ours_lzzzz,
            row.ours_raw,
            size_ours,
            size_liblz4,
        );
    }
}

/// A row of the small-operation table.
struct SmallRow {
    op: &'static str,
    page: usize,
    small: f64,
    big: f64,
    ratio: f64,
    size: usize,
}

fn print_small_table(rows: &[SmallRow], len: usize) {
    println!();
    println!("| small operations (ours) | page | MB/s | big operations MB/s | small/big | size |");
    println!("|---|---|--:|--:|--:|--:|");
    for row in rows {
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.3} | {:.2}% |",
            row.op,
            page_name(row.page),
            row.small,
            row.big,
            row.ratio,
            100.0 * row.size as f64 / len as f64,
        );
    }
    println!(
        "(big operations: one write_all for writes, read into a large buffer for reads; size: \
         compressed / original)"
    );
}

// ---------------------------------------------------------------------------------------------
// Memory: peak heap of writer + reader through io::copy, for a short and a long stream.

/// Generated data, produced on the fly: `remaining` bytes of a 1 MiB pattern (text-like and
/// random parts) repeated, so it compresses like real data and costs a memcpy to produce.
struct Source {
    pattern: Vec<u8>,
    at: usize,
    remaining: u64,
}

impl Source {
    fn new(len: u64) -> Source {
        Source {
            pattern: generated(1 << 20),
            at: 0,
            remaining: len,
        }
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(self.pattern.len() - self.at)
            .min(self.remaining.min(usize::MAX as u64) as usize);
        buf[..n].copy_from_slice(&self.pattern[self.at..self.at + n]);
        self.at = (self.at + n) % self.pattern.len();
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Compresses what it reads from `source` through our writer, handing out the stream as it
/// comes, so the compressed stream is never held whole either.
struct Compressing {
    source: Source,
    writer: Option<Lz4StreamWriter<Vec<u8>>>,
    buf: Vec<u8>,
    taken: usize,
    chunk: Vec<u8>,
}

impl Read for Compressing {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.taken == self.buf.len() {
            let Some(writer) = self.writer.as_mut() else {
                return Ok(0);
            };
            self.buf.clear();
            self.taken = 0;
            std::mem::swap(&mut self.buf, writer.get_mut());
            if self.buf.is_empty() {
                let n = self.source.read(&mut self.chunk)?;
                if n == 0 {
                    self.buf = self.writer.take().unwrap().finish()?;
                } else {
                    writer.write_all(&self.chunk[..n])?;
                }
            }
        }
        let n = out.len().min(self.buf.len() - self.taken);
        out[..n].copy_from_slice(&self.buf[self.taken..self.taken + n]);
        self.taken += n;
        Ok(n)
    }
}

/// Counts the bytes written to it, and checks they are the source's.
struct CheckingSink {
    expected: Source,
    scratch: Vec<u8>,
    count: u64,
}

impl Write for CheckingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.scratch.resize(buf.len(), 0);
        self.expected.read_exact(&mut self.scratch)?;
        assert!(self.scratch == buf, "the round trip changed the data");
        self.count += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The peak heap (bytes above what was allocated before) of a round trip of `len` bytes.
fn round_trip_peak(len: u64) -> (usize, f64) {
    let opts = options(64 * 1024);
    let mut sink = CheckingSink {
        expected: Source::new(len),
        scratch: Vec::with_capacity(64 * 1024),
        count: 0,
    };
    let source = Source::new(len);
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let start = Instant::now();
    // Buffers that never grow (a 64 KiB chunk makes at most two records), so that the peak
    // measures the writer and the reader.
    let room = 2 * (4 + lz4_stream::compress_bound(64 * 1024));
    let compressing = Compressing {
        source,
        writer: Some(Lz4StreamWriter::with_options(Vec::with_capacity(room), &opts).unwrap()),
        buf: Vec::with_capacity(room),
        taken: 0,
        chunk: vec![0; 64 * 1024],
    };
    let mut reader = Lz4StreamReader::with_options(compressing, &opts).unwrap();
    let copied = io::copy(&mut reader, &mut sink).unwrap();
    let seconds = start.elapsed().as_secs_f64();
    drop(reader);
    assert_eq!((copied, sink.count), (len, len));
    (PEAK.load(Ordering::Relaxed) - base, seconds)
}

fn memory(long: u64) {
    let short = 1 << 20;
    let (short_peak, _) = round_trip_peak(short);
    let (long_peak, seconds) = round_trip_peak(long);
    println!();
    println!(
        "memory: peak heap of writer + reader (64 KiB page, io::copy, data generated on the fly): \
         {} bytes for a {} MiB stream, {} bytes for a {} MiB stream ({:.1} s)",
        short_peak,
        short >> 20,
        long_peak,
        long >> 20,
        seconds
    );
}
