//! The decoder differential: one block, a history and a page size, decoded by ours (a
//! `Decompressor` whose dictionary is the history), by `lz4_flex` and by liblz4, and judged
//! against a reference decoder written from lz4's `doc/lz4_Block_format.md`.
//!
//! Shared by `tests/it/decode_differential.rs` and the fuzz target `decode_block` (which includes
//! this file by path), so it depends only on `lz4_stream`, `lz4_flex` and liblz4's symbols
//! (linked in through `lzzzz`), and declares what it needs of liblz4 itself.
//!
//! The peers, each given a page-sized destination:
//! - `lz4_flex`: `decompress_into_with_dict`, the history as the external dictionary;
//! - `liblz4 prefix`: `LZ4_decompress_safe_usingDict` into a page placed right after the
//!   history in one buffer (prefix mode, as liblz4's streaming users decode);
//! - `liblz4 ext-dict`: the same function with the history in a buffer of its own.
//!
//! The reference decoder decodes by the format's rules only and reports the first *defect*
//! (what makes a block invalid: a decoder must refuse it) or, for a valid block, which of the
//! format's *end-of-block conditions* it breaks (a conformant decoder "is allowed to reject"
//! such a block), and which of liblz4's rules on its buffers the block meets.
//!
//! The verdict ([`judge`]):
//! - a peer that refuses a valid block must do so by a rule named here: liblz4 by one of its
//!   buffer rules, and only on a block that breaks an end-of-block condition (`lz4_flex` has
//!   no such rule: it decodes every valid block);
//! - ours decodes: its bytes are the reference's (the block is valid), every peer that decodes
//!   gives the same bytes, and at least one peer decodes;
//! - ours refuses: always `InvalidData`, with a `Reason` that names one of the defects of the
//!   block's first defective sequence (`Malformed` for the block's own structure: cut short,
//!   literals past its end, offset 0). Fine when every peer refuses too; when a peer accepts,
//!   the block must be invalid by the format or break an end-of-block condition, and the
//!   verdict names the rule ("offset 0", "the last sequence has fewer than 5 literals", ...).
//!
//! Anything else is a failure, with a description to reproduce it. The rules that actually
//! show up (with liblz4 1.10, `lz4_flex` 0.14 and the crate's own decoder): liblz4 decodes
//! offset 0 (zeros, or what its buffer held), which ours and `lz4_flex` refuse; liblz4 refuses
//! blocks whose last sequence has fewer than 5 literals, or whose last match ends too close to
//! its buffer's end, which ours and `lz4_flex` decode; nothing else.
#![allow(dead_code)]

use std::fmt;
use std::io;
use std::os::raw::{c_char, c_int};

use lz4_stream::{Decompressor, Reason, StreamOptions};

/// liblz4's functions (1.10, compiled in by `lzzzz`'s build script) on caller-owned buffers.
pub mod ffi {
    use std::os::raw::{c_char, c_int, c_void};

    extern "C" {
        pub fn LZ4_versionNumber() -> c_int;
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
        pub fn LZ4_decompress_safe_usingDict(
            src: *const c_char,
            dst: *mut c_char,
            src_size: c_int,
            dst_capacity: c_int,
            dict_start: *const c_char,
            dict_size: c_int,
        ) -> c_int;
    }
}

/// What liblz4 writes into a destination before decoding, to see stale bytes if they show.
const STALE: u8 = 0xA5;

/// `LZ4_COMPRESSBOUND`, the longest block of a page (SPEC 1).
pub fn compress_bound(n: usize) -> usize {
    n + n / 255 + 16
}

