//! Differential tests against liblz4 (SPEC 5: "the same, both ways, with liblz4's streaming API
//! laid out as its users lay it out"), in process, through the `lzzzz` dev-dependency.
//!
//! (a) Streams our writer produces decode with liblz4's decoders, byte for byte:
//!
//! - `lzzzz::lz4::Decompressor`. Its layout (lzzzz 2.0.0, `src/lz4/stream/mod.rs`): it decodes
//!   each block with `LZ4_decompress_safe_continue` at the end of the last of a list of `Vec`s,
//!   each of capacity `max(block's decoded size, 8 KiB)`, starts a new `Vec` when the last has no
//!   room for the block, and drops the oldest `Vec`s while the others hold 64 KiB. liblz4's
//!   decoding state knows only two contiguous runs: the one the block extends (earlier blocks in
//!   the same `Vec`) and the one before it (the previous `Vec`'s blocks). So it always has block
//!   N-1, usually more, but not the last 64 KiB: it is neither the strict double-buffer decoder
//!   nor a ring decoder. It decodes double-buffer streams; ring-buffer streams only while their
//!   references happen to stay within those two runs, so it is used for double-buffer streams
//!   only. It also needs each block's decoded size up front (which the tests know).
//! - The strictest check of the double-buffer strategy: a decoder that keeps *only* block N-1
//!   (and the dictionary for block 0), `lzzzz::lz4::decompress_with_dict` (liblz4's
//!   `LZ4_decompress_safe_usingDict`) with the previous block as the dictionary.
//!   `strict_decoders_are_strict` shows it rejects a stream that reaches further back.
//! - For ring-buffer streams with a window `w`, the same block decoder with the last `w` bytes
//!   of the stream (the initial dictionary before it) as the dictionary: the strict check that
//!   the writer never references more than `w` bytes back.
//! - liblz4's streaming decoder laid out as its users lay it out (lz4's examples
//!   `blockStreaming_doubleBuffer.c` and `blockStreaming_ringBuffer.c`, and `peers/lz4peer.c`):
//!   `LZ4_decompress_safe_continue` into `char buf[2][page]`, alternating pages, or into a ring
//!   of `LZ4_decoderRingBufferSize(page)` (liblz4's minimum) or `64 KiB + 8 + 2 * page` bytes
//!   (SPEC 1.1), wrapping when less than a page is left. lzzzz does not expose
//!   `LZ4_decompress_safe_continue` on caller-owned buffers, so these call the liblz4 that lzzzz
//!   compiles in directly (module `ffi`).
//!
//! (b) Streams made by liblz4's streaming compressors, framed with our size prefixes (or sizes
//! out of band, or an end marker), decode with [`Lz4StreamReader`] and [`Decompressor`]:
//! `lzzzz::lz4::Compressor` (with and without a dictionary, accelerations 1 and 8),
//! `lzzzz::lz4_hc::Compressor` (levels 9 and 12, with and without a dictionary), and
//! `LZ4_compress_fast_continue` / `LZ4_compress_HC_continue` over the users' double buffer and
//! ring layouts. lzzzz's compressors copy the history to a 64 KiB buffer of their own
//! (`LZ4_saveDict`) after every block; since liblz4 then only knows the latest block as the
//! dictionary, their blocks reference only block N-1. The double-buffer layout is the one
//! whose blocks also reach the tail of block N-2 (SPEC 1.1); the ring, up to 64 KiB back.
//!
//! A seeded matrix covers the options (pages 1 to 1 MiB, every prefix width, dictionaries
//! shorter and longer than 64 KiB, full pages and short chunks; our HC levels 1, 3, 9 and 12 in
//! `our_hc_streams_decode_with_liblz4`); quickcheck properties add random cases in both
//! directions (our writer in every mode, HC included, as `common::gen_mode` makes them).

use std::io::{Read, Write};

use lz4_stream::{
    compress_bound, Decompressor, Lz4StreamReader, Lz4StreamWriter, SizePrefix, Strategy,
    StreamOptions, WINDOW_SIZE,
};
use quickcheck::{Gen, TestResult};

// ---------------------------------------------------------------------------------------------
// liblz4's streaming API on caller-owned buffers
// ---------------------------------------------------------------------------------------------

/// The functions of liblz4 (1.10, compiled into the test binary by lzzzz's build script) that
/// lzzzz does not expose on caller-owned buffers.
#[allow(unsafe_code)]
mod ffi {
    use std::os::raw::{c_char, c_int, c_void};

    extern "C" {
        pub fn LZ4_versionNumber() -> c_int;
        pub fn LZ4_createStreamDecode() -> *mut c_void;
        pub fn LZ4_freeStreamDecode(stream: *mut c_void) -> c_int;
        pub fn LZ4_setStreamDecode(stream: *mut c_void, dict: *const c_char, size: c_int) -> c_int;
        pub fn LZ4_decompress_safe_continue(
            stream: *mut c_void,
            src: *const c_char,
            dst: *mut c_char,
            src_size: c_int,
            dst_capacity: c_int,
        ) -> c_int;
        pub fn LZ4_decoderRingBufferSize(max_block_size: c_int) -> c_int;
        pub fn LZ4_createStream() -> *mut c_void;
        pub fn LZ4_freeStream(stream: *mut c_void) -> c_int;
        pub fn LZ4_loadDict(stream: *mut c_void, dict: *const c_char, size: c_int) -> c_int;
        pub fn LZ4_compress_fast_continue(
            stream: *mut c_void,
            src: *const c_char,
            dst: *mut c_char,
            src_size: c_int,
            dst_capacity: c_int,
            acceleration: c_int,
        ) -> c_int;
        pub fn LZ4_createStreamHC() -> *mut c_void;
        pub fn LZ4_freeStreamHC(stream: *mut c_void) -> c_int;
        pub fn LZ4_resetStreamHC_fast(stream: *mut c_void, level: c_int);
        pub fn LZ4_loadDictHC(stream: *mut c_void, dict: *const c_char, size: c_int) -> c_int;
        pub fn LZ4_compress_HC_continue(
            stream: *mut c_void,
            src: *const c_char,
            dst: *mut c_char,
            src_size: c_int,
            dst_capacity: c_int,
        ) -> c_int;
    }
}

