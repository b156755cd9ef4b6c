//! The sans-IO compressor: one chunk in, one record out.
//!
//! [`Compressor`] turns each chunk of at most a page into one record (size prefix and LZ4
//! block), keeping the history the strategy allows the next block to reference (`FORMAT.md`,
//! "History"):
//!
//! - [`Strategy::DoubleBuffer`]: the previous block only (or, before the first block, the
//!   dictionary), as python-lz4 and liblz4's double-buffer users compress; their decoders keep
//!   no more.
//! - [`Strategy::RingBuffer`]: the last `window` bytes of the stream, across block boundaries.
//!
//! The chunk is copied into the page of a [`Window`], right after the history, and compressed
//! there by the crate's fast compressor ([`FastTable`]) or its HC compressor
//! ([`HcCompressor`]), as the [`Mode`] says. Either keeps its tables from block to block: the
//! history is hashed once, as it was compressed, never again per block. The tables hold
//! indexes (the stream's bytes numbered as the compressor numbers them: for the fast one as
//! liblz4 does, from 0, or from 64 KiB after a dictionary); knowing the index of the next byte
//! (`next`) maps them to whatever buffer holds the block and its history: the window, wherever
//! it has moved the history, or the caller's own memory. With a history of the last 64 KiB (a
//! ring of 65,536 bytes) the blocks are liblz4's `LZ4_compress_fast_continue`'s or
//! `LZ4_compress_HC_continue`'s, byte for byte.
//!
//! [`Lz4StreamWriter`] gathers its input straight into the page, which saves a copy; and with
//! the double buffer it compresses the pages of a large write where they lie, each with the
//! page before it in the caller's memory as its history
//! ([`compress_in_place`](Compressor::compress_in_place)), which saves copying them at all.
//!
//! [`Lz4StreamWriter`]: crate::Lz4StreamWriter

use crate::block::fast::FastTable;
use crate::block::hc::HcCompressor;
use crate::block::Matcher;
use crate::error::{Error, Reason};
use crate::options::{compress_bound, Mode, SizePrefix, Strategy, StreamOptions, WINDOW_SIZE};
use crate::record::write_prefix;
use crate::window::{grow, Window};

/// Compresses a stream one chunk at a time (python-lz4's `LZ4StreamCompressor.compress`).
///
/// ```
/// use lz4_stream::{Compressor, Decompressor, StreamOptions, SizePrefix};
///
/// let opts = StreamOptions::new().page_size(4096).size_prefix(SizePrefix::U16);
/// let mut compressor = Compressor::new(&opts)?;
/// let mut stream = Vec::new();
/// let record = compressor.compress(b"a first chunk; ", &mut stream)?;
/// assert_eq!(record, stream.len());
/// compressor.compress(b"a second chunk refers to the first chunk", &mut stream)?;
///
/// // A record is a 2-byte size prefix and the block it announces.
/// let first = u16::from_le_bytes([stream[0], stream[1]]) as usize;
/// let mut decompressor = Decompressor::new(&opts)?;
/// assert_eq!(decompressor.decompress(&stream[2..2 + first])?, b"a first chunk; ");
/// # Ok::<(), lz4_stream::Error>(())
/// ```
pub struct Compressor {
    /// The history and the page being compressed.
    window: Window,
    /// The block compressor and its tables, kept across blocks.
    table: Matcher,
    /// The index (the table's numbering of the stream's bytes) of the next byte to compress.
    next: u32,
    /// The length of the latest block (the double buffer's history, where it lies).
    latest: usize,
    /// How each record states its size.
    prefix: SizePrefix,
    /// The largest chunk.
    page_size: usize,
    /// `None` for the double buffer (only the previous block stays referable), else the ring's
    /// window.
    ring_window: Option<usize>,
    /// Blocks compressed so far, to number errors.
    blocks: u64,
}