/// What makes a block invalid: by the LZ4 block format, or by the stream format's limits
/// (SPEC 1, 4). A decoder must refuse it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Defect {
    /// A block of 0 bytes (the stream format: a block is at least its token).
    Empty,
    /// Longer than `compress_bound(page)` (the stream format's limit).
    TooLong,
    /// The block ends inside a sequence: in a length's extra bytes, in an offset, or right
    /// after a match (no last sequence of literals follows).
    Truncated,
    /// A literal run goes past the block's end.
    LiteralsPastEnd,
    /// A match with offset 0 ("0 is an invalid offset value").
    OffsetZero,
    /// A match reaching before the history.
    BeyondHistory,
    /// The block decodes to more than a page.
    PageOverflow,
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Defect::Empty => "an empty block",
            Defect::TooLong => "a block longer than compress_bound(page)",
            Defect::Truncated => "the block ends inside a sequence",
            Defect::LiteralsPastEnd => "a literal run past the block's end",
            Defect::OffsetZero => "offset 0",
            Defect::BeyondHistory => "a match beyond the history",
            Defect::PageOverflow => "decodes past the page",
        })
    }
}

/// liblz4's streaming fast compressor in prefix mode: `buf` holds `[dictionary | data]`
/// (`dict_len` bytes of dictionary); `LZ4_loadDict` on the dictionary (if any), then
/// `LZ4_compress_fast_continue` on each chunk in place, in order, each right after the previous
/// one in memory. `chunks` are the chunk lengths (summing to the data's length). Returns one
/// block per chunk.
pub fn liblz4_compress_prefix(
    buf: &[u8],
    dict_len: usize,
    chunks: &[usize],
    acceleration: i32,
) -> Vec<Vec<u8>> {
    assert!(buf.len() <= i32::MAX as usize);
    assert_eq!(dict_len + chunks.iter().sum::<usize>(), buf.len());
    let mut blocks = Vec::with_capacity(chunks.len());
    // SAFETY: the stream is created, used and freed here. Every source pointer covers the length
    // handed with it (a chunk of `buf`, the dictionary `buf[..dict_len]`), every destination
    // is a `Vec` of the capacity handed over; `buf` is neither moved nor changed while the
    // stream refers to it (until `LZ4_freeStream`).
    unsafe {
        let stream = ffi::LZ4_createStream();
        assert!(!stream.is_null());
        if dict_len > 0 {
            ffi::LZ4_loadDict(stream, buf.as_ptr() as *const c_char, dict_len as c_int);
        }
        let mut at = dict_len;
        for &len in chunks {
            let cap = compress_bound(len);
            let mut dst = vec![0u8; cap];
            let n = ffi::LZ4_compress_fast_continue(
                stream,
                buf.as_ptr().add(at) as *const c_char,
                dst.as_mut_ptr() as *mut c_char,
                len as c_int,
                cap as c_int,
                acceleration,
            );
            assert!(n > 0, "LZ4_compress_fast_continue failed ({n})");
            dst.truncate(n as usize);
            blocks.push(dst);
            at += len;
        }
        ffi::LZ4_freeStream(stream);
    }
    blocks
}

/// liblz4's streaming HC compressor at `level` in prefix mode: `buf` holds
/// `[dictionary | data]` (`dict_len` bytes of dictionary); `LZ4_loadDictHC` on the dictionary (if any), then
/// `LZ4_compress_HC_continue` on each chunk in place, in order, each right after the previous
/// one in memory. `chunks` are the chunk lengths (summing to the data's length). Returns one
/// block per chunk.
pub fn liblz4_hc_compress_prefix(
    buf: &[u8],
    dict_len: usize,
    chunks: &[usize],
    level: i32,
) -> Vec<Vec<u8>> {
    assert!(buf.len() <= i32::MAX as usize);
    assert_eq!(dict_len + chunks.iter().sum::<usize>(), buf.len());
    let mut blocks = Vec::with_capacity(chunks.len());
    // SAFETY: the stream is created, used and freed here. Every source pointer covers the length
    // handed with it (a chunk of `buf`, the dictionary `buf[..dict_len]`), every destination
    // is a `Vec` of the capacity handed over; `buf` is neither moved nor changed while the
    // stream refers to it (until `LZ4_freeStream`).
    unsafe {
        let stream = ffi::LZ4_createStreamHC();
        assert!(!stream.is_null());
        ffi::LZ4_resetStreamHC_fast(stream, level);
        if dict_len > 0 {
            ffi::LZ4_loadDictHC(stream, buf.as_ptr() as *const c_char, dict_len as c_int);
        }
        let mut at = dict_len;
        for &len in chunks {
            let cap = compress_bound(len);
            let mut dst = vec![0u8; cap];
            let n = ffi::LZ4_compress_HC_continue(
                stream,
                buf.as_ptr().add(at) as *const c_char,
                dst.as_mut_ptr() as *mut c_char,
                len as c_int,
                cap as c_int,
            );
            assert!(n > 0, "LZ4_compress_HC_continue failed ({n})");
            dst.truncate(n as usize);
            blocks.push(dst);
            at += len;
        }
        ffi::LZ4_freeStreamHC(stream);
    }
    blocks
}