/// How a liblz4 user lays out the buffer its streaming calls work in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// `char buf[2][page]`, alternating pages.
    Double,
    /// One ring of this many bytes; blocks go next to each other and wrap to the start when less
    /// than a page is left.
    Ring(usize),
}

impl Layout {
    fn size(self, page: usize) -> usize {
        match self {
            Layout::Double => 2 * page,
            Layout::Ring(size) => size,
        }
    }

    /// Where the block after one of `len` bytes at `at` goes.
    fn advance(self, at: usize, len: usize, page: usize) -> usize {
        match self {
            Layout::Double => page - at.min(page),
            Layout::Ring(size) if size - (at + len) < page => 0,
            Layout::Ring(_) => at + len,
        }
    }
}

/// liblz4's smallest decoding ring for `page` (`LZ4_decoderRingBufferSize`).
fn liblz4_min_ring(page: usize) -> usize {
    #[allow(unsafe_code)]
    // SAFETY: a pure function of its argument.
    let size = unsafe { ffi::LZ4_decoderRingBufferSize(page as i32) };
    assert!(size > 0, "LZ4_decoderRingBufferSize({page})");
    size as usize
}

/// The compressing ring: 64 KiB + a page (as `peers/lz4peer.c` lays it out) for pages up to
/// 64 KiB; 64 KiB + 2 pages beyond. liblz4's compressor needs the last 64 KiB of input in place,
/// or at least (its overlap check) a chunk written at the ring's start must end before the
/// previous run of chunks does. With 64 KiB + a page and pages over 64 KiB a chunk can cover
/// the whole previous run: liblz4 then writes blocks that reference overwritten bytes, which
/// its own decoder turns into wrong bytes without an error (our reader finds a zero offset in
/// them), so that layout is a misuse and not tested.
fn encoder_ring(page: usize) -> usize {
    if page <= WINDOW_SIZE {
        WINDOW_SIZE + page
    } else {
        WINDOW_SIZE + 2 * page
    }
}

/// The decoding ring SPEC 1.1 names: 64 KiB + 8 + 2 pages.
fn spec_ring(page: usize) -> usize {
    WINDOW_SIZE + 8 + 2 * page
}

/// `LZ4_decompress_safe_continue` over a buffer laid out as `layout`.
struct LibDecoder {
    state: *mut std::os::raw::c_void,
    layout: Layout,
    page: usize,
    /// Where the next block goes.
    at: usize,
    /// liblz4 keeps pointers into both (boxed: they never move).
    buf: Box<[u8]>,
    _dictionary: Box<[u8]>,
}

#[allow(unsafe_code)]
impl LibDecoder {
    fn new(layout: Layout, page: usize, dictionary: &[u8]) -> LibDecoder {
        let dictionary: Box<[u8]> = dictionary.into();
        // SAFETY: allocates a decoding state, checked for null.
        let state = unsafe { ffi::LZ4_createStreamDecode() };
        assert!(!state.is_null());
        // SAFETY: `dictionary` is valid for its length and outlives `state` (both in `self`).
        let ok = unsafe {
            ffi::LZ4_setStreamDecode(state, dictionary.as_ptr().cast(), dictionary.len() as i32)
        };
        assert_eq!(ok, 1, "LZ4_setStreamDecode");
        assert!(layout.size(page) >= page);
        LibDecoder {
            state,
            layout,
            page,
            at: 0,
            buf: vec![0; layout.size(page)].into_boxed_slice(),
            _dictionary: dictionary,
        }
    }

    /// Decodes the next block; liblz4's (negative) error code on failure.
    fn decode(&mut self, block: &[u8]) -> Result<&[u8], i32> {
        let at = self.at;
        assert!(at + self.page <= self.buf.len());
        // SAFETY: `block` is valid for its length; the destination is `page` bytes inside
        // `buf`; earlier blocks and the dictionary, which liblz4 may read, live in `buf` and
        // `_dictionary`, which do not move or change but for the destination.
        let n = unsafe {
            ffi::LZ4_decompress_safe_continue(
                self.state,
                block.as_ptr().cast(),
                self.buf.as_mut_ptr().add(at).cast(),
                block.len() as i32,
                self.page as i32,
            )
        };
        if n < 0 {
            return Err(n);
        }
        let n = n as usize;
        self.at = self.layout.advance(at, n, self.page);
        Ok(&self.buf[at..at + n])
    }
}

#[allow(unsafe_code)]
impl Drop for LibDecoder {
    fn drop(&mut self) {
        // SAFETY: created by LZ4_createStreamDecode, freed once.
        unsafe { ffi::LZ4_freeStreamDecode(self.state) };
    }
}

/// liblz4's fast or HC compressor.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Fast { acceleration: i32 },
    Hc { level: i32 },
}

/// `LZ4_compress_fast_continue` / `LZ4_compress_HC_continue` over an input buffer laid out as
/// `layout`: each chunk is copied into the buffer, then compressed in place.
struct LibEncoder {
    state: *mut std::os::raw::c_void,
    mode: Mode,
    layout: Layout,
    page: usize,
    at: usize,
    buf: Box<[u8]>,
    _dictionary: Box<[u8]>,
}