impl Compressor {
    /// A compressor for `opts`. It compresses one chunk per call, on the caller's thread
    /// (`threads` does not apply).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the options break a writer's rules ([`StreamOptions::validate`]).
    pub fn new(opts: &StreamOptions) -> Result<Compressor, Error> {
        opts.check_writer()?;
        let ring_window = match opts.get_strategy() {
            Strategy::DoubleBuffer => None,
            Strategy::RingBuffer { window } => Some(window),
        };
        let mut table = matcher_for(opts.get_mode());
        // As liblz4's LZ4_loadDict: a dictionary too short to hash is not used, but any
        // dictionary makes the fast compressor's indexes start at 64 KiB.
        let mut dictionary = opts.dictionary_window();
        if dictionary.len() < table.min_dictionary() {
            dictionary = &[];
        }
        let first_index = table.first_index(!opts.get_dictionary().is_empty());
        let mut window = Window::new(
            opts.get_page_size(),
            dictionary,
            ring_window.unwrap_or(WINDOW_SIZE),
        );
        table.load_dictionary(dictionary, first_index - dictionary.len() as u32);
        window.make_room();
        Ok(Compressor {
            window,
            table,
            next: first_index,
            latest: dictionary.len(),
            prefix: opts.get_size_prefix(),
            page_size: opts.get_page_size(),
            ring_window,
            blocks: 0,
        })
    }

    /// Compresses `chunk` (at most a page) as the next block and appends its record (the size
    /// prefix, then the block; with [`SizePrefix::OutOfBand`] the bare block) to `out`.
    /// Returns the number of bytes appended.
    ///
    /// An empty chunk gives the 1-byte block `00`, which decodes to nothing (as in python-lz4
    /// and liblz4).
    ///
    /// # Errors
    ///
    /// A chunk longer than the page is `InvalidInput` ([`Reason::ChunkTooLong`]), and changes
    /// nothing.
    pub fn compress(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<usize, Error> {
        if chunk.len() > self.page_size {
            return Err(Error::at_block(
                Reason::ChunkTooLong {
                    len: chunk.len(),
                    page_size: self.page_size,
                },
                self.blocks,
            ));
        }
        self.page_room(0, chunk.len())?[..chunk.len()].copy_from_slice(chunk);
        let at = out.len();
        grow(out, at + self.prefix.width() + compress_bound(chunk.len()))?;
        let result = self.compress_page(chunk.len(), &mut out[at..]);
        out.truncate(at + *result.as_ref().unwrap_or(&0));
        result
    }

    /// The largest record [`compress_page`](Self::compress_page) may need room for: the prefix
    /// and `compress_bound(page_size)`.
    pub(crate) fn record_bound(&self) -> usize {
        self.prefix.width() + compress_bound(self.page_size)
    }

    /// The page after its first `filled` bytes, for the writer to gather input into, with room
    /// for at least `want` bytes (or the rest of the page, if less): the window grows with the
    /// input, not with the page size.
    ///
    /// # Errors
    ///
    /// `OutOfMemory` if the window cannot grow.
    pub(crate) fn page_room(&mut self, filled: usize, want: usize) -> Result<&mut [u8], Error> {
        let room = self.page_size.min(filled.saturating_add(want));
        self.window
            .reserve(room)
            .map_err(|err| Error::at_block(err.reason().clone(), self.blocks))?;
        Ok(&mut self.window.page_mut()[filled..])
    }

    /// Compresses the first `len` bytes of the page into `dst` (at least the prefix and
    /// `compress_bound(len)` long) as one record; returns the record's length.
    pub(crate) fn compress_page(&mut self, len: usize, dst: &mut [u8]) -> Result<usize, Error> {
        let (buf, start, end) = self.window.buffer();
        let size = compress_record(
            &mut self.table,
            &mut self.next,
            self.prefix,
            (buf, start, end, end + len),
            dst,
            self.blocks,
        )?;
        self.window.commit(len, self.ring_window.unwrap_or(len));
        self.window.make_room();
        self.latest = len;
        self.blocks += 1;
        Ok(size)
    }

    /// Whether [`compress_in_place`](Self::compress_in_place) may be used: with the double
    /// buffer only, whose blocks reference nothing but the block before them.
    pub(crate) fn can_compress_in_place(&self) -> bool {
        self.ring_window.is_none()
    }

    /// Double buffer only: compresses `buf[start..start + len]` (at most a page) where it lies,
    /// as the next block, into `dst` as one record; returns the record's length. The latest
    /// block must lie right before it in `buf` (the caller compressed it last, through the page
    /// or here), since it is the history.
    ///
    /// This saves the writer the copy of large writes into the page, but leaves the window's
    /// history behind: [`remember`](Self::remember) the last such block before anything else.
    pub(crate) fn compress_in_place(
        &mut self,
        buf: &[u8],
        start: usize,
        len: usize,
        dst: &mut [u8],
    ) -> Result<usize, Error> {
        debug_assert!(self.can_compress_in_place() && len <= self.page_size);
        let low = start - self.latest.min(WINDOW_SIZE);
        let size = compress_record(
            &mut self.table,
            &mut self.next,
            self.prefix,
            (buf, low, start, start + len),
            dst,
            self.blocks,
        )?;
        self.latest = len;
        self.blocks += 1;
        Ok(size)
    }

    /// Makes `block`, the latest block given to [`compress_in_place`](Self::compress_in_place),
    /// the window's history: its last 64 KiB.
    pub(crate) fn remember(&mut self, block: &[u8]) {
        debug_assert_eq!(block.len(), self.latest);
        self.window.replace_history(block);
    }

    /// The page size: the longest chunk [`compress`](Self::compress) takes.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// How records state their block's size.
    pub fn size_prefix(&self) -> SizePrefix {
        self.prefix
    }

    /// The number of blocks compressed so far.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressor")
            .field("page_size", &self.page_size)
            .field("prefix", &self.prefix)
            .field("ring_window", &self.ring_window)
            .field("blocks", &self.blocks)
            .finish_non_exhaustive()
    }
}