/// The format's end-of-block conditions ("a conformant decoder is allowed to reject the block
/// as incorrect" when they are not respected).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Restriction {
    /// "The last 5 bytes of input are always literals": a block of more than one sequence
    /// whose last sequence has fewer than 5 literals.
    ShortLastLiterals,
    /// "The last match must start at least 12 bytes before the end of block."
    LateLastMatch,
    /// "The last sequence contains only literals": its token's match-length half is not 0
    /// (decoders stop after the literals and ignore it).
    MatchLengthInLastToken,
}

impl fmt::Display for Restriction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Restriction::ShortLastLiterals => "the last sequence has fewer than 5 literals",
            Restriction::LateLastMatch => "the last match starts less than 12 bytes before the end",
            Restriction::MatchLengthInLastToken => {
                "the last token has a match length (the last sequence must be literals only)"
            }
        })
    }
}

/// liblz4's own rules on its buffers (lz4.c, `LZ4_decompress_generic`), which refuse some
/// blocks that break an end-of-block condition, measured against a destination of one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BufferRule {
    /// A literal run that is not the last ends within 12 bytes (MFLIMIT) of the destination's
    /// end.
    LiteralsNearOutputEnd,
    /// A literal run that is not the last ends within 8 bytes of the block's end.
    LiteralsNearBlockEnd,
    /// A match ends within the destination's last 5 bytes (LASTLITERALS).
    MatchInLastFiveBytes,
    /// A match length's extra bytes end within 4 bytes of the block's end.
    MatchLengthNearBlockEnd,
}

impl fmt::Display for BufferRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BufferRule::LiteralsNearOutputEnd => {
                "a literal run followed by a match ends within 12 bytes of the destination's end"
            }
            BufferRule::LiteralsNearBlockEnd => {
                "a literal run followed by a match ends within 8 bytes of the block's end"
            }
            BufferRule::MatchInLastFiveBytes => "a match ends in the destination's last 5 bytes",
            BufferRule::MatchLengthNearBlockEnd => {
                "a match length's extra bytes end within 4 bytes of the block's end"
            }
        })
    }
}

/// What the reference decoder makes of a block.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The decoded bytes, or the first defect.
    pub result: Result<Vec<u8>, Defect>,
    /// Every defect of the first sequence that has one (`result`'s among them): a decoder
    /// may report any of them, depending on the order it checks a sequence's parts in.
    pub defects: Vec<Defect>,
    /// For a valid block, the end-of-block conditions it breaks.
    pub restrictions: Vec<Restriction>,
    /// liblz4's buffer rules the block meets (up to the defect, if any).
    pub buffer_rules: Vec<BufferRule>,
    /// Number of sequences decoded (the last one included).
    pub sequences: usize,
}

/// The positions of one sequence in a block, for mutations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sequence {
    /// The token's index.
    pub token: usize,
    /// Where the literals start, and how many.
    pub literals: usize,
    pub literal_len: usize,
    /// The offset's index (`None` for the last sequence).
    pub offset: Option<usize>,
    /// The output position where the sequence's match starts.
    pub match_at: usize,
}

