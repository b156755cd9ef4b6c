//! Throughput of `Lz4StreamWriter` / `Lz4StreamReader` / `Lz4StreamBufReader` against liblz4
//! called directly and against `lz4_flex`'s safe block functions, all in one process.
//!
//! ```text
//! cargo bench --bench throughput
//! ```
//!
//! (The crate's `safe` feature no longer does anything, so `--no-default-features` measures the
//! same code. `lz4_flex`, a dev-dependency here, is built with its default features: its safe
//! code paths, `safe-encode` and `safe-decode`.)
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
//! - `LZ4S_BENCH_HC`: the HC levels of the HC table, comma-separated (default all, `1,..,12`;
//!   `0` skips it). `LZ4S_BENCH_PAGES=0` skips the fast-mode tables (to run the HC table alone).
//! - `LZ4S_BENCH_THREADS`: the thread counts of the threads table, comma-separated (default
//!   `2`; `0` skips it).
//! - `LZ4S_BENCH_FRONT_ENDS`: `0` skips the front-ends table.
//!
//! Front ends (issue 9; after the threads table): on the whole data, 64 KiB pages, fast mode,
//! each front end against the adapter it mirrors doing the same job, in the same rounds, with
//! issue 9's bar (at least 0.97 of it). Compression, against `Lz4StreamWriter` (`write_all` of
//! the data into a reserved `Vec`): the async writers (`write_all`, then `shutdown`/`close`,
//! into a `Vec`, on tokio's current-thread runtime and `futures`' `block_on`); and
//! `CompressingReader` over the data (`read` into one large buffer) against the writer given
//! the data through `io::copy` from a reader (a reader must copy its input out of its inner
//! reader, where the writer's `write_all` of data in memory compresses it where it lies).
//! Decompression, against `Lz4StreamReader` (`read` into one large buffer): the async readers
//! (`read` into it); and `DecompressingWriter` (`write_all` of the stream into that buffer as a
//! `&mut [u8]` sink) against the reader through `io::copy` into that sink (a writer must copy
//! what it decodes into its sink, where the reader's `read` into a large buffer decodes in
//! place). Every output is checked first. The async rows need
//! `cargo bench --bench throughput --all-features`.
//!
//! Threads (issue 10; after the HC table): on the whole data, 64 KiB pages, double buffer,
//! 4-byte prefixes, for `Fast { acceleration: 1 }` and `High { level: 9 }`: ours with
//! `threads(n)` against ours with `threads(1)` and against liblz4 (one thread, the
//! double-buffer layout above), with the machine's core count
//! (`std::thread::available_parallelism`) in the title, and issue 10's bars for `n = 2`:
//! ours/threads(1) >= 1.5 (`Fast`) and 1.7 (`High`), ours/liblz4 >= 1.3 and 1.5. The threaded
//! stream is checked to decode with liblz4 first.
//!
//! HC (issue 8; run first): on issue 8's sample (800 kB from the start of each of the corpus's
//! five parts, 4 MB; the first 4 MB of other data), 64 KiB pages, double buffer, 4-byte
//! prefixes, per level: `ours` (`Lz4StreamWriter` with `Mode::High { level }`), `liblz4`
//! (`LZ4_compress_HC_continue` at that level in the double-buffer layout above) and `fast` (ours
//! in `Mode::Fast { acceleration: 1 }`), with speed and size ratios and issue 8's bars: size
//! ours/liblz4 <= 1.005 at levels 3, 6 and 9 to 12, speed ours/liblz4 >= 0.9 at levels 3 to 9
//! and >= 0.8 at 10 to 12. Levels 10 to 12 run at most 5 rounds. Every stream is checked to
//! decode (ours with liblz4 and our reader, liblz4's with our reader) before timing.
//!
//! What is measured, per page size; every stream has 4-byte size prefixes and the double-buffer
//! history (each block may reference the previous block only, as `Strategy::DoubleBuffer`).
//!
//! Compression, at acceleration 1 and at acceleration 8 (input: the whole data in memory;
//! output: a buffer allocated and touched once, then reused by every round):
//! - `ours`: `Lz4StreamWriter` with `Mode::Fast { acceleration }`, one `write_all` of the whole
//!   data into a `Vec<u8>` reserved beforehand, then `finish`.
//! - `liblz4`: liblz4's `LZ4_compress_fast_continue` with the same acceleration, called directly
//!   (the copy of liblz4 1.10 that `lzzzz` compiles and links; `lzzzz` itself is not called),
//!   laid out as liblz4's `blockStreaming_doubleBuffer.c` example: two page buffers used in
//!   turn, each page copied into one and compressed there (external-dictionary mode, the other
//!   buffer holding the previous page), each block written after a 4-byte prefix.
//! - `lz4_flex` (acceleration 1 only: it has no acceleration): a loop of
//!   `lz4_flex::block::compress_into_with_dict` over the pages of the data in place, each with
//!   the previous page as its dictionary, each block written after a 4-byte prefix.
//!
//! Before timing, every compressed stream is decoded and compared with the data: ours with our
//! reader, liblz4's with liblz4's decoder, `lz4_flex`'s with `lz4_flex`'s loop below. The
//! table gives, per page and acceleration, the MB/s, the ratios ours/liblz4 and ours/lz4_flex,
//! the compressed sizes (compressed / original) and ours/liblz4 in size ("same bytes" when our
//! stream is liblz4's byte for byte), and issue 7's bars: ours/liblz4 >= 0.88 in speed at a
//! size ratio <= 1.002 (acceleration 1) or <= 1.01 (acceleration 8).
//!
//! Decompression, of the stream our writer wrote at acceleration 1 (output: one buffer the
//! size of the data, allocated once; every decoder is checked to produce the data first):
//! - `Reader`: `Lz4StreamReader::read` into that buffer (each `read` returns at most the rest of
//!   one decoded page). It reads the stream through `Read` (a `&[u8]`), so it copies each
//!   record out of it before decoding.
//! - `BufReader`: `Lz4StreamBufReader::read` into that buffer over the stream as a `&[u8]` (a
//!   `BufRead` holding every record whole), which decodes blocks straight from the stream's
//!   bytes.
//! - `fill_buf`: `Lz4StreamReader`'s `BufRead::fill_buf` / `consume`, the decoded bytes used in
//!   place (not copied out).
//! - `liblz4`: `LZ4_decompress_safe_continue` called directly, each block decoded right after
//!   the previous one into the buffer (prefix mode, no copy).
//! - `lz4_flex`: a loop of `lz4_flex::block::decompress_into_with_dict` into the buffer, each
//!   block decoded right after the previous one with the 64 KiB before it as the dictionary.
//!
//! The table gives the MB/s, the ratios Reader/liblz4, BufReader/liblz4, fill_buf/liblz4,
//! Reader/lz4_flex and BufReader/lz4_flex, and issue 7's bars: BufReader/liblz4 >= 0.78,
//! Reader/liblz4 >= 0.74 and Reader/lz4_flex >= 1.10.
//!
//! Earlier versions of this file also timed liblz4 through `lzzzz`'s `Compressor` /
//! `Decompressor` (whose own buffer layout is slower than liblz4's examples') and "bare + io"
//! loops (the `lz4_flex` loops with each record passed through `Write` / `Read`): both measured
//! the adapters' overhead over `lz4_flex`, which the library no longer uses, so they are gone;
//! the adapters are now compared with liblz4 in the layouts its users run.
//!
//! Each run of ours constructs its writer or reader, window included; liblz4's runs create
//! their stream state (`LZ4_createStream`, `LZ4_createStreamDecode`) but reuse the double
//! buffer. The tables' `bars` column says `met`, or which of issue 7's bars a row misses; with
//! `LZ4S_BENCH_LIMIT` or few rounds (1 MiB pages over 2 MB of data are two blocks) it says
//! little.
//!
//! Small operations (third table), ours only (acceleration 1), against the big operations of
//! the same adapter in the same rounds:
//! - writes of 100 bytes, with no flush and with a `flush` every 4 KiB (a message stream: every
//!   flush ends a block), against one `write_all`;
//! - `BufRead::read_until(b'\n')` and 1-byte `read` calls on `Lz4StreamReader`, against `read`
//!   into a large buffer.
//!
//! Finally the memory measurement: the peak heap of writer + reader through `io::copy` at a
//! 64 KiB page for a 1 MiB stream and a long one (generated on the fly, never held in memory).
//!
//! The unsafe code below is the FFI into liblz4 (already compiled and linked by `lzzzz`) and the
//! counting global allocator of the memory measurement; the library itself forbids unsafe code.