#[allow(unsafe_code)]
impl LibEncoder {
    fn new(mode: Mode, layout: Layout, page: usize, dictionary: &[u8]) -> LibEncoder {
        let dictionary: Box<[u8]> = dictionary.into();
        let (ptr, len) = (dictionary.as_ptr().cast(), dictionary.len() as i32);
        // SAFETY: states are checked for null; `dictionary` is valid for its length and lives
        // as long as the state (liblz4 references it).
        let state = unsafe {
            match mode {
                Mode::Fast { .. } => {
                    let state = ffi::LZ4_createStream();
                    assert!(!state.is_null());
                    if len > 0 {
                        ffi::LZ4_loadDict(state, ptr, len);
                    }
                    state
                }
                Mode::Hc { level } => {
                    let state = ffi::LZ4_createStreamHC();
                    assert!(!state.is_null());
                    ffi::LZ4_resetStreamHC_fast(state, level);
                    if len > 0 {
                        ffi::LZ4_loadDictHC(state, ptr, len);
                    }
                    state
                }
            }
        };
        LibEncoder {
            state,
            mode,
            layout,
            page,
            at: 0,
            buf: vec![0; layout.size(page)].into_boxed_slice(),
            _dictionary: dictionary,
        }
    }

    /// Compresses `chunk` (at most a page) as the next block.
    fn compress(&mut self, chunk: &[u8]) -> Vec<u8> {
        assert!(chunk.len() <= self.page);
        let at = self.at;
        self.buf[at..at + chunk.len()].copy_from_slice(chunk);
        let mut block = vec![0u8; compress_bound(chunk.len())];
        // SAFETY: the source is `chunk.len()` bytes inside `buf`, the destination `block` has
        // the capacity given; earlier chunks stay in place in `buf` as liblz4 requires.
        let n = unsafe {
            let src = self.buf.as_ptr().add(at).cast();
            let dst = block.as_mut_ptr().cast();
            let (len, cap) = (chunk.len() as i32, block.len() as i32);
            match self.mode {
                Mode::Fast { acceleration } => {
                    ffi::LZ4_compress_fast_continue(self.state, src, dst, len, cap, acceleration)
                }
                Mode::Hc { .. } => ffi::LZ4_compress_HC_continue(self.state, src, dst, len, cap),
            }
        };
        assert!(n > 0, "liblz4 compression failed ({n})");
        block.truncate(n as usize);
        self.at = self.layout.advance(at, chunk.len(), self.page);
        block
    }
}