/// Splits a well-formed block into its sequences (stops at the first thing that does not parse).
pub fn sequences(block: &[u8]) -> Vec<Sequence> {
    let mut out = Vec::new();
    let mut ip = 0;
    let mut op = 0;
    while ip < block.len() {
        let token = ip;
        ip += 1;
        let mut lit = (block[token] >> 4) as usize;
        if lit == 15 {
            let Some(extra) = extra_length(block, &mut ip) else {
                return out;
            };
            lit += extra;
        }
        let literals = ip;
        if ip + lit > block.len() {
            return out;
        }
        ip += lit;
        op += lit;
        if ip == block.len() {
            out.push(Sequence {
                token,
                literals,
                literal_len: lit,
                offset: None,
                match_at: op,
            });
            return out;
        }
        if ip + 2 > block.len() {
            return out;
        }
        let offset = ip;
        ip += 2;
        let mut ml = (block[token] & 15) as usize;
        if ml == 15 {
            let Some(extra) = extra_length(block, &mut ip) else {
                return out;
            };
            ml += extra;
        }
        out.push(Sequence {
            token,
            literals,
            literal_len: lit,
            offset: Some(offset),
            match_at: op,
        });
        op += ml + 4;
    }
    out
}

/// Reads the extra bytes of a length (each 255 asks for one more) from `block[*ip..]`; `None`
/// when the block ends inside them.
fn extra_length(block: &[u8], ip: &mut usize) -> Option<usize> {
    let mut sum = 0;
    loop {
        let b = *block.get(*ip)?;
        *ip += 1;
        sum += b as usize;
        if b != 255 {
            return Some(sum);
        }
    }
}

fn rule(trace: &mut Trace, rule: BufferRule) {
    if !trace.buffer_rules.contains(&rule) {
        trace.buffer_rules.push(rule);
    }
}

/// Decodes `block` by the format's rules alone, with `history` (all of it: a match may reach
/// any of it, within 65,535 bytes) before it, into at most `page` bytes.
pub fn reference_decode(block: &[u8], history: &[u8], page: usize) -> Trace {
    let mut trace = Trace {
        result: Err(Defect::Empty),
        defects: vec![Defect::Empty],
        restrictions: Vec::new(),
        buffer_rules: Vec::new(),
        sequences: 0,
    };
    if block.is_empty() {
        return trace;
    }
    if block.len() > compress_bound(page) {
        trace.result = Err(Defect::TooLong);
        trace.defects = vec![Defect::TooLong];
        return trace;
    }
    let len = block.len();
    let mut out: Vec<u8> = Vec::new();
    let mut ip = 0;
    let mut last_match = None;
    // The defects of the first sequence that has any (all of them: decoders check a
    // sequence's parts in different orders).
    let mut defects: Vec<Defect> = Vec::new();
    loop {
        let Some(&token) = block.get(ip) else {
            // The block ended right after a match.
            defects.push(Defect::Truncated);
            break;
        };
        ip += 1;
        trace.sequences += 1;
        let mut lit = (token >> 4) as usize;
        if lit == 15 {
            match extra_length(block, &mut ip) {
                Some(extra) => lit += extra,
                None => {
                    defects.push(Defect::Truncated);
                    break;
                }
            }
        }
        if out.len() + lit > page {
            defects.push(Defect::PageOverflow);
        }
        if lit > len - ip {
            defects.push(Defect::LiteralsPastEnd);
            break;
        }
        let literals = &block[ip..ip + lit];
        ip += lit;
        if ip == len {
            // The last sequence.
            if !defects.is_empty() {
                break;
            }
            out.extend_from_slice(literals);
            if trace.sequences > 1 && lit < 5 {
                trace.restrictions.push(Restriction::ShortLastLiterals);
            }
            if let Some(start) = last_match {
                if out.len() - start < 12 {
                    trace.restrictions.push(Restriction::LateLastMatch);
                }
            }
            if token & 15 != 0 {
                trace.restrictions.push(Restriction::MatchLengthInLastToken);
            }
            trace.defects = defects;
            trace.result = Ok(out);
            return trace;
        }
        let at = out.len() + lit;
        if at > page.saturating_sub(12) {
            rule(&mut trace, BufferRule::LiteralsNearOutputEnd);
        }
        if ip + 8 > len {
            rule(&mut trace, BufferRule::LiteralsNearBlockEnd);
        }
        if ip + 2 > len {
            defects.push(Defect::Truncated);
            break;
        }
        let offset = u16::from_le_bytes([block[ip], block[ip + 1]]) as usize;
        ip += 2;
        let mut ml = (token & 15) as usize;
        if ml == 15 {
            match extra_length(block, &mut ip) {
                Some(extra) => ml += extra,
                None => {
                    defects.push(Defect::Truncated);
                    break;
                }
            }
            if ip + 4 > len {
                rule(&mut trace, BufferRule::MatchLengthNearBlockEnd);
            }
        }
        ml += 4;
        if offset == 0 {
            defects.push(Defect::OffsetZero);
        } else if offset > at + history.len() {
            defects.push(Defect::BeyondHistory);
        }
        if at + ml > page && !defects.contains(&Defect::PageOverflow) {
            defects.push(Defect::PageOverflow);
        }
        if !defects.is_empty() {
            break;
        }
        out.extend_from_slice(literals);
        for i in 0..ml {
            let at = at + i;
            let byte = if offset > at {
                history[history.len() - (offset - at)]
            } else {
                out[at - offset]
            };
            out.push(byte);
        }
        last_match = Some(at);
        if out.len() > page.saturating_sub(5) {
            rule(&mut trace, BufferRule::MatchInLastFiveBytes);
        }
    }
    trace.result = Err(defects[0]);
    trace.defects = defects;
    trace
}