// liblz4 comes from the static library `lzzzz`'s build compiles; naming the crate links it.
extern crate lzzzz;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
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
use lz4_stream::{
    Lz4StreamBufReader, Lz4StreamReader, Lz4StreamWriter, Mode, SizePrefix, StreamOptions,
};

/// How far LZ4 matches reach back.
const WINDOW: usize = 65_536;

/// The accelerations compression is measured at (the first is also the `lz4_flex` row's and
/// the decompression stream's).
const ACCELERATIONS: [u32; 2] = [1, 8];

/// Issue 7's bars: writer/liblz4 speed at least this...
const COMPRESS_SPEED_BAR: f64 = 0.88;
/// ...at a compressed size ours/liblz4 of at most this, per acceleration (1, then 8).
const COMPRESS_SIZE_BARS: [f64; 2] = [1.002, 1.01];
/// `Lz4StreamBufReader` / liblz4.
const BUF_READER_LIBLZ4_BAR: f64 = 0.78;
/// `Lz4StreamReader` / liblz4.
const READER_LIBLZ4_BAR: f64 = 0.74;
/// `Lz4StreamReader` / the `lz4_flex` loop.
const READER_FLEX_BAR: f64 = 1.10;
/// Issue 9's bar: every front end at least this fraction of the adapter it mirrors.
const FRONT_END_BAR: f64 = 0.97;

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
// symbol prefixes), so these symbols resolve to that copy.

mod liblz4 {
    use super::*;