#[allow(unsafe_code)]
impl Drop for LibEncoder {
    fn drop(&mut self) {
        // SAFETY: created by the matching create function, freed once.
        unsafe {
            match self.mode {
                Mode::Fast { .. } => ffi::LZ4_freeStream(self.state),
                Mode::Hc { .. } => ffi::LZ4_freeStreamHC(self.state),
            };
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Data, chunks and framing
// ---------------------------------------------------------------------------------------------

/// A seeded xorshift64 generator.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `len` bytes of mixed data following `dictionary`: text, runs, random bytes, and copies from
/// up to ~100 KB back (the dictionary included), so blocks reference the dictionary, the
/// previous block, older blocks, and bytes just past LZ4's 64 KiB reach.
fn mixed_data(len: usize, seed: u64, dictionary: &[u8]) -> Vec<u8> {
    const WORDS: [&[u8]; 8] = [
        b"stream ",
        b"block ",
        b"liblz4 ",
        b"page ",
        b"\n",
        b"ring ",
        b"<td>",
        b"0123456789",
    ];
    let mut rng = Rng::new(seed);
    let mut buf = dictionary.to_vec();
    let end = buf.len() + len;
    while buf.len() < end {
        let seg = (1 + rng.below(2000)).min(end - buf.len());
        match rng.below(5) {
            0 => buf.extend((0..seg).map(|_| rng.next() as u8)),
            1 => {
                let byte = rng.next() as u8;
                buf.resize(buf.len() + seg, byte);
            }
            2 => {
                let stop = buf.len() + seg;
                while buf.len() < stop {
                    let word = WORDS[rng.below(WORDS.len())];
                    buf.extend_from_slice(&word[..word.len().min(stop - buf.len())]);
                }
            }
            _ if !buf.is_empty() => {
                let reach = buf.len().min(100_000);
                let distance = 1 + rng.below(reach);
                let from = buf.len() - distance;
                for i in 0..seg {
                    buf.push(buf[from + i]);
                }
            }
            _ => buf.push(rng.next() as u8),
        }
    }
    buf.split_off(dictionary.len())
}

/// The dictionaries of the matrix: none, 20 KB, 100 KB (longer than the 64 KiB that matter).
fn dictionaries() -> [Vec<u8>; 3] {
    [
        Vec::new(),
        mixed_data(20_000, 101, b""),
        mixed_data(100_000, 102, b""),
    ]
}

/// How the input is cut into blocks.
#[derive(Clone, Copy, Debug)]
enum Chunks {
    /// Whole pages (the last one shorter).
    Full,
    /// Random lengths in `1..=page` (our writer: each write followed by `flush()`); with
    /// `empty`, liblz4's compressors also get some empty chunks.
    Random { seed: u64, empty: bool },
}

/// The lengths of the chunks `data_len` bytes are cut into.
fn chunk_lengths(chunks: Chunks, data_len: usize, page: usize) -> Vec<usize> {
    let mut lengths = Vec::new();
    let mut left = data_len;
    match chunks {
        Chunks::Full => {
            while left > 0 {
                lengths.push(left.min(page));
                left -= left.min(page);
            }
        }
        Chunks::Random { seed, empty } => {
            let mut rng = Rng::new(seed);
            while left > 0 {
                let len = if empty && rng.below(10) == 0 {
                    0
                } else {
                    (1 + rng.below(page)).min(left)
                };
                lengths.push(len);
                left -= len;
            }
        }
    }
    lengths
}

/// The prefix widths a writer accepts for `page`.
fn prefixes_for(page: usize) -> Vec<SizePrefix> {
    [
        SizePrefix::U8,
        SizePrefix::U16,
        SizePrefix::U32,
        SizePrefix::OutOfBand,
    ]
    .into_iter()
    .filter(|prefix| compress_bound(page) <= prefix.max_block_size())
    .collect()
}

/// Frames `blocks` with `opts`' prefix (and end marker); returns the stream and, out of band,
/// the block sizes.
fn frame(blocks: &[Vec<u8>], opts: &StreamOptions) -> (Vec<u8>, Vec<usize>) {
    let width = opts.get_size_prefix().width();
    let mut stream = Vec::new();
    for block in blocks {
        assert!(block.len() <= opts.get_size_prefix().max_block_size());
        stream.extend_from_slice(&(block.len() as u32).to_le_bytes()[..width]);
        stream.extend_from_slice(block);
    }
    if opts.get_end_marker() {
        stream.extend(std::iter::repeat(0).take(width));
    }
    let sizes = if width == 0 {
        blocks.iter().map(Vec::len).collect()
    } else {
        Vec::new()
    };
    (stream, sizes)
}

/// Splits a stream into its blocks by reading its prefixes (or `sizes`), independently of the
/// crate's own `split_record`, checking the end marker is there exactly when configured.
fn unframe<'a>(stream: &'a [u8], opts: &StreamOptions, sizes: &[usize]) -> Vec<&'a [u8]> {
    let width = opts.get_size_prefix().width();
    let mut blocks = Vec::new();
    let mut rest = stream;
    if width == 0 {
        for &size in sizes {
            let (block, after) = rest.split_at(size);
            blocks.push(block);
            rest = after;
        }
    } else {
        loop {
            if rest.is_empty() {
                assert!(!opts.get_end_marker(), "no end marker");
                break;
            }
            let mut prefix = [0u8; 4];
            prefix[..width].copy_from_slice(&rest[..width]);
            let size = u32::from_le_bytes(prefix) as usize;
            rest = &rest[width..];
            if size == 0 {
                assert!(
                    opts.get_end_marker(),
                    "an end marker the options do not ask for"
                );
                break;
            }
            let (block, after) = rest.split_at(size);
            blocks.push(block);
            rest = after;
        }
    }
    assert!(rest.is_empty(), "bytes after the stream");
    blocks
}

/// Our writer's stream of `data` cut as `lengths` (each chunk written, then flushed, when
/// `flush`; else the data in one write).
fn our_stream(
    data: &[u8],
    opts: &StreamOptions,
    lengths: &[usize],
    flush: bool,
) -> (Vec<u8>, Vec<usize>) {
    let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).unwrap();
    if flush {
        let mut at = 0;
        for &len in lengths {
            writer.write_all(&data[at..at + len]).unwrap();
            writer.flush().unwrap();
            at += len;
        }
    } else {
        writer.write_all(data).unwrap();
    }
    writer.try_finish().unwrap();
    let sizes = writer.take_block_sizes();
    (writer.finish().unwrap(), sizes)
}

/// The last `n` bytes of `bytes`.
fn tail(bytes: &[u8], n: usize) -> &[u8] {
    &bytes[bytes.len().saturating_sub(n)..]
}

// ---------------------------------------------------------------------------------------------
// The decoders of (a)
// ---------------------------------------------------------------------------------------------

/// Decodes `blocks` with a decoder that keeps only block N-1 (the dictionary for block 0):
/// liblz4's `LZ4_decompress_safe_usingDict` through `lzzzz::lz4::decompress_with_dict`.
fn decode_keeping_previous_block(
    blocks: &[&[u8]],
    page: usize,
    dictionary: &[u8],
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut previous = tail(dictionary, WINDOW_SIZE).to_vec();
    let mut dst = vec![0; page];
    for (n, block) in blocks.iter().enumerate() {
        let len = lzzzz::lz4::decompress_with_dict(block, &mut dst, &previous)
            .map_err(|err| format!("block {n}: {err}"))?;
        out.extend_from_slice(&dst[..len]);
        previous = dst[..len].to_vec();
    }
    Ok(out)
}

/// Decodes `blocks` with a decoder that keeps only the last `window` bytes of the stream (the
/// dictionary before it), through `lzzzz::lz4::decompress_with_dict`.
fn decode_keeping_window(
    blocks: &[&[u8]],
    page: usize,
    dictionary: &[u8],
    window: usize,
) -> Result<Vec<u8>, String> {
    let mut all = dictionary.to_vec();
    let mut dst = vec![0; page];
    for (n, block) in blocks.iter().enumerate() {
        let len = lzzzz::lz4::decompress_with_dict(block, &mut dst, tail(&all, window))
            .map_err(|err| format!("block {n}: {err}"))?;
        all.extend_from_slice(&dst[..len]);
    }
    Ok(all.split_off(dictionary.len()))
}