/// The block compressor of `mode` (valid), with empty tables.
pub(crate) fn matcher_for(mode: Mode) -> Matcher {
    match mode {
        Mode::Fast { acceleration } => Matcher::Fast(FastTable::new(acceleration)),
        Mode::High { level } => Matcher::High(HcCompressor::new(level)),
    }
}

/// Compresses `buf[start..end]` as one block, with `buf[low..start]` as its history and
/// `next` the index of `buf[start]` (advanced past the block), into `dst` as one record (the
/// prefix, then the block); returns the record's length.
///
/// Fails only if a block of this length might not fit the prefix, which the options' rules
/// exclude; the check stays in release builds, since a wrong prefix would corrupt the stream,
/// and comes first, so a failure changes nothing.
fn compress_record(
    table: &mut Matcher,
    next: &mut u32,
    prefix: SizePrefix,
    (buf, low, start, end): (&[u8], usize, usize, usize),
    dst: &mut [u8],
    blocks: u64,
) -> Result<usize, Error> {
    let bound = compress_bound(end - start);
    if bound > prefix.max_block_size() {
        let reason = Reason::PrefixTooNarrow {
            width: prefix.width(),
            page_size: end - start,
            bound,
        };
        return Err(Error::at_block(reason, blocks));
    }
    *next = next.wrapping_sub(table.rebase_for(*next, end - start));
    let base = next.wrapping_sub(start as u32);
    let width = prefix.width();
    let size = table.compress(buf, base, low, start, end, &mut dst[width..]);
    write_prefix(prefix, size, dst);
    *next = next.wrapping_add((end - start) as u32);
    Ok(width + size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decompressor;

    /// A block that might not fit the prefix is refused before anything changes (the options'
    /// rules exclude it, so the prefix is narrowed behind their back here): the same compressor
    /// then goes on with a chunk that fits, and its stream decodes.
    #[test]
    fn blocks_the_prefix_cannot_hold_are_refused_before_compressing() {
        let opts = StreamOptions::new()
            .page_size(1000)
            .size_prefix(SizePrefix::U16);
        let mut compressor = Compressor::new(&opts).unwrap();
        compressor.prefix = SizePrefix::U8;
        let mut stream = Vec::new();
        compressor.compress(b"some text, ", &mut stream).unwrap();
        let err = compressor.compress(&[b'x'; 240], &mut stream).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(matches!(
            err.reason(),
            Reason::PrefixTooNarrow {
                width: 1,
                bound: 256,
                ..
            }
        ));
        assert_eq!((err.block(), compressor.blocks()), (Some(1), 1));
        compressor
            .compress(b"some text, again", &mut stream)
            .unwrap();
        let mut decompressor = Decompressor::new(&opts).unwrap();
        let first = stream[0] as usize;
        assert_eq!(
            decompressor.decompress(&stream[1..1 + first]).unwrap(),
            b"some text, "
        );
        let second = &stream[2 + first..];
        assert_eq!(second.len(), stream[1 + first] as usize);
        assert_eq!(
            decompressor.decompress(second).unwrap(),
            b"some text, again"
        );
    }

    /// Indexes that would pass 2 GiB are rebased (as liblz4 does after 2 GiB of stream): the
    /// table and `base` move down together, and the blocks still decode, across the rebase and
    /// after it, with matches reaching back over it.
    #[test]
    fn indexes_are_rebased_before_2_gib() {
        let modes = [
            Mode::Fast { acceleration: 1 },
            Mode::High { level: 2 },
            Mode::High { level: 9 },
            Mode::High { level: 12 },
        ];
        for (strategy, mode) in [
            Strategy::DoubleBuffer,
            Strategy::RingBuffer { window: 65_536 },
        ]
        .into_iter()
        .flat_map(|strategy| modes.map(|mode| (strategy, mode)))
        {
            let opts = StreamOptions::new()
                .page_size(10_000)
                .strategy(strategy)
                .mode(mode);
            let mut compressor = Compressor::new(&opts).unwrap();
            // Pretend 2 GiB minus 50,000 bytes of stream came before.
            compressor.next = 0x8000_0000 - 50_000;
            let data: Vec<u8> = (0..200_000u32)
                .map(|i| (i % 251) as u8 ^ (i / 7919) as u8)
                .collect();
            // HC numbers a stream's bytes from 128 Ki and rebases by multiples of 64 Ki,
            // keeping every entry within reach: its blocks are those of a stream that never
            // rebased. (The fast compressor's first blocks may differ: from index 0, an empty
            // entry points at the stream's first byte, as in liblz4.)
            let mut unshifted = Compressor::new(&opts).unwrap();
            let mut decompressor = Decompressor::new(&opts).unwrap();
            let mut decoded = Vec::new();
            let mut stream = 0;
            for chunk in data.chunks(10_000) {
                let mut record = Vec::new();
                compressor.compress(chunk, &mut record).unwrap();
                if let Mode::High { .. } = mode {
                    let mut expected = Vec::new();
                    unshifted.compress(chunk, &mut expected).unwrap();
                    assert!(record == expected, "{strategy:?} {mode:?}");
                }
                stream += record.len();
                decoded.extend_from_slice(decompressor.decompress(&record[4..]).unwrap());
            }
            assert!(decoded == data, "{strategy:?} {mode:?}");
            assert!(
                stream < data.len() / 4,
                "{strategy:?} {mode:?}: matches were found"
            );
            let next = compressor.next;
            assert!(
                (65_536 + 10_000..0x8000_0000).contains(&next),
                "{strategy:?} {mode:?}: {next:#x}"
            );
        }
    }
}