    extern "C" {
        fn LZ4_versionString() -> *const c_char;
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
        fn LZ4_createStreamHC() -> *mut c_void;
        fn LZ4_freeStreamHC(stream: *mut c_void) -> c_int;
        fn LZ4_resetStreamHC_fast(stream: *mut c_void, level: c_int);
        fn LZ4_compress_HC_continue(
            stream: *mut c_void,
            src: *const c_char,
            dst: *mut c_char,
            src_size: c_int,
            dst_capacity: c_int,
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

    /// The linked liblz4's version, as `1.10.0`.
    pub fn version() -> String {
        // SAFETY: liblz4 returns a pointer to a static NUL-terminated string.
        unsafe { std::ffi::CStr::from_ptr(LZ4_versionString()) }
            .to_string_lossy()
            .into_owned()
    }

    /// `blockStreaming_doubleBuffer.c`'s encoder: each page is copied into one of two page
    /// buffers (`double`, 2 pages long) in turn and compressed there at `acceleration`, the other
    /// buffer holding the previous page as the dictionary. Records have 4-byte prefixes.
    /// Returns the length.
    pub fn compress_double_buffer(
        data: &[u8],
        page: usize,
        acceleration: u32,
        double: &mut [u8],
        out: &mut [u8],
    ) -> usize {
        let acceleration = c_int::try_from(acceleration).unwrap();
        // SAFETY: the stream is created here, used by `double_buffer` only (on this thread),
        // and freed here.
        unsafe {
            let stream = LZ4_createStream();
            assert!(!stream.is_null());
            let pos = double_buffer(data, page, double, out, |src, dst, len, cap| {
                LZ4_compress_fast_continue(stream, src, dst, len, cap, acceleration)
            });
            LZ4_freeStream(stream);
            pos
        }
    }

    /// The same double-buffer layout with `LZ4_compress_HC_continue` at `level` (as liblz4's
    /// `blockStreaming_doubleBuffer.c` and python-lz4's HC stream compress).
    pub fn compress_hc_double_buffer(
        data: &[u8],
        page: usize,
        level: u32,
        double: &mut [u8],
        out: &mut [u8],
    ) -> usize {
        // SAFETY: as `compress_double_buffer`.
        unsafe {
            let stream = LZ4_createStreamHC();
            assert!(!stream.is_null());
            LZ4_resetStreamHC_fast(stream, level as c_int);
            let pos = double_buffer(data, page, double, out, |src, dst, len, cap| {
                LZ4_compress_HC_continue(stream, src, dst, len, cap)
            });
            LZ4_freeStreamHC(stream);
            pos
        }
    }

    /// The double buffer's loop: each page of `data` copied into one half of `double` in turn
    /// and compressed there by `compress(src, dst, len, capacity)` into `out`, after a 4-byte
    /// prefix. Returns the stream's length.
    ///
    /// # Safety
    ///
    /// `compress` must be a liblz4 streaming compressor's call on a live stream; every pointer
    /// it is given covers the length given with it (sources: `len` bytes of `double`;
    /// destinations: the rest of `out`, its length capped to fit a c_int).
    unsafe fn double_buffer(
        data: &[u8],
        page: usize,
        double: &mut [u8],
        out: &mut [u8],
        compress: impl Fn(*const c_char, *mut c_char, c_int, c_int) -> c_int,
    ) -> usize {
        assert!(double.len() >= 2 * page && page <= i32::MAX as usize / 2);
        let (mut pos, mut half) = (0, 0);
        for chunk in data.chunks(page) {
            let buf = &mut double[half * page..half * page + chunk.len()];
            buf.copy_from_slice(chunk);
            let dst = &mut out[pos + 4..];
            let capacity = dst.len().min(i32::MAX as usize);
            let n = compress(
                buf.as_ptr().cast(),
                dst.as_mut_ptr().cast(),
                chunk.len() as c_int,
                capacity as c_int,
            );
            assert!(n > 0, "liblz4's compressor failed");
            out[pos..pos + 4].copy_from_slice(&(n as u32).to_le_bytes());
            pos += 4 + n as usize;
            half ^= 1;
        }
        pos
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

fn options(page: usize, acceleration: u32) -> StreamOptions {
    options_mode(page, Mode::Fast { acceleration })
}

fn options_mode(page: usize, mode: Mode) -> StreamOptions {
    StreamOptions::new()
        .page_size(page)
        .size_prefix(SizePrefix::U32)
        .mode(mode)
}

/// Our writer: one `write_all` of everything into `out` (reserved beforehand, reused).
fn ours_compress(data: &[u8], page: usize, acceleration: u32, out: &mut Vec<u8>) -> usize {
    ours_compress_mode(data, page, Mode::Fast { acceleration }, out)
}

/// [`ours_compress`] in any mode.
fn ours_compress_mode(data: &[u8], page: usize, mode: Mode, out: &mut Vec<u8>) -> usize {
    let mut buf = std::mem::take(out);
    buf.clear();
    let mut writer = Lz4StreamWriter::with_options(buf, &options_mode(page, mode)).unwrap();
    writer.write_all(data).unwrap();
    *out = writer.finish().unwrap();
    out.len()
}

/// Our writer (acceleration 1) fed `chunk` bytes per `write`, flushing every `flush_every`
/// bytes if given.
fn ours_compress_small(
    data: &[u8],
    page: usize,
    chunk: usize,
    flush_every: Option<usize>,
    out: &mut Vec<u8>,
) -> usize {
    let mut buf = std::mem::take(out);
    buf.clear();
    let mut writer = Lz4StreamWriter::with_options(buf, &options(page, 1)).unwrap();
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

/// The `lz4_flex` loop: the pages compressed in place, each with the previous page as its
/// dictionary, into `out` with a 4-byte prefix per block.
fn flex_compress(data: &[u8], page: usize, out: &mut [u8]) -> usize {
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

/// Our reader through `read` into one large buffer.
fn ours_read(stream: &[u8], page: usize, out: &mut [u8]) -> usize {
    let mut reader = Lz4StreamReader::with_options(stream, &options(page, 1)).unwrap();
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
    let mut reader = Lz4StreamBufReader::with_options(stream, &options(page, 1)).unwrap();
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
    let mut reader = Lz4StreamReader::with_options(stream, &options(page, 1)).unwrap();
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

/// Our reader through `fill_buf` / `consume`, checking the bytes against `data`.
fn ours_fill_buf_checked(stream: &[u8], page: usize, data: &[u8]) -> usize {
    let mut reader = Lz4StreamReader::with_options(stream, &options(page, 1)).unwrap();
    let mut total = 0;
    loop {
        let bytes = reader.fill_buf().unwrap();
        let n = bytes.len();
        if n == 0 {
            return total;
        }
        assert!(
            bytes == &data[total..total + n],
            "fill_buf changed the data"
        );
        total += n;
        reader.consume(n);
    }
}

/// Our reader through `read_until(b'\n')`.
fn ours_read_until(stream: &[u8], page: usize) -> usize {
    let mut reader = Lz4StreamReader::with_options(stream, &options(page, 1)).unwrap();
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
    let mut reader = Lz4StreamReader::with_options(stream, &options(page, 1)).unwrap();
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

/// The `lz4_flex` loop: each block decoded right after the previous one, the 64 KiB before it
/// as the dictionary.
fn flex_decompress(stream: &[u8], page: usize, out: &mut [u8]) -> usize {
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

// ---------------------------------------------------------------------------------------------
// The harness.

/// Settings from the environment.
struct Config {
    pages: Vec<usize>,
    /// The HC levels of the HC table (none: skipped).
    levels: Vec<u32>,
    /// The thread counts of the threads table (none: skipped).
    threads: Vec<usize>,
    /// Whether to run the front-ends table.
    front_ends: bool,
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
            .filter(|&p| p > 0)
            .collect(),
        levels: match var("LZ4S_BENCH_HC").as_deref() {
            Some("0") => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|l| l.trim().parse().expect("LZ4S_BENCH_HC"))
                .collect(),
            None => (1..=12).collect(),
        },
        threads: match var("LZ4S_BENCH_THREADS").as_deref() {
            Some("0") => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|n| n.trim().parse().expect("LZ4S_BENCH_THREADS"))
                .collect(),
            None => vec![2],
        },
        front_ends: var("LZ4S_BENCH_FRONT_ENDS").map_or(true, |s| s != "0"),
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

/// Room for a stream of 4-byte-prefixed records of `data` cut in `page`s (by any of the
/// compressors: `lz4_flex`'s bound is the largest).
fn stream_bound(len: usize, page: usize) -> usize {
    let block = get_maximum_output_size(page).max(lz4_stream::compress_bound(page));
    len.div_ceil(page).max(1) * (4 + block)
}

/// Decodes `stream` with `decode` into a zeroed buffer and checks it gives back `data`.
fn check_decodes(what: &str, data: &[u8], out: &mut [u8], decode: impl FnOnce(&mut [u8]) -> usize) {
    out.fill(0);
    let n = decode(out);
    assert!(
        n == data.len() && out[..n] == *data,
        "{what} does not decode to the data"
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or other arguments are not supported.
    let config = config();
    let (data, name) = load_data();
    let len = data.len();
    println!(
        "data: {name}, {len} bytes; liblz4 {} (lzzzz's copy, called directly); lz4_flex: default \
         features (safe-encode + safe-decode); rounds: {}; MB/s: median over the rounds, MB = \
         10^6 bytes of uncompressed data; ratios: median over the rounds of the ratio within \
         each round",
        liblz4::version(),
        config.rounds,
    );

    if !config.levels.is_empty() {
        hc(&config, &data);
    }
    if !config.threads.is_empty() {
        threads(&config, &data);
    }
    if config.front_ends {
        front_ends(&config, &data);
    }

    let mut compress_rows = Vec::new();
    let mut decompress_rows = Vec::new();
    let mut small_rows = Vec::new();
    for &page in &config.pages {
        eprintln!("page {} ...", page_name(page));
        let bound = stream_bound(len, page);
        // Output buffers are allocated and touched once, then reused by every round.
        let mut vec_out: Vec<u8> = Vec::with_capacity(bound);
        let mut slice_out = vec![0u8; bound];
        let mut double = vec![0u8; 2 * page];
        let mut out = vec![0u8; len];

        // Compression: find the sizes, and check that every stream decodes to the data.
        let mut ours_len = [0; 2];
        let mut liblz4_len = [0; 2];
        let mut identical = [false; 2];
        let mut stream = Vec::new();
        for (i, &acceleration) in ACCELERATIONS.iter().enumerate() {
            ours_len[i] = ours_compress(&data, page, acceleration, &mut vec_out);
            check_decodes("our stream", &data, &mut out, |out| {
                ours_read(&vec_out, page, out)
            });
            if i == 0 {
                stream = vec_out.clone();
            }
            let n = liblz4::compress_double_buffer(
                &data,
                page,
                acceleration,
                &mut double,
                &mut slice_out,
            );
            liblz4_len[i] = n;
            identical[i] = vec_out == slice_out[..n];
            check_decodes("liblz4's stream", &data, &mut out, |out| {
                liblz4::decompress_contiguous(&slice_out[..n], page, out)
            });
        }
        let flex_len = flex_compress(&data, page, &mut slice_out);
        check_decodes("lz4_flex's stream", &data, &mut out, |out| {
            flex_decompress(&slice_out[..flex_len], page, out)
        });

        let compress = {
            let data = &data;
            let vec_out = RefCell::new(&mut vec_out);
            let slice_out = RefCell::new(&mut slice_out);
            let double = RefCell::new(&mut double);
            let mut runs: Vec<Run<'_>> = Vec::new();
            // Runs 2i and 2i + 1: ours and liblz4 at ACCELERATIONS[i]; then lz4_flex.
            for acceleration in ACCELERATIONS {
                let (vec_out, slice_out, double) = (&vec_out, &slice_out, &double);
                runs.push(Box::new(move || {
                    ours_compress(data, page, acceleration, &mut vec_out.borrow_mut())
                }));
                runs.push(Box::new(move || {
                    liblz4::compress_double_buffer(
                        data,
                        page,
                        acceleration,
                        &mut double.borrow_mut(),
                        &mut slice_out.borrow_mut(),
                    )
                }));
            }
            runs.push(Box::new(|| {
                flex_compress(data, page, &mut slice_out.borrow_mut())
            }));
            measure(config.rounds, &mut runs)
        };
        let flex_run = 2 * ACCELERATIONS.len();
        for (i, &acceleration) in ACCELERATIONS.iter().enumerate() {
            let (ours, liblz4) = (2 * i, 2 * i + 1);
            let flex = (acceleration == 1)
                .then(|| (compress.mbps(flex_run, len), compress.ratio(ours, flex_run)));
            compress_rows.push(CompressRow {
                page,
                acceleration,
                ours: compress.mbps(ours, len),
                liblz4: compress.mbps(liblz4, len),
                flex,
                ours_liblz4: compress.ratio(ours, liblz4),
                size_ours: ours_len[i],
                size_liblz4: liblz4_len[i],
                identical: identical[i],
                size_bar: COMPRESS_SIZE_BARS[i],
            });
        }

        // Decompression, of the stream our writer wrote at acceleration 1; check every decoder
        // first.
        check_decodes("Lz4StreamReader::read", &data, &mut out, |out| {
            ours_read(&stream, page, out)
        });
        check_decodes("Lz4StreamBufReader::read", &data, &mut out, |out| {
            ours_buf_read(&stream, page, out)
        });
        assert_eq!(ours_fill_buf_checked(&stream, page, &data), len);
        check_decodes("liblz4 (our stream)", &data, &mut out, |out| {
            liblz4::decompress_contiguous(&stream, page, out)
        });
        check_decodes("lz4_flex (our stream)", &data, &mut out, |out| {
            flex_decompress(&stream, page, out)
        });
        let decompress = {
            let (stream, out) = (&stream, RefCell::new(&mut out));
            let mut runs: Vec<Run<'_>> = vec![
                Box::new(|| ours_read(stream, page, &mut out.borrow_mut())),
                Box::new(|| ours_buf_read(stream, page, &mut out.borrow_mut())),
                Box::new(|| ours_fill_buf(stream, page)),
                Box::new(|| liblz4::decompress_contiguous(stream, page, &mut out.borrow_mut())),
                Box::new(|| flex_decompress(stream, page, &mut out.borrow_mut())),
            ];
            measure(config.rounds, &mut runs)
        };
        let (reader, buf_reader, fill_buf, liblz4, flex) = (0, 1, 2, 3, 4);
        decompress_rows.push(DecompressRow {
            page,
            reader: decompress.mbps(reader, len),
            buf_reader: decompress.mbps(buf_reader, len),
            fill_buf: decompress.mbps(fill_buf, len),
            liblz4: decompress.mbps(liblz4, len),
            flex: decompress.mbps(flex, len),
            reader_liblz4: decompress.ratio(reader, liblz4),
            buf_reader_liblz4: decompress.ratio(buf_reader, liblz4),
            fill_buf_liblz4: decompress.ratio(fill_buf, liblz4),
            reader_flex: decompress.ratio(reader, flex),
            buf_reader_flex: decompress.ratio(buf_reader, flex),
        });

        if config.small {
            let stream_len = stream.len();
            let mut flushed_out: Vec<u8> = Vec::with_capacity(bound * 2);
            let small_len = ours_compress_small(&data, page, 100, None, &mut flushed_out);
            assert!(
                flushed_out == stream,
                "the stream does not depend on write sizes"
            );
            let flushed_len = ours_compress_small(&data, page, 100, Some(4096), &mut flushed_out);
            check_decodes("the flushed stream", &data, &mut out, |out| {
                ours_read(&flushed_out, page, out)
            });
            let writes = {
                let (data, vec_out, flushed_out) =
                    (&data, RefCell::new(&mut vec_out), &mut flushed_out);
                let mut runs: Vec<Run<'_>> = vec![
                    Box::new(|| ours_compress(data, page, 1, &mut vec_out.borrow_mut())),
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
            small_rows.push(small_row("read_until(b'\\n')", &reads, 1, stream_len));
            small_rows.push(small_row("read 1 B", &reads, 2, stream_len));
        }
    }

    if !compress_rows.is_empty() {
        print_compress_table(&compress_rows, len);
        print_decompress_table(&decompress_rows);
    }
    if !small_rows.is_empty() {
        print_small_table(&small_rows, len);
    }
    if config.memory > 0 {
        memory(config.memory);
    }
}

// ---------------------------------------------------------------------------------------------
// HC (issue 8).

/// The HC page.
const HC_PAGE: usize = 65_536;

/// Issue 8's bars: the largest size ratio ours/liblz4 (levels 3, 6 and 9 to 12), the least
/// speed ratio at levels 3 to 9 and at 10 to 12.
const HC_SIZE_BAR: f64 = 1.005;
const HC_SPEED_BAR_CHAIN: f64 = 0.9;
const HC_SPEED_BAR_OPTIMAL: f64 = 0.8;

/// Issue 8's sample: 800 kB from the start of each of the corpus's five parts (4 MB), or the
/// first 4 MB of other data.
fn hc_sample(data: &[u8]) -> Vec<u8> {
    const PARTS: [usize; 5] = [0, 12_000_000, 18_000_000, 26_000_000, 27_018_553];
    if data.len() == 29_018_553 {
        PARTS
            .iter()
            .flat_map(|&at| &data[at..at + 800_000])
            .copied()
            .collect()
    } else {
        data[..data.len().min(4_000_000)].to_vec()
    }
}

/// The HC table: per level, our writer against liblz4's `LZ4_compress_HC_continue` in the
/// double-buffer layout (64 KiB pages, 4-byte prefixes), and against our fast mode.
fn hc(config: &Config, data: &[u8]) {
    let sample = hc_sample(data);
    let len = sample.len();
    eprintln!("HC, {len} bytes ...");
    let bound = stream_bound(len, HC_PAGE);
    let mut vec_out: Vec<u8> = Vec::with_capacity(bound);
    let mut slice_out = vec![0u8; bound];
    let mut double = vec![0u8; 2 * HC_PAGE];
    let mut out = vec![0u8; len];
    let fast = Mode::Fast { acceleration: 1 };
    let fast_len = ours_compress_mode(&sample, HC_PAGE, fast, &mut vec_out);
    let mut rows = Vec::new();
    for &level in &config.levels {
        eprintln!("HC level {level} ...");
        let mode = Mode::High { level };
        let size_ours = ours_compress_mode(&sample, HC_PAGE, mode, &mut vec_out);
        check_decodes("our HC stream", &sample, &mut out, |out| {
            liblz4::decompress_contiguous(&vec_out, HC_PAGE, out)
        });
        check_decodes("our HC stream (ours)", &sample, &mut out, |out| {
            ours_read(&vec_out, HC_PAGE, out)
        });
        let size_liblz4 =
            liblz4::compress_hc_double_buffer(&sample, HC_PAGE, level, &mut double, &mut slice_out);
        let identical = vec_out == slice_out[..size_liblz4];
        check_decodes("liblz4's HC stream", &sample, &mut out, |out| {
            ours_read(&slice_out[..size_liblz4], HC_PAGE, out)
        });
        let times = {
            let sample = &sample;
            let vec_out = RefCell::new(&mut vec_out);
            let (slice_out, double) = (RefCell::new(&mut slice_out), RefCell::new(&mut double));
            let mut runs: Vec<Run<'_>> = vec![
                Box::new(|| ours_compress_mode(sample, HC_PAGE, mode, &mut vec_out.borrow_mut())),
                Box::new(|| {
                    liblz4::compress_hc_double_buffer(
                        sample,
                        HC_PAGE,
                        level,
                        &mut double.borrow_mut(),
                        &mut slice_out.borrow_mut(),
                    )
                }),
                Box::new(|| ours_compress_mode(sample, HC_PAGE, fast, &mut vec_out.borrow_mut())),
            ];
            // The slow levels get fewer rounds (at least 3).
            let rounds = if level >= 10 {
                config.rounds.clamp(3, 5)
            } else {
                config.rounds
            };
            measure(rounds, &mut runs)
        };
        rows.push(HcRow {
            level,
            ours: times.mbps(0, len),
            liblz4: times.mbps(1, len),
            fast: times.mbps(2, len),
            ours_liblz4: times.ratio(0, 1),
            ours_fast: times.ratio(0, 2),
            size_ours,
            size_liblz4,
            identical,
        });
    }
    print_hc_table(&rows, len, fast_len);
}

/// The threads table (issue 10): per mode (`Fast { 1 }`, `High { 9 }`) and thread count, our
/// writer with `threads(n)` against `threads(1)` and against liblz4 in the double-buffer
/// layout, on the whole data, 64 KiB pages.
fn threads(config: &Config, data: &[u8]) {
    let len = data.len();
    let page = 65_536;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    eprintln!("threads ({cores} cores) ...");
    let bound = stream_bound(len, page);
    let mut vec_out: Vec<u8> = Vec::with_capacity(bound);
    let mut slice_out = vec![0u8; bound];
    let mut double = vec![0u8; 2 * page];
    let mut out = vec![0u8; len];
    println!();
    println!(
        "Threads: {len} bytes, 64 KiB pages, double buffer, {cores} cores \
         (std::thread::available_parallelism); ours: Lz4StreamWriter with threads(n); liblz4: \
         the double-buffer layout, one thread"
    );
    println!(
        "| mode | threads | ours MB/s | threads(1) MB/s | liblz4 MB/s | ours/threads(1) | \
         ours/liblz4 | size ours | size threads(1) | bars |"
    );
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|");
    for (mode, bars) in [
        (Mode::Fast { acceleration: 1 }, (1.5, 1.3)),
        (Mode::High { level: 9 }, (1.7, 1.5)),
    ] {
        for &n in &config.threads {
            let threaded = |out: &mut Vec<u8>| {
                let mut buf = std::mem::take(out);
                buf.clear();
                let opts = options_mode(page, mode).threads(n);
                let mut writer = Lz4StreamWriter::with_options(buf, &opts).unwrap();
                writer.write_all(data).unwrap();
                *out = writer.finish().unwrap();
                out.len()
            };
            let size_ours = threaded(&mut vec_out);
            check_decodes("the threaded stream", data, &mut out, |out| {
                liblz4::decompress_contiguous(&vec_out, page, out)
            });
            let size_serial = ours_compress_mode(data, page, mode, &mut vec_out);
            let liblz4_run = |double: &mut [u8], out: &mut [u8]| match mode {
                Mode::High { level } => {
                    liblz4::compress_hc_double_buffer(data, page, level, double, out)
                }
                _ => liblz4::compress_double_buffer(data, page, 1, double, out),
            };
            let times = {
                let vec_out = RefCell::new(&mut vec_out);
                let (slice_out, double) = (RefCell::new(&mut slice_out), RefCell::new(&mut double));
                let mut runs: Vec<Run<'_>> = vec![
                    Box::new(|| threaded(&mut vec_out.borrow_mut())),
                    Box::new(|| ours_compress_mode(data, page, mode, &mut vec_out.borrow_mut())),
                    Box::new(|| liblz4_run(&mut double.borrow_mut(), &mut slice_out.borrow_mut())),
                ];
                measure(config.rounds, &mut runs)
            };
            let (vs_serial, vs_liblz4) = (times.ratio(0, 1), times.ratio(0, 2));
            let checks = [
                (
                    n != 2 || vs_serial >= bars.0,
                    format!("ours/threads(1) {vs_serial:.2} < {}", bars.0),
                ),
                (
                    n != 2 || vs_liblz4 >= bars.1,
                    format!("ours/liblz4 {vs_liblz4:.2} < {}", bars.1),
                ),
            ];
            println!(
                "| {mode:?} | {n} | {:.1} | {:.1} | {:.1} | {vs_serial:.2} | {vs_liblz4:.2} | \
                 {size_ours} ({:.2}%) | {size_serial} ({:.2}%) | {} |",
                times.mbps(0, len),
                times.mbps(1, len),
                times.mbps(2, len),
                100.0 * size_ours as f64 / len as f64,
                100.0 * size_serial as f64 / len as f64,
                verdict(&checks),
            );
        }
    }
}

/// A `Read` over a slice that `io::copy` does not see through (it copies from a `&[u8]` with
/// one `write_all`, not through a buffer).
struct PlainReader<'a>(&'a [u8]);

impl Read for PlainReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

/// The front-ends table (see the file's documentation).
fn front_ends(config: &Config, data: &[u8]) {
    use lz4_stream::{CompressingReader, DecompressingWriter};

    let len = data.len();
    let page = 65_536;
    eprintln!("front ends ...");
    let opts = options(page, 1);
    let mut reference = Vec::with_capacity(stream_bound(len, page));
    ours_compress(data, page, 1, &mut reference);
    let stream = reference.clone();
    let mut out = vec![0u8; len];

    type Named<'a> = (&'static str, Run<'a>);
    /// A decoder run: decodes into the buffer it is given, returns the length.
    type Decode<'a> = (&'static str, Box<dyn FnMut(&mut [u8]) -> usize + 'a>);
    let compressors: Vec<Named<'_>> = {
        let opts = &opts;
        let bound = stream_bound(len, page);
        #[allow(unused_mut)] // the async rows are pushed with the features `tokio` and `futures-io`
        let mut rows: Vec<Named<'_>> = vec![
            (
                "Lz4StreamWriter (write_all)",
                Box::new(move || {
                    let mut writer =
                        Lz4StreamWriter::with_options(Vec::with_capacity(bound), opts).unwrap();
                    writer.write_all(data).unwrap();
                    black_box(writer.finish().unwrap()).len()
                }),
            ),
            (
                "Lz4StreamWriter (io::copy from the data)",
                Box::new(move || {
                    let mut writer =
                        Lz4StreamWriter::with_options(Vec::with_capacity(bound), opts).unwrap();
                    // (Through a plain `Read`: `io::copy` from a `&[u8]` is a `write_all`.)
                    io::copy(&mut PlainReader(data), &mut writer).unwrap();
                    black_box(writer.finish().unwrap()).len()
                }),
            ),
            (
                "CompressingReader (read)",
                Box::new(move || {
                    let mut reader = CompressingReader::with_options(data, opts).unwrap();
                    let mut out = vec![0; bound];
                    let mut pos = 0;
                    loop {
                        match reader.read(&mut out[pos..]).unwrap() {
                            0 => return black_box(pos),
                            n => pos += n,
                        }
                    }
                }),
            ),
        ];
        #[cfg(feature = "tokio")]
        rows.push((
            "tokio::Lz4StreamWriter (write_all, shutdown)",
            Box::new(move || {
                use tokio::io::AsyncWriteExt;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let mut writer = lz4_stream::tokio::Lz4StreamWriter::with_options(
                        Vec::with_capacity(bound),
                        opts,
                    )
                    .unwrap();
                    writer.write_all(data).await.unwrap();
                    writer.shutdown().await.unwrap();
                    black_box(writer.into_inner()).len()
                })
            }),
        ));
        #[cfg(feature = "futures-io")]
        rows.push((
            "futures::Lz4StreamWriter (write_all, close)",
            Box::new(move || {
                use futures::io::AsyncWriteExt;
                futures::executor::block_on(async {
                    let mut writer = lz4_stream::futures::Lz4StreamWriter::with_options(
                        Vec::with_capacity(bound),
                        opts,
                    )
                    .unwrap();
                    writer.write_all(data).await.unwrap();
                    writer.close().await.unwrap();
                    black_box(writer.into_inner()).len()
                })
            }),
        ));
        rows
    };
    let decompressors: Vec<Decode<'_>> = {
        let (opts, stream) = (&opts, &stream);
        #[allow(unused_mut)] // the async rows are pushed with the features `tokio` and `futures-io`
        let mut rows: Vec<Decode<'_>> = vec![
            (
                "Lz4StreamReader (read)",
                Box::new(move |out: &mut [u8]| ours_read(stream, page, out)),
            ),
            (
                "Lz4StreamReader (io::copy into the buffer)",
                Box::new(move |out: &mut [u8]| {
                    let room = out.len();
                    let mut reader = Lz4StreamReader::with_options(&stream[..], opts).unwrap();
                    let mut sink = &mut out[..];
                    io::copy(&mut reader, &mut sink).unwrap();
                    room - sink.len()
                }),
            ),
            (
                "DecompressingWriter (write_all)",
                Box::new(move |out: &mut [u8]| {
                    let room = out.len();
                    let mut writer = DecompressingWriter::with_options(out, opts).unwrap();
                    writer.write_all(stream).unwrap();
                    room - writer.finish().unwrap().len()
                }),
            ),
        ];
        #[cfg(feature = "tokio")]
        rows.push((
            "tokio::Lz4StreamReader (read)",
            Box::new(move |out: &mut [u8]| {
                use tokio::io::AsyncReadExt;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let mut reader =
                        lz4_stream::tokio::Lz4StreamReader::with_options(&stream[..], opts)
                            .unwrap();
                    let mut pos = 0;
                    loop {
                        match reader.read(&mut out[pos..]).await.unwrap() {
                            0 => return pos,
                            n => pos += n,
                        }
                    }
                })
            }),
        ));
        #[cfg(feature = "futures-io")]
        rows.push((
            "futures::Lz4StreamReader (read)",
            Box::new(move |out: &mut [u8]| {
                use futures::io::AsyncReadExt;
                futures::executor::block_on(async {
                    let mut reader =
                        lz4_stream::futures::Lz4StreamReader::with_options(&stream[..], opts)
                            .unwrap();
                    let mut pos = 0;
                    loop {
                        match reader.read(&mut out[pos..]).await.unwrap() {
                            0 => return pos,
                            n => pos += n,
                        }
                    }
                })
            }),
        ));
        rows
    };

    // Check every output first.
    let (names, mut runs): (Vec<&str>, Vec<Run<'_>>) = compressors.into_iter().unzip();
    for (name, run) in names.iter().zip(&mut runs) {
        assert_eq!(run(), reference.len(), "{name} writes another stream");
    }
    let (decoder_names, mut decoders): (Vec<&str>, Vec<_>) = decompressors.into_iter().unzip();
    for (name, decode) in decoder_names.iter().zip(&mut decoders) {
        check_decodes(name, data, &mut out, |out| decode(out));
    }
    let compress = measure(config.rounds, &mut runs);
    let decompress = {
        let out = RefCell::new(&mut out);
        let mut runs: Vec<Run<'_>> = decoders
            .iter_mut()
            .map(|decode| -> Run<'_> {
                let out = &out;
                Box::new(move || decode(&mut out.borrow_mut()))
            })
            .collect();
        measure(config.rounds, &mut runs)
    };

    println!();
    println!(
        "Front ends: {len} bytes, 64 KiB pages, Mode::Fast {{ acceleration: 1 }}, double buffer; \
         each against the first row of its half (ratio: median of the in-round ratios; bar: \
         >= {FRONT_END_BAR})"
    );
    if cfg!(not(all(feature = "tokio", feature = "futures-io"))) {
        println!("(async rows left out: run with --all-features)");
    }
    println!("| front end | MB/s | against | ratio | bars |");
    println!("|---|--:|---|--:|---|");
    for (times, names) in [(&compress, &names), (&decompress, &decoder_names)] {
        for (i, name) in names.iter().enumerate() {
            // A writer into a `Write` sink copies what it decodes into the sink; the reader's
            // `read` decodes straight into the caller's buffer. So `DecompressingWriter` is
            // held against the same job done with the reader: `io::copy` into the same sink.
            // Likewise a compressing reader copies its input out of its inner reader, where the
            // writer's `write_all` of data in memory compresses it where it lies: it is held
            // against the writer given the data through `io::copy` from a reader.
            let against = match *name {
                "DecompressingWriter (write_all)" | "CompressingReader (read)" => 1,
                _ => 0,
            };
            let ratio = times.ratio(i, against);
            // The adapters themselves (the first row, and the reader through `io::copy`) are
            // references, with no bar.
            let reference = i == against || name.contains("io::copy");
            let checks = [(
                reference || ratio >= FRONT_END_BAR,
                format!("ratio {ratio:.3} < {FRONT_END_BAR}"),
            )];
            println!(
                "| {name} | {:.1} | {} | {ratio:.3} | {} |",
                times.mbps(i, len),
                names[against],
                verdict(&checks)
            );
        }
    }
}