/// One decoder other than ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    Lz4Flex,
    Liblz4Prefix,
    Liblz4ExtDict,
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Peer::Lz4Flex => "lz4_flex",
            Peer::Liblz4Prefix => "liblz4 prefix",
            Peer::Liblz4ExtDict => "liblz4 ext-dict",
        })
    }
}

pub const PEERS: [Peer; 3] = [Peer::Lz4Flex, Peer::Liblz4Prefix, Peer::Liblz4ExtDict];

/// `peer`'s decoding of `block` with `history` into a page of `page` bytes; `None` when it
/// refuses.
pub fn peer_decode(peer: Peer, block: &[u8], history: &[u8], page: usize) -> Option<Vec<u8>> {
    match peer {
        Peer::Lz4Flex => {
            let mut out = vec![STALE; page];
            let n = lz4_flex::block::decompress_into_with_dict(block, &mut out, history).ok()?;
            out.truncate(n);
            Some(out)
        }
        Peer::Liblz4Prefix => {
            let mut buf = history.to_vec();
            buf.resize(history.len() + page, STALE);
            let (dict, dst) = buf.split_at_mut(history.len());
            // SAFETY: each pointer covers the length handed with it (`block`; the page `dst`;
            // the history `dict`, which ends where `dst` starts: prefix mode). liblz4's safe
            // decoder writes only inside `dst` and reads only `block` and the history.
            let n = unsafe {
                ffi::LZ4_decompress_safe_usingDict(
                    block.as_ptr() as *const c_char,
                    dst.as_mut_ptr() as *mut c_char,
                    to_int(block.len())?,
                    to_int(page)?,
                    dict.as_ptr() as *const c_char,
                    to_int(dict.len())?,
                )
            };
            let n = usize::try_from(n).ok()?;
            Some(dst[..n].to_vec())
        }
        Peer::Liblz4ExtDict => {
            let dict = history.to_vec();
            let mut dst = vec![STALE; page];
            // SAFETY: as above, with the dictionary in a buffer of its own.
            let n = unsafe {
                ffi::LZ4_decompress_safe_usingDict(
                    block.as_ptr() as *const c_char,
                    dst.as_mut_ptr() as *mut c_char,
                    to_int(block.len())?,
                    to_int(page)?,
                    dict.as_ptr() as *const c_char,
                    to_int(dict.len())?,
                )
            };
            let n = usize::try_from(n).ok()?;
            dst.truncate(n);
            Some(dst)
        }
    }
}

fn to_int(n: usize) -> Option<c_int> {
    c_int::try_from(n).ok()
}

/// Our decoding: a fresh `Decompressor` with `history` as its dictionary and pages of `page`.
pub fn ours_decode(
    block: &[u8],
    history: &[u8],
    page: usize,
) -> Result<Vec<u8>, lz4_stream::Error> {
    let opts = StreamOptions::new()
        .page_size(page)
        .dictionary(history.to_vec());
    let mut decompressor = Decompressor::new(&opts).expect("valid options");
    decompressor.decompress(block).map(<[u8]>::to_vec)
}