/// Decodes `blocks` with liblz4's streaming decoder in `layout`.
fn decode_with_layout(
    blocks: &[&[u8]],
    page: usize,
    dictionary: &[u8],
    layout: Layout,
) -> Result<Vec<u8>, String> {
    let mut decoder = LibDecoder::new(layout, page, dictionary);
    let mut out = Vec::new();
    for (n, block) in blocks.iter().enumerate() {
        let bytes = decoder
            .decode(block)
            .map_err(|code| format!("block {n}: LZ4_decompress_safe_continue: {code}"))?;
        out.extend_from_slice(bytes);
    }
    Ok(out)
}

/// Decodes `blocks` with `lzzzz::lz4::Decompressor`, given each block's decoded length.
fn decode_with_lzzzz(
    blocks: &[&[u8]],
    lengths: &[usize],
    dictionary: &[u8],
) -> Result<Vec<u8>, String> {
    let mut decompressor = if dictionary.is_empty() {
        lzzzz::lz4::Decompressor::new()
    } else {
        lzzzz::lz4::Decompressor::with_dict(dictionary)
    }
    .map_err(|err| err.to_string())?;
    let mut out = Vec::new();
    for (n, (block, &len)) in blocks.iter().zip(lengths).enumerate() {
        let bytes = decompressor
            .next(block, len)
            .map_err(|err| format!("block {n}: {err}"))?;
        out.extend_from_slice(bytes);
    }
    Ok(out)
}

fn check(what: &str, decoded: Result<Vec<u8>, String>, data: &[u8]) {
    match decoded {
        Ok(out) => assert!(
            out == data,
            "{what}: decoded {} bytes, not the {} written (first difference at {:?})",
            out.len(),
            data.len(),
            out.iter().zip(data).position(|(a, b)| a != b)
        ),
        Err(err) => panic!("{what}: {err}"),
    }
}