/// A row of the HC table.
struct HcRow {
    level: u32,
    /// MB/s: ours at this level, liblz4 at this level, ours in `Fast { 1 }`.
    ours: f64,
    liblz4: f64,
    fast: f64,
    /// Speed ratios, measured within rounds.
    ours_liblz4: f64,
    ours_fast: f64,
    /// Compressed sizes in bytes.
    size_ours: usize,
    size_liblz4: usize,
    /// Whether our stream is byte for byte liblz4's.
    identical: bool,
}

fn print_hc_table(rows: &[HcRow], len: usize, fast_len: usize) {
    println!();
    println!(
        "HC compression, {len} bytes (issue 8's sample), 64 KiB pages, double buffer; ours: \
         Lz4StreamWriter with Mode::High {{ level }}; liblz4: LZ4_compress_HC_continue in the \
         double-buffer layout; fast: ours with Mode::Fast {{ acceleration: 1 }} ({:.2}% of the \
         sample)",
        100.0 * fast_len as f64 / len as f64
    );
    println!(
        "| level | ours MB/s | liblz4 MB/s | fast MB/s | ours/liblz4 | ours/fast | size ours \
         | size liblz4 | size ours/liblz4 | size ours/fast | bars |"
    );
    println!("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
    for row in rows {
        let size_ratio = row.size_ours as f64 / row.size_liblz4 as f64;
        let mut checks = Vec::new();
        if [3, 6, 9, 10, 11, 12].contains(&row.level) {
            checks.push((
                size_ratio <= HC_SIZE_BAR,
                format!("size ratio {size_ratio:.4} > {HC_SIZE_BAR}"),
            ));
        }
        let speed_bar = match row.level {
            3..=9 => Some(HC_SPEED_BAR_CHAIN),
            10..=12 => Some(HC_SPEED_BAR_OPTIMAL),
            _ => None,
        };
        if let Some(bar) = speed_bar {
            checks.push((
                row.ours_liblz4 >= bar,
                format!("speed ratio {:.2} < {bar}", row.ours_liblz4),
            ));
        }
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.2} | {:.3} | {} ({:.2}%) | {} ({:.2}%) | {} | {:.3} \
             | {} |",
            row.level,
            row.ours,
            row.liblz4,
            row.fast,
            row.ours_liblz4,
            row.ours_fast,
            row.size_ours,
            100.0 * row.size_ours as f64 / len as f64,
            row.size_liblz4,
            100.0 * row.size_liblz4 as f64 / len as f64,
            if row.identical {
                "same bytes".to_string()
            } else {
                format!("{size_ratio:.4}")
            },
            row.size_ours as f64 / fast_len as f64,
            verdict(&checks),
        );
    }
}