/// Everything the decoders made of one case.
#[derive(Debug)]
pub struct Outcome {
    pub ours: Result<Vec<u8>, lz4_stream::Error>,
    pub peers: Vec<(Peer, Option<Vec<u8>>)>,
    pub reference: Trace,
}

/// Decodes one case with ours, the peers and the reference.
pub fn run(block: &[u8], history: &[u8], page: usize) -> Outcome {
    Outcome {
        ours: ours_decode(block, history, page),
        peers: PEERS
            .iter()
            .map(|&peer| (peer, peer_decode(peer, block, history, page)))
            .collect(),
        reference: reference_decode(block, history, page),
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn peers_named(peers: &[Peer]) -> String {
    peers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Whether our reason names one of `defects` (`Malformed` stands for the defects of the
/// block's own structure).
fn reason_fits(reason: &Reason, defects: &[Defect]) -> bool {
    defects.iter().any(|defect| match (reason, defect) {
        (Reason::EmptyBlock, Defect::Empty)
        | (Reason::BlockTooLarge { .. }, Defect::TooLong)
        | (Reason::PageOverflow { .. }, Defect::PageOverflow)
        | (Reason::BeyondHistory, Defect::BeyondHistory) => true,
        (Reason::Malformed { .. }, defect) => matches!(
            defect,
            Defect::Truncated | Defect::LiteralsPastEnd | Defect::OffsetZero
        ),
        _ => false,
    })
}

/// Our reason, short: the variant, and the detail of `Malformed`.
fn reason_named(reason: &Reason) -> String {
    match reason {
        Reason::Malformed { detail } => format!("Malformed: {detail}"),
        Reason::PageOverflow { .. } => "PageOverflow".to_string(),
        Reason::BlockTooLarge { .. } => "BlockTooLarge".to_string(),
        other => format!("{other:?}"),
    }
}

/// Describes a case to reproduce it: the block in hex (up to 200 bytes), the history length and
/// the page.
pub fn describe(block: &[u8], history: &[u8], page: usize) -> String {
    let shown: Vec<String> = block.iter().take(200).map(|b| format!("{b:02x}")).collect();
    format!(
        "page {page}, history {} bytes, block of {} bytes: [{}{}]",
        history.len(),
        block.len(),
        shown.join(" "),
        if block.len() > 200 { " ..." } else { "" }
    )
}

/// The verdict on one case: `Ok(label)` names the agreement or the rule behind a
/// disagreement (for tallies); `Err(why)` is a failure.
pub fn judge(outcome: &Outcome) -> Result<String, String> {
    let reference = &outcome.reference;
    let accepted: Vec<Peer> = outcome
        .peers
        .iter()
        .filter(|(_, bytes)| bytes.is_some())
        .map(|(peer, _)| *peer)
        .collect();
    let refused: Vec<Peer> = outcome
        .peers
        .iter()
        .filter(|(_, bytes)| bytes.is_none())
        .map(|(peer, _)| *peer)
        .collect();

    // Peers that refuse a block the format calls valid: only by rules named here.
    if reference.result.is_ok() {
        for &peer in &refused {
            let explained = match peer {
                Peer::Lz4Flex => false,
                // liblz4 refuses valid blocks only by its buffer rules, and only blocks that
                // break an end-of-block condition.
                Peer::Liblz4Prefix | Peer::Liblz4ExtDict => {
                    !reference.buffer_rules.is_empty() && !reference.restrictions.is_empty()
                }
            };
            if !explained {
                return Err(format!(
                    "{peer} refuses a block the reference decodes (end-of-block conditions broken: \
                     [{}]; buffer rules met: [{}]): a rule the test does not know",
                    list(&reference.restrictions),
                    list(&reference.buffer_rules)
                ));
            }
        }
    }

    match &outcome.ours {
        Ok(bytes) => {
            match &reference.result {
                Ok(expected) if expected == bytes => {}
                Ok(expected) => {
                    return Err(format!(
                        "ours decodes to other bytes than the format says ({} bytes, expected {})",
                        bytes.len(),
                        expected.len()
                    ))
                }
                Err(defect) => {
                    return Err(format!(
                        "ours decodes a block the format calls invalid: {defect}"
                    ))
                }
            }
            for (peer, theirs) in &outcome.peers {
                if let Some(theirs) = theirs {
                    if theirs != bytes {
                        return Err(format!(
                            "{peer} decodes to other bytes than ours (and the format)"
                        ));
                    }
                }
            }
            if accepted.is_empty() {
                return Err("ours decodes a block that no peer decodes".to_string());
            }
            if refused.is_empty() {
                Ok("all decode, the same bytes".to_string())
            } else {
                Ok(format!(
                    "ours and {} decode; {} refuse: {} (end-of-block conditions broken: {})",
                    peers_named(&accepted),
                    peers_named(&refused),
                    list(&reference.buffer_rules),
                    list(&reference.restrictions)
                ))
            }
        }
        Err(err) => {
            if err.kind() != io::ErrorKind::InvalidData {
                return Err(format!(
                    "ours fails with {:?}, not InvalidData: {err}",
                    err.kind()
                ));
            }
            if !matches!(
                err.reason(),
                Reason::Malformed { .. }
                    | Reason::PageOverflow { .. }
                    | Reason::BeyondHistory
                    | Reason::EmptyBlock
                    | Reason::BlockTooLarge { .. }
            ) {
                return Err(format!("ours fails with an unexpected reason: {err}"));
            }
            let ours = reason_named(err.reason());
            if reference.result.is_err() && !reason_fits(err.reason(), &reference.defects) {
                return Err(format!(
                    "ours refuses with reason {ours}, which is none of the defects of the first \
                     defective sequence: [{}]",
                    list(&reference.defects)
                ));
            }
            match &reference.result {
                Err(defect) if accepted.is_empty() => {
                    Ok(format!("all refuse: {defect} (ours: {ours})"))
                }
                Err(defect) => Ok(format!(
                    "ours refuses ({ours}), {} accept{}: {defect} (invalid by the format)",
                    peers_named(&accepted),
                    if accepted.len() == 1 { "s" } else { "" },
                )),
                Ok(_) if reference.restrictions.is_empty() => Err(format!(
                    "ours refuses a block the format calls valid ({err}); {} decode it",
                    if accepted.is_empty() {
                        "no peer".to_string()
                    } else {
                        peers_named(&accepted)
                    }
                )),
                Ok(_) if accepted.is_empty() => Ok(format!(
                    "all refuse: {} (end-of-block condition; ours: {ours})",
                    list(&reference.restrictions)
                )),
                Ok(_) => Ok(format!(
                    "ours refuses ({ours}), {} accept{}: {} (an end-of-block condition: the \
                     format allows refusing)",
                    peers_named(&accepted),
                    if accepted.len() == 1 { "s" } else { "" },
                    list(&reference.restrictions)
                )),
            }
        }
    }
}

/// Runs and judges one case; a failure carries the case's description.
pub fn check(block: &[u8], history: &[u8], page: usize) -> Result<String, String> {
    let outcome = run(block, history, page);
    judge(&outcome).map_err(|why| {
        let ours = match &outcome.ours {
            Ok(bytes) => format!("decodes {} bytes", bytes.len()),
            Err(err) => format!("refuses: {err}"),
        };
        let peers: Vec<String> = outcome
            .peers
            .iter()
            .map(|(peer, bytes)| match bytes {
                Some(bytes) => format!("{peer} decodes {} bytes", bytes.len()),
                None => format!("{peer} refuses"),
            })
            .collect();
        let reference = match &outcome.reference.result {
            Ok(bytes) => format!(
                "valid, {} bytes, end-of-block conditions broken: [{}]",
                bytes.len(),
                list(&outcome.reference.restrictions)
            ),
            Err(defect) => format!("invalid: {defect}"),
        };
        format!(
            "{why}\n  {}\n  ours {ours}; {}; the format: {reference}",
            describe(block, history, page),
            peers.join(", ")
        )
    })
}