/// Checks that liblz4's decoders decode our writer's stream of `data` (cut as `chunks`) to
/// `data`, with the decoders that fit the writer's strategy.
fn check_our_stream(data: &[u8], opts: &StreamOptions, chunks: Chunks) {
    let page = opts.get_page_size();
    let dictionary = opts.get_dictionary();
    let lengths = chunk_lengths(chunks, data.len(), page);
    let flush = matches!(chunks, Chunks::Random { .. });
    let (stream, sizes) = our_stream(data, opts, &lengths, flush);
    let blocks = unframe(&stream, opts, &sizes);
    assert_eq!(blocks.len(), lengths.len(), "one block per chunk");
    let what = |decoder: &str| {
        format!(
            "{decoder}: page {page}, {:?}, {:?}, dictionary {}, end marker {}, {chunks:?}",
            opts.get_size_prefix(),
            opts.get_strategy(),
            dictionary.len(),
            opts.get_end_marker()
        )
    };
    match opts.get_strategy() {
        Strategy::DoubleBuffer => {
            check(
                &what("previous block only"),
                decode_keeping_previous_block(&blocks, page, dictionary),
                data,
            );
            check(
                &what("liblz4 double buffer"),
                decode_with_layout(&blocks, page, dictionary, Layout::Double),
                data,
            );
            check(
                &what("lzzzz::lz4::Decompressor"),
                decode_with_lzzzz(&blocks, &lengths, dictionary),
                data,
            );
        }
        Strategy::RingBuffer { window } => {
            check(
                &what("last `window` bytes only"),
                decode_keeping_window(&blocks, page, dictionary, window),
                data,
            );
            for ring in [liblz4_min_ring(page), spec_ring(page)] {
                check(
                    &what(&format!("liblz4 ring of {ring}")),
                    decode_with_layout(&blocks, page, dictionary, Layout::Ring(ring)),
                    data,
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (a) our streams, liblz4's decoders
// ---------------------------------------------------------------------------------------------

/// The data length for a page: enough blocks to cross the 64 KiB window several times, few
/// enough to stay fast.
fn data_len(page: usize) -> usize {
    match page {
        1 => 3000,
        2..=1000 => 150_000,
        1001..=4096 => 250_000,
        4097..=65_536 => 400_000,
        _ => 2 * page + page / 2,
    }
}

#[test]
fn liblz4_is_the_one_lzzzz_builds() {
    #[allow(unsafe_code)]
    // SAFETY: a pure function.
    let version = unsafe { ffi::LZ4_versionNumber() };
    assert!(version >= 10_904, "liblz4 {version}");
    assert_eq!(liblz4_min_ring(4096), 65_536 + 14 + 4096);
}

/// Our double-buffer streams at pages 1, 941, 4096, 64 KiB and 1 MiB, every prefix width, with
/// and without dictionaries, in full pages and in short flushed chunks.
#[test]
fn our_double_buffer_streams_decode_with_liblz4() {
    let dictionaries = dictionaries();
    for (p, page) in [1, 941, 4096, 65_536, 1 << 20].into_iter().enumerate() {
        let prefixes = prefixes_for(page);
        for (d, dictionary) in dictionaries.iter().enumerate() {
            if page == 1 << 20 && d == 1 {
                continue; // the slowest pages: two dictionaries are enough
            }
            let data = mixed_data(data_len(page), (p * 10 + d) as u64, dictionary);
            for (c, chunks) in [
                Chunks::Full,
                Chunks::Random {
                    seed: d as u64,
                    empty: false,
                },
            ]
            .into_iter()
            .enumerate()
            {
                let prefix = prefixes[(d + c) % prefixes.len()];
                let opts = StreamOptions::new()
                    .page_size(page)
                    .size_prefix(prefix)
                    .dictionary(dictionary.clone())
                    .end_marker(prefix != SizePrefix::OutOfBand && (d + c) % 2 == 1);
                check_our_stream(&data, &opts, chunks);
            }
        }
    }
}

/// Our ring-buffer streams with a 64 KiB window at several pages, and smaller windows (checked
/// by a decoder that keeps only that window).
#[test]
fn our_ring_buffer_streams_decode_with_liblz4() {
    let dictionaries = dictionaries();
    let cases = [
        (1, 65_536),
        (512, 65_536),
        (4096, 65_536),
        (16_384, 65_536),
        (65_536, 65_536),
        (1024, 4096),
        (1024, 20_000),
        (8192, 1),
    ];
    for (i, (page, window)) in cases.into_iter().enumerate() {
        let prefixes = prefixes_for(page);
        for (d, dictionary) in dictionaries.iter().enumerate() {
            let data = mixed_data(data_len(page).min(200_000), (i * 10 + d) as u64, dictionary);
            for (c, chunks) in [
                Chunks::Full,
                Chunks::Random {
                    seed: 7 + d as u64,
                    empty: false,
                },
            ]
            .into_iter()
            .enumerate()
            {
                let prefix = prefixes[(i + d + c) % prefixes.len()];
                let opts = StreamOptions::new()
                    .page_size(page)
                    .size_prefix(prefix)
                    .strategy(Strategy::RingBuffer { window })
                    .dictionary(dictionary.clone())
                    .end_marker(prefix != SizePrefix::OutOfBand && (i + c) % 2 == 0);
                check_our_stream(&data, &opts, chunks);
            }
        }
    }
}

/// Our HC streams (issue 8) at levels 1, 3, 9 and 12 (light matcher, hash chains, optimal
/// parser), double buffer and ring (the full window, and 20,000 bytes), with and without a
/// dictionary: every decoder of `check_our_stream` decodes them, the strict ones included.
#[test]
fn our_hc_streams_decode_with_liblz4() {
    let dictionaries = dictionaries();
    let shapes = [
        (941, Strategy::DoubleBuffer),
        (65_536, Strategy::DoubleBuffer),
        (4096, Strategy::RingBuffer { window: 65_536 }),
        (1024, Strategy::RingBuffer { window: 20_000 }),
    ];
    let mut i = 0usize;
    for level in [1, 3, 9, 12] {
        for (page, strategy) in shapes {
            i += 1;
            let dictionary = &dictionaries[i % dictionaries.len()];
            let data = mixed_data(data_len(page).min(200_000), 500 + i as u64, dictionary);
            let chunks = if i % 2 == 0 {
                Chunks::Full
            } else {
                Chunks::Random {
                    seed: i as u64,
                    empty: false,
                }
            };
            let prefixes = prefixes_for(page);
            let prefix = prefixes[i % prefixes.len()];
            let opts = StreamOptions::new()
                .page_size(page)
                .size_prefix(prefix)
                .strategy(strategy)
                .dictionary(dictionary.clone())
                .end_marker(prefix != SizePrefix::OutOfBand && i % 3 == 0)
                .mode(lz4_stream::Mode::High { level });
            check_our_stream(&data, &opts, chunks);
        }
    }
}

/// The strict decoders can fail: the previous-block-only decoder rejects (or decodes other
/// bytes from) a ring stream whose blocks reach further back, and the window decoder one whose
/// blocks reach past its window; so passing them means something.
#[test]
fn strict_decoders_are_strict() {
    // Ten copies of the same 4000 random bytes, in pages of 1000: from the second copy on,
    // every block can only compress by referencing bytes 4000 back, three blocks before.
    let mut rng = Rng::new(9);
    let random: Vec<u8> = (0..4000).map(|_| rng.next() as u8).collect();
    let data = random.repeat(10);
    let opts = StreamOptions::new()
        .page_size(1000)
        .strategy(Strategy::RingBuffer { window: 65_536 });
    let lengths = chunk_lengths(Chunks::Full, data.len(), 1000);
    let (stream, sizes) = our_stream(&data, &opts, &lengths, false);
    assert!(
        stream.len() < 6000,
        "the ring writer did not reference older blocks"
    );
    let blocks = unframe(&stream, &opts, &sizes);
    check(
        "liblz4 ring",
        decode_with_layout(&blocks, 1000, b"", Layout::Ring(spec_ring(1000))),
        &data,
    );
    if let Ok(out) = decode_keeping_previous_block(&blocks, 1000, b"") {
        assert!(out != data, "the previous block sufficed");
    }
    if let Ok(out) = decode_keeping_window(&blocks, 1000, b"", 3999) {
        assert!(out != data, "a 3999-byte window sufficed");
    }
    // lzzzz's Decompressor is no ring decoder either: with 512-byte pages its `Vec`s hold 8 KiB,
    // and liblz4 sees only the current and the previous one, not bytes 30,000 back.
    let random: Vec<u8> = (0..30_000).map(|_| rng.next() as u8).collect();
    let far = random.repeat(2);
    let ring = opts.clone().page_size(512);
    let lengths_512 = chunk_lengths(Chunks::Full, far.len(), 512);
    let (stream, sizes) = our_stream(&far, &ring, &lengths_512, false);
    assert!(
        stream.len() < 32_000,
        "the ring writer did not reference 30,000 bytes back"
    );
    let blocks = unframe(&stream, &ring, &sizes);
    check(
        "liblz4 ring",
        decode_with_layout(&blocks, 512, b"", Layout::Ring(liblz4_min_ring(512))),
        &far,
    );
    if let Ok(out) = decode_with_lzzzz(&blocks, &lengths_512, b"") {
        assert!(out != far, "lzzzz's Decompressor decoded a ring stream");
    }
    // And our double-buffer writer does not reference block N-3: its stream is larger, and
    // decodes with the previous block only.
    let double = opts.clone().strategy(Strategy::DoubleBuffer);
    let (stream, sizes) = our_stream(&data, &double, &lengths, false);
    assert!(stream.len() > 30_000);
    let blocks = unframe(&stream, &double, &sizes);
    check(
        "previous block only",
        decode_keeping_previous_block(&blocks, 1000, b""),
        &data,
    );
}

// ---------------------------------------------------------------------------------------------
// (b) liblz4's streams, our decoders
// ---------------------------------------------------------------------------------------------

/// The liblz4 compressors of (b).
#[derive(Clone, Copy, Debug)]
enum Encoder {
    /// `lzzzz::lz4::Compressor`, at this acceleration.
    Lzzzz { acceleration: i32 },
    /// `lzzzz::lz4_hc::Compressor`, at this level.
    LzzzzHc { level: i32 },
    /// `LZ4_compress_*_continue` over the users' double buffer or ring (see `encoder_ring`).
    Layout { mode: Mode, ring: bool },
}

/// Compresses each chunk of `data` (cut as `lengths`) with `encoder`; returns the blocks.
fn liblz4_blocks(
    encoder: Encoder,
    data: &[u8],
    lengths: &[usize],
    page: usize,
    dictionary: &[u8],
) -> Vec<Vec<u8>> {
    let mut at = 0;
    let mut chunks = lengths.iter().map(|&len| {
        at += len;
        &data[at - len..at]
    });
    match encoder {
        Encoder::Lzzzz { acceleration } => {
            let mut compressor = if dictionary.is_empty() {
                lzzzz::lz4::Compressor::new()
            } else {
                lzzzz::lz4::Compressor::with_dict(dictionary)
            }
            .unwrap();
            chunks
                .by_ref()
                .map(|chunk| {
                    let mut block = Vec::new();
                    compressor
                        .next_to_vec(chunk, &mut block, acceleration)
                        .unwrap();
                    block
                })
                .collect()
        }
        Encoder::LzzzzHc { level } => {
            let mut compressor = if dictionary.is_empty() {
                let mut compressor = lzzzz::lz4_hc::Compressor::new().unwrap();
                compressor.set_compression_level(level);
                compressor
            } else {
                lzzzz::lz4_hc::Compressor::with_dict(dictionary, level).unwrap()
            };
            chunks
                .by_ref()
                .map(|chunk| {
                    let mut block = Vec::new();
                    compressor.next_to_vec(chunk, &mut block).unwrap();
                    block
                })
                .collect()
        }
        Encoder::Layout { mode, ring } => {
            let layout = if ring {
                Layout::Ring(encoder_ring(page))
            } else {
                Layout::Double
            };
            let mut encoder = LibEncoder::new(mode, layout, page, dictionary);
            chunks
                .by_ref()
                .map(|chunk| encoder.compress(chunk))
                .collect()
        }
    }
}

/// Checks that our reader and our sans-IO decompressor decode liblz4's blocks of `data`, framed
/// with `opts`, to `data`, block by block.
fn check_liblz4_stream(
    encoder: Encoder,
    data: &[u8],
    opts: &StreamOptions,
    chunks: Chunks,
) -> Result<(), String> {
    let page = opts.get_page_size();
    let dictionary = opts.get_dictionary();
    let lengths = chunk_lengths(chunks, data.len(), page);
    let blocks = liblz4_blocks(encoder, data, &lengths, page, dictionary);
    let what = format!(
        "{encoder:?}: page {page}, {:?}, dictionary {}, end marker {}, {chunks:?}",
        opts.get_size_prefix(),
        dictionary.len(),
        opts.get_end_marker()
    );
    decode_ours(&blocks, &lengths, data, opts).map_err(|err| format!("{what}: {err}"))
}

/// Frames `blocks` (of `lengths` decoded bytes each) with `opts` and decodes them with our
/// reader, and block by block with our sans-IO decompressor, comparing with `data`.
fn decode_ours(
    blocks: &[Vec<u8>],
    lengths: &[usize],
    data: &[u8],
    opts: &StreamOptions,
) -> Result<(), String> {
    let (stream, sizes) = frame(blocks, opts);
    let mut reader = match opts.get_size_prefix() {
        SizePrefix::OutOfBand => Lz4StreamReader::with_block_sizes(&stream[..], opts, sizes),
        _ => Lz4StreamReader::with_options(&stream[..], opts),
    }
    .map_err(|err| err.to_string())?;
    let mut out = Vec::new();
    reader
        .read_to_end(&mut out)
        .map_err(|err| format!("reader: {err}"))?;
    if out != data {
        return Err("the reader decoded other bytes".into());
    }
    if !reader.into_inner().is_empty() {
        return Err("the reader left bytes unread".into());
    }

    let mut decompressor = Decompressor::new(opts).unwrap();
    let mut at = 0;
    for (n, (block, &len)) in blocks.iter().zip(lengths).enumerate() {
        let bytes = decompressor
            .decompress(block)
            .map_err(|err| format!("sans-IO block {n}: {err}"))?;
        if bytes != &data[at..at + len] {
            return Err(format!("sans-IO block {n} decoded other bytes"));
        }
        at += len;
    }
    Ok(())
}

const ENCODERS: [Encoder; 7] = [
    Encoder::Lzzzz { acceleration: 1 },
    Encoder::Lzzzz { acceleration: 8 },
    Encoder::LzzzzHc { level: 9 },
    Encoder::Layout {
        mode: Mode::Fast { acceleration: 1 },
        ring: false,
    },
    Encoder::Layout {
        mode: Mode::Hc { level: 12 },
        ring: false,
    },
    Encoder::Layout {
        mode: Mode::Fast { acceleration: 1 },
        ring: true,
    },
    Encoder::Layout {
        mode: Mode::Hc { level: 9 },
        ring: true,
    },
];

/// liblz4's streams at pages 1 to 1 MiB, every prefix width, with and without dictionaries, in
/// full pages and random chunks (empty ones included where liblz4 is called directly), with and
/// without end markers, decode with our reader.
#[test]
fn liblz4_streams_decode_with_our_reader() {
    let dictionaries = dictionaries();
    let mut failures = Vec::new();
    for (p, page) in [1, 239, 941, 4096, 65_536, 1 << 20].into_iter().enumerate() {
        let prefixes = prefixes_for(page);
        for (e, encoder) in ENCODERS.into_iter().enumerate() {
            let slow = matches!(
                encoder,
                Encoder::LzzzzHc { .. }
                    | Encoder::Layout {
                        mode: Mode::Hc { .. },
                        ..
                    }
            );
            if page == 1 << 20 && (slow || e == 1) {
                continue; // keep the 1 MiB pages to the fast compressors
            }
            for (d, dictionary) in dictionaries.iter().enumerate() {
                let len = data_len(page).min(if slow { 100_000 } else { usize::MAX });
                let data = mixed_data(len, (p * 100 + e * 10 + d) as u64, dictionary);
                let direct = matches!(encoder, Encoder::Layout { .. });
                for (c, chunks) in [
                    Chunks::Full,
                    Chunks::Random {
                        seed: (e * 10 + d) as u64,
                        empty: direct,
                    },
                ]
                .into_iter()
                .enumerate()
                {
                    let prefix = prefixes[(e + d + c) % prefixes.len()];
                    let opts = StreamOptions::new()
                        .page_size(page)
                        .size_prefix(prefix)
                        .dictionary(dictionary.clone())
                        .end_marker(prefix != SizePrefix::OutOfBand && (e + c) % 2 == 0);
                    if let Err(err) = check_liblz4_stream(encoder, &data, &opts, chunks) {
                        failures.push(err);
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// liblz4's double-buffer encoder references the tail of block N-2 when block N is shorter
/// than block N-2 (SPEC 1.1): the previous-block-only decoder fails on such a stream, our
/// reader (which keeps 64 KiB) does not. This makes sure (b) covers that case.
#[test]
fn liblz4_double_buffer_streams_reach_block_n_minus_2() {
    // First pairs of blocks: a full page of fresh bytes, then a short block repeating its end
    // (block N-1); an even number of blocks, so the last three start in the first page again.
    let page = 4096;
    let mut rng = Rng::new(77);
    let mut data = Vec::new();
    let mut lengths = Vec::new();
    for _ in 0..20 {
        let fresh: Vec<u8> = (0..page).map(|_| rng.next() as u8).collect();
        data.extend_from_slice(&fresh);
        lengths.push(page);
        let again = fresh[page - 1000..].to_vec();
        data.extend_from_slice(&again);
        lengths.push(again.len());
    }
    // Two fresh pages in a row, then a short block copying the end of the first one (N-2).
    let first: Vec<u8> = (0..page).map(|_| rng.next() as u8).collect();
    let second: Vec<u8> = (0..page).map(|_| rng.next() as u8).collect();
    data.extend_from_slice(&first);
    data.extend_from_slice(&second);
    data.extend_from_slice(&first[page - 1000..]);
    lengths.extend([page, page, 1000]);

    let encoder = Encoder::Layout {
        mode: Mode::Fast { acceleration: 1 },
        ring: false,
    };
    let blocks = liblz4_blocks(encoder, &data, &lengths, page, b"");
    let last = blocks.last().unwrap();
    assert!(last.len() < 100, "liblz4 did not reference block N-2");
    let refs: Vec<&[u8]> = blocks.iter().map(Vec::as_slice).collect();
    assert!(
        decode_keeping_previous_block(&refs, page, b"") != Ok(data.clone()),
        "the previous block sufficed"
    );
    for prefix in [SizePrefix::U16, SizePrefix::OutOfBand] {
        let opts = StreamOptions::new().page_size(page).size_prefix(prefix);
        decode_ours(&blocks, &lengths, &data, &opts).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Random options and data (crate::common::Case): our writer's stream decodes with liblz4's decoders.
#[test]
fn prop_our_streams_decode_with_liblz4() {
    fn prop(case: crate::common::Case, seed: u64) -> TestResult {
        let page = case.opts.get_page_size();
        let len = crate::common::cap_blocks(case.data.len(), page, 300);
        let chunks = if seed % 2 == 0 {
            Chunks::Full
        } else {
            Chunks::Random { seed, empty: false }
        };
        check_our_stream(&case.data[..len], &case.opts, chunks);
        TestResult::passed()
    }
    crate::common::qc(30).quickcheck(prop as fn(crate::common::Case, u64) -> TestResult);
}

/// Random data, pages, prefixes, dictionaries and encoders: liblz4's stream decodes with ours.
#[test]
fn prop_liblz4_streams_decode_with_our_reader() {
    fn prop(case: crate::common::Case, seed: u64) -> TestResult {
        let mut g = Gen::new(100);
        let encoder = *g.choose(&ENCODERS).unwrap();
        let page = case.opts.get_page_size();
        let len = crate::common::cap_blocks(case.data.len(), page, 300);
        let chunks = Chunks::Random {
            seed,
            empty: matches!(encoder, Encoder::Layout { .. }),
        };
        match check_liblz4_stream(encoder, &case.data[..len], &case.opts, chunks) {
            Ok(()) => TestResult::passed(),
            Err(err) => TestResult::error(err),
        }
    }
    crate::common::qc(30).quickcheck(prop as fn(crate::common::Case, u64) -> TestResult);
}