/// A row of the compression table: one page size at one acceleration.
struct CompressRow {
    page: usize,
    acceleration: u32,
    /// MB/s.
    ours: f64,
    liblz4: f64,
    /// The `lz4_flex` loop's MB/s and ours/lz4_flex (acceleration 1 only).
    flex: Option<(f64, f64)>,
    /// Speed ratio, measured within rounds.
    ours_liblz4: f64,
    /// Compressed sizes in bytes.
    size_ours: usize,
    size_liblz4: usize,
    /// Whether our stream is byte for byte liblz4's.
    identical: bool,
    /// The largest size ratio ours/liblz4 issue 7 allows at this acceleration.
    size_bar: f64,
}

fn print_compress_table(rows: &[CompressRow], len: usize) {
    println!();
    println!(
        "| compress | page | ours MB/s | liblz4 MB/s | lz4_flex MB/s | ours/liblz4 | \
         ours/lz4_flex | size ours | size liblz4 | size ours/liblz4 | bars |"
    );
    println!("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|");
    for row in rows {
        let percent = |size: usize| format!("{:.2}%", 100.0 * size as f64 / len as f64);
        let size_ratio = row.size_ours as f64 / row.size_liblz4 as f64;
        let (flex, ours_flex) = match row.flex {
            Some((mbps, ratio)) => (format!("{mbps:.0}"), format!("{ratio:.3}")),
            None => ("–".to_string(), "–".to_string()),
        };
        let bars = verdict(&[
            (
                row.ours_liblz4 >= COMPRESS_SPEED_BAR,
                format!("speed < {COMPRESS_SPEED_BAR:.2}"),
            ),
            (
                size_ratio <= row.size_bar,
                format!("size > {}", row.size_bar),
            ),
        ]);
        println!(
            "| Fast{{{}}} | {} | {:.0} | {:.0} | {} | {:.3} | {} | {} | {} | {:.4}{} | {} |",
            row.acceleration,
            page_name(row.page),
            row.ours,
            row.liblz4,
            flex,
            row.ours_liblz4,
            ours_flex,
            percent(row.size_ours),
            percent(row.size_liblz4),
            size_ratio,
            if row.identical { " (same bytes)" } else { "" },
            bars,
        );
    }
    println!(
        "(ours: Lz4StreamWriter, one write_all; liblz4: LZ4_compress_fast_continue, \
         double-buffer layout; lz4_flex: compress_into_with_dict loop, safe build, acceleration 1 \
         only; size: compressed / original; \"same bytes\": our stream is liblz4's byte for \
         byte; bars (issue 7): ours/liblz4 >= {COMPRESS_SPEED_BAR:.2} at size ours/liblz4 <= {} \
         (Fast{{1}}) / <= {} (Fast{{8}}))",
        COMPRESS_SIZE_BARS[0], COMPRESS_SIZE_BARS[1],
    );
}

/// A row of the decompression table: one page size.
struct DecompressRow {
    page: usize,
    /// MB/s.
    reader: f64,
    buf_reader: f64,
    fill_buf: f64,
    liblz4: f64,
    flex: f64,
    /// Ratios, measured within rounds.
    reader_liblz4: f64,
    buf_reader_liblz4: f64,
    fill_buf_liblz4: f64,
    reader_flex: f64,
    buf_reader_flex: f64,
}

fn print_decompress_table(rows: &[DecompressRow]) {
    println!();
    println!(
        "| decompress | page | Reader MB/s | BufReader MB/s | fill_buf MB/s | liblz4 MB/s | \
         lz4_flex MB/s | Reader/liblz4 | BufReader/liblz4 | fill_buf/liblz4 | Reader/lz4_flex | \
         BufReader/lz4_flex | bars |"
    );
    println!("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
    for row in rows {
        let bars = verdict(&[
            (
                row.buf_reader_liblz4 >= BUF_READER_LIBLZ4_BAR,
                format!("BufReader/liblz4 < {BUF_READER_LIBLZ4_BAR:.2}"),
            ),
            (
                row.reader_liblz4 >= READER_LIBLZ4_BAR,
                format!("Reader/liblz4 < {READER_LIBLZ4_BAR:.2}"),
            ),
            (
                row.reader_flex >= READER_FLEX_BAR,
                format!("Reader/lz4_flex < {READER_FLEX_BAR:.2}"),
            ),
        ]);
        println!(
            "| Fast{{1}} stream | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.3} | {:.3} | \
             {:.3} | {:.3} | {:.3} | {} |",
            page_name(row.page),
            row.reader,
            row.buf_reader,
            row.fill_buf,
            row.liblz4,
            row.flex,
            row.reader_liblz4,
            row.buf_reader_liblz4,
            row.fill_buf_liblz4,
            row.reader_flex,
            row.buf_reader_flex,
            bars,
        );
    }
    println!(
        "(Reader: Lz4StreamReader::read over &[u8] as Read; BufReader: Lz4StreamBufReader::read \
         over &[u8] as BufRead; fill_buf: Lz4StreamReader's fill_buf/consume; liblz4: \
         LZ4_decompress_safe_continue, contiguous; lz4_flex: decompress_into_with_dict loop, safe \
         build; bars (issue 7): BufReader/liblz4 >= {BUF_READER_LIBLZ4_BAR:.2}, Reader/liblz4 >= \
         {READER_LIBLZ4_BAR:.2}, Reader/lz4_flex >= {READER_FLEX_BAR:.2})"
    );
}

/// `met`, or what was missed, from (held, what missing it means) pairs.
fn verdict(checks: &[(bool, String)]) -> String {
    let missed: Vec<&str> = checks
        .iter()
        .filter(|(held, _)| !held)
        .map(|(_, what)| what.as_str())
        .collect();
    if missed.is_empty() {
        "met".to_string()
    } else {
        format!("MISSED: {}", missed.join(", "))
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
    let opts = options(64 * 1024, 1);
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
