//! Stream options and the rules they must obey.
//!
//! Both ends of a stream must agree on the page size (or the reader's may be larger), the size
//! prefix width, the initial dictionary and whether an end marker closes the stream; the
//! strategy only shapes what the writer lets blocks reference. [`StreamOptions`] holds them as a
//! builder. [`StreamOptions::validate`] checks every rule; each constructor checks the rules its
//! own side needs (a reader does not care whether a writer's prefix could hold the largest
//! block, only that every block it meets fits the page).

use crate::error::{Error, Reason};

/// The largest page size: liblz4's `LZ4_MAX_INPUT_SIZE`.
pub const MAX_PAGE_SIZE: usize = 0x7E00_0000;

/// How far back an LZ4 match can reach, and so how much history a stream keeps: 64 KiB.
pub const WINDOW_SIZE: usize = 65_536;

/// The largest LZ4 block that `n` bytes can compress to: liblz4's `LZ4_COMPRESSBOUND`.
///
/// ```
/// assert_eq!(lz4_stream::compress_bound(65_536), 65_536 + 257 + 16);
/// assert_eq!(lz4_stream::compress_bound(239), 255); // the largest page a 1-byte prefix allows
/// ```
pub const fn compress_bound(n: usize) -> usize {
    n + n / 255 + 16
}

/// Whether the buffers of a page of `page_size` bytes can exist on a target whose largest
/// allocation is `max` bytes (`isize::MAX`): a window (64 KiB of history, the page, up to 1 MiB
/// of spare room) and a record of `compress_bound(page_size)`. A 32-bit target cannot give the
/// largest pages.
fn buffers_fit(page_size: usize, max: usize) -> bool {
    let window = page_size.checked_add(WINDOW_SIZE + (1 << 20));
    let record = page_size.checked_add(page_size / 255 + 16 + 4);
    matches!((window, record), (Some(w), Some(r)) if w <= max && r <= max)
}

/// How each record states the size of its block (python-lz4's `store_comp_size`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SizePrefix {
    /// No prefix: the application keeps the block sizes elsewhere
    /// (see [`Lz4StreamReader::with_block_sizes`](crate::Lz4StreamReader::with_block_sizes)).
    OutOfBand,
    /// One byte: pages up to 239 bytes.
    U8,
    /// Two bytes, little-endian: pages up to 65,264 bytes.
    U16,
    /// Four bytes, little-endian (the default).
    #[default]
    U32,
}

impl SizePrefix {
    /// The prefix for a width in bytes (0, 1, 2 or 4), as python-lz4's `store_comp_size` names it.
    ///
    /// ```
    /// use lz4_stream::SizePrefix;
    /// assert_eq!(SizePrefix::from_width(2), Some(SizePrefix::U16));
    /// assert_eq!(SizePrefix::from_width(3), None);
    /// ```
    pub fn from_width(width: usize) -> Option<SizePrefix> {
        match width {
            0 => Some(SizePrefix::OutOfBand),
            1 => Some(SizePrefix::U8),
            2 => Some(SizePrefix::U16),
            4 => Some(SizePrefix::U32),
            _ => None,
        }
    }

    /// The width of the prefix in bytes.
    pub fn width(self) -> usize {
        match self {
            SizePrefix::OutOfBand => 0,
            SizePrefix::U8 => 1,
            SizePrefix::U16 => 2,
            SizePrefix::U32 => 4,
        }
    }

    /// The largest block size a writer may announce with this prefix. Four-byte prefixes stop
    /// at `i32::MAX`, since liblz4 and python-lz4 read them as signed sizes.
    pub fn max_block_size(self) -> usize {
        match self {
            SizePrefix::U8 => u8::MAX as usize,
            SizePrefix::U16 => u16::MAX as usize,
            SizePrefix::U32 | SizePrefix::OutOfBand => i32::MAX as usize,
        }
    }
}

/// What history the writer lets each block reference (`FORMAT.md` in the repository,
/// "History"). Readers decode both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Block N references the bytes of block N-1 (its last 64 KiB) and nothing older; block 0
    /// the initial dictionary. Every double-buffer decoder (python-lz4's, liblz4's
    /// `blockStreaming_doubleBuffer` pattern) decodes it. The default.
    #[default]
    DoubleBuffer,
    /// Block N references the last `window` bytes of the stream before it, across any number of
    /// blocks (the initial dictionary counts as bytes before the first block): better
    /// compression for short blocks. A liblz4 decoder whose ring holds at least
    /// `64 KiB + 8 + 2 * page_size` bytes decodes it; python-lz4 does not.
    ///
    /// The window counts the bytes before the block: a match late in a block may reach
    /// `window` bytes before the block's start, so its offset can exceed `window`.
    RingBuffer {
        /// How many bytes of history blocks may reference, at most [`WINDOW_SIZE`].
        window: usize,
    },
}

/// How the writer compresses (python-lz4's `mode`): a writer-side option that readers ignore.
///
/// # Errors
///
/// An acceleration outside `1..=MAX_ACCELERATION` or a level outside `1..=MAX_HC_LEVEL` makes
/// [`StreamOptions::validate`] and every constructor fail with `InvalidInput`
/// ([`Reason::Acceleration`], [`Reason::Level`]): readers ignore the mode, but not a mistake in
/// it.
///
/// ```
/// use lz4_stream::{Mode, StreamOptions};
///
/// // python-lz4's LZ4StreamCompressor(..., mode="fast", acceleration=8)
/// let opts = StreamOptions::new().mode(Mode::Fast { acceleration: 8 });
/// opts.validate()?;
/// assert_eq!(opts.get_mode(), Mode::Fast { acceleration: 8 });
///
/// // liblz4 clamps an acceleration of 0 to 1; here it is a mistake.
/// let err = StreamOptions::new().mode(Mode::Fast { acceleration: 0 }).validate().unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
///
/// // python-lz4's LZ4StreamCompressor(..., mode="high_compression", compression_level=9)
/// let opts = StreamOptions::new().mode(Mode::High { level: 9 });
/// opts.validate()?;
///
/// // liblz4 maps level 0 to 9 and 13 to 12; here both are mistakes.
/// for level in [0, 13] {
///     let err = StreamOptions::new().mode(Mode::High { level }).validate().unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// }
/// # Ok::<(), lz4_stream::Error>(())
/// ```
///
/// HC compresses smaller, and any reader decodes it:
///
/// ```
/// use std::io::{Read, Write};
/// use lz4_stream::{Lz4StreamReader, Lz4StreamWriter, Mode, StreamOptions};
///
/// let text: Vec<u8> = (0..20_000u32).flat_map(|i| format!("{} ", i % 997).into_bytes()).collect();
/// let compress = |mode| -> std::io::Result<Vec<u8>> {
///     let opts = StreamOptions::new().mode(mode);
///     let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts)?;
///     writer.write_all(&text)?;
///     Ok(writer.finish()?)
/// };
/// let fast = compress(Mode::Fast { acceleration: 1 })?;
/// let high = compress(Mode::High { level: 9 })?;
/// assert!(high.len() < fast.len());
///
/// let mut decoded = Vec::new();
/// Lz4StreamReader::new(&high[..]).read_to_end(&mut decoded)?;
/// assert_eq!(decoded, text);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// liblz4's fast compressor (`LZ4_compress_fast_continue`). `acceleration` in
    /// `1..=MAX_ACCELERATION` trades ratio for speed as in liblz4: the search skips ahead
    /// faster through bytes that do not match. 1 (the default) is python-lz4's
    /// `mode="default"`; any value is its `mode="fast", acceleration=N`.
    Fast {
        /// liblz4's acceleration, `1..=MAX_ACCELERATION`.
        acceleration: u32,
    },
    /// liblz4's high-compression compressor (`LZ4_compress_HC_continue`) at `level`,
    /// `1..=MAX_HC_LEVEL`, with liblz4 1.10's meaning of each level: 1 and 2 a light matcher
    /// (two hash tables), 3 to 9 hash chains searching 4, 8, .. 256 candidates, 10 to 12 an
    /// optimal parser. python-lz4's `mode="high_compression", compression_level=level`; liblz4
    /// and python-lz4 default to 9.
    High {
        /// The level, `1..=MAX_HC_LEVEL`.
        level: u32,
    },
}

impl Default for Mode {
    fn default() -> Self {
        Mode::Fast { acceleration: 1 }
    }
}

/// The highest level of [`Mode::High`]: liblz4's `LZ4HC_CLEVEL_MAX`.
pub const MAX_HC_LEVEL: u32 = 12;

/// The largest acceleration of [`Mode::Fast`]: liblz4's `LZ4_ACCELERATION_MAX`.
pub const MAX_ACCELERATION: u32 = 65_537;

/// The options of a stream: page size, size prefix, strategy, dictionary, end marker, and the
/// writer's compression mode.
///
/// ```
/// use lz4_stream::{SizePrefix, StreamOptions, Strategy};
///
/// let opts = StreamOptions::new()
///     .page_size(8192)
///     .size_prefix(SizePrefix::U16)
///     .strategy(Strategy::RingBuffer { window: 65_536 })
///     .dictionary(b"a shared dictionary".to_vec())
///     .end_marker(true);
/// opts.validate()?;
/// assert_eq!(opts.get_page_size(), 8192);
///
/// // A one-byte prefix cannot announce the blocks of a 64 KiB page.
/// let err = StreamOptions::new().size_prefix(SizePrefix::U8).validate().unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// # Ok::<(), lz4_stream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StreamOptions {
    page_size: usize,
    size_prefix: SizePrefix,
    strategy: Strategy,
    dictionary: Vec<u8>,
    end_marker: bool,
    mode: Mode,
    threads: usize,
    max_idle_input: u64,
}

/// The default of [`StreamOptions::max_idle_input`]: 1 MiB.
pub const DEFAULT_MAX_IDLE_INPUT: u64 = 1 << 20;

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            page_size: 65_536,
            size_prefix: SizePrefix::U32,
            strategy: Strategy::DoubleBuffer,
            dictionary: Vec::new(),
            end_marker: false,
            mode: Mode::default(),
            threads: 1,
            max_idle_input: DEFAULT_MAX_IDLE_INPUT,
        }
    }
}

impl StreamOptions {
    /// The defaults: 64 KiB pages, 4-byte prefixes, double buffer, no dictionary, no end marker,
    /// `Mode::Fast { acceleration: 1 }`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page size: the largest number of uncompressed bytes in one block
    /// (python-lz4's `buffer_size`), in `1..=MAX_PAGE_SIZE`.
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size;
        self
    }

    /// Sets how records state their block's size.
    pub fn size_prefix(mut self, size_prefix: SizePrefix) -> Self {
        self.size_prefix = size_prefix;
        self
    }

    /// Sets the writer's buffer strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the initial dictionary: bytes both ends pretend came before the stream. Only its
    /// last 64 KiB matter.
    pub fn dictionary(mut self, dictionary: impl Into<Vec<u8>>) -> Self {
        self.dictionary = dictionary.into();
        self
    }

    /// With `true`, the writer ends the stream with a zero size prefix and the reader requires
    /// one (input that ends without it is truncated). Without, the reader still stops at one.
    pub fn end_marker(mut self, end_marker: bool) -> Self {
        self.end_marker = end_marker;
        self
    }

    /// Sets how the writer compresses (default: `Mode::Fast { acceleration: 1 }`). Readers
    /// ignore it (every mode writes the same format), but refuse one out of range, as every
    /// constructor refuses an invalid option.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The writer's compression mode.
    pub fn get_mode(&self) -> Mode {
        self.mode
    }

    /// Sets how many threads [`Lz4StreamWriter`](crate::Lz4StreamWriter) compresses on
    /// (default 1; 0 is `InvalidInput` from every constructor). A writer-side option that readers
    /// ignore.
    ///
    /// With `n >= 2` the writer gathers consecutive pages into jobs of up to 256 KiB (at least
    /// one page; a flush ends a job), and hands each job, with a copy of the history its first
    /// page may reference, to a pool of `n` threads. A thread compresses the job's pages with
    /// tables loaded from that history alone, and the writer writes the records in order. The
    /// stream is the same for every `n >= 2` and any scheduling, and every decoder reads it; it
    /// may differ a little from `threads(1)`'s, whose tables are kept across every block (HC's
    /// are the same with the double buffer, since it loads every position of the history). At
    /// most `2n` jobs and their records are in flight: a slow inner writer makes the writer
    /// wait. [`Compressor`](crate::Compressor), one chunk per call, ignores the option.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use lz4_stream::{Lz4StreamReader, Lz4StreamWriter, Mode, StreamOptions};
    ///
    /// let opts = StreamOptions::new().mode(Mode::High { level: 9 }).threads(2);
    /// let data: Vec<u8> = (0..300_000u32).flat_map(|i| (i % 1009).to_le_bytes()).collect();
    /// let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts)?;
    /// writer.write_all(&data)?;
    /// let stream = writer.finish()?;
    ///
    /// let mut decoded = Vec::new();
    /// Lz4StreamReader::new(&stream[..]).read_to_end(&mut decoded)?;
    /// assert!(decoded == data);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// How many threads the writer compresses on.
    pub fn get_threads(&self) -> usize {
        self.threads
    }

    /// Sets how many compressed bytes of consecutive records that decode to nothing (empty
    /// blocks) a reader takes before it gives up on the stream (default
    /// [`DEFAULT_MAX_IDLE_INPUT`], 1 MiB). A reader-side option that writers ignore.
    ///
    /// An empty block (a record whose block decodes to no byte) is valid, and peers write
    /// some, but a stream of nothing else would keep a reader's `read` taking input forever
    /// without returning (5 bytes a record, 200 MB/s): no deadline on the caller's side could
    /// act. Past this bound the reader fails with [`Reason::Idle`](crate::Reason::Idle)
    /// (`InvalidData`), so every call returns after a bounded amount of input. `u64::MAX`
    /// turns the bound off.
    ///
    /// ```
    /// use std::io::Read;
    /// use lz4_stream::{Lz4StreamReader, Reason, StreamOptions};
    ///
    /// // Empty records without end: a 1-byte block, 0x00, which decodes to nothing.
    /// let endless = [1u8, 0, 0, 0, 0].repeat(10_000);
    /// let opts = StreamOptions::new().max_idle_input(4096);
    /// let mut reader = Lz4StreamReader::with_options(&endless[..], &opts)?;
    /// let err = reader.read(&mut [0; 100]).unwrap_err();
    /// let reason = err.get_ref().unwrap().downcast_ref::<lz4_stream::Error>().unwrap().reason();
    /// assert!(matches!(reason, Reason::Idle { .. }));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn max_idle_input(mut self, bytes: u64) -> Self {
        self.max_idle_input = bytes;
        self
    }

    /// The bound on compressed bytes that decode to nothing (see
    /// [`max_idle_input`](Self::max_idle_input)).
    pub fn get_max_idle_input(&self) -> u64 {
        self.max_idle_input
    }

    /// The page size.
    pub fn get_page_size(&self) -> usize {
        self.page_size
    }

    /// The size prefix.
    pub fn get_size_prefix(&self) -> SizePrefix {
        self.size_prefix
    }

    /// The writer's strategy.
    pub fn get_strategy(&self) -> Strategy {
        self.strategy
    }

    /// The initial dictionary, whole (not only the last 64 KiB that matter).
    pub fn get_dictionary(&self) -> &[u8] {
        &self.dictionary
    }

    /// Whether the stream ends with an end marker.
    pub fn get_end_marker(&self) -> bool {
        self.end_marker
    }

    /// The last 64 KiB of the dictionary: all that blocks can reach.
    pub(crate) fn dictionary_window(&self) -> &[u8] {
        let skip = self.dictionary.len().saturating_sub(WINDOW_SIZE);
        &self.dictionary[skip..]
    }

    /// Checks every rule, those of the writer and of the reader.
    ///
    /// # Errors
    ///
    /// `InvalidInput`, with the [`Reason`]: a page size out of range ([`Reason::PageSize`]), a
    /// prefix too narrow for the page's largest block ([`Reason::PrefixTooNarrow`]; readers
    /// accept it), a ring window over 64 KiB ([`Reason::Window`]), an acceleration or level out
    /// of range ([`Reason::Acceleration`], [`Reason::Level`]), `threads(0)`
    /// ([`Reason::Threads`]), an end marker with out-of-band sizes
    /// ([`Reason::EndMarkerWithoutPrefix`]).
    pub fn validate(&self) -> Result<(), Error> {
        self.check_writer()?;
        self.check_reader()
    }

    /// The rules both ends share: every option valid (a reader refuses a writer-side option
    /// out of range too, so that options are refused or accepted alike everywhere), the page
    /// size buildable, an end marker only with prefixes.
    fn check_common(&self) -> Result<(), Error> {
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size)
            || !buffers_fit(self.page_size, isize::MAX as usize)
        {
            return Err(Error::new(Reason::PageSize {
                page_size: self.page_size,
            }));
        }
        if self.end_marker && self.size_prefix == SizePrefix::OutOfBand {
            return Err(Error::new(Reason::EndMarkerWithoutPrefix));
        }
        if let Strategy::RingBuffer { window } = self.strategy {
            if window > WINDOW_SIZE {
                return Err(Error::new(Reason::Window { window }));
            }
        }
        if self.threads == 0 {
            return Err(Error::new(Reason::Threads));
        }
        match self.mode {
            Mode::Fast { acceleration } if !(1..=MAX_ACCELERATION).contains(&acceleration) => {
                Err(Error::new(Reason::Acceleration { acceleration }))
            }
            Mode::High { level } if !(1..=MAX_HC_LEVEL).contains(&level) => {
                Err(Error::new(Reason::Level { level }))
            }
            Mode::Fast { .. } | Mode::High { .. } => Ok(()),
        }
    }

    /// What a writer (or a [`Compressor`](crate::Compressor)) needs: the common rules, and every
    /// block it may write must fit its prefix.
    pub(crate) fn check_writer(&self) -> Result<(), Error> {
        self.check_common()?;
        let bound = compress_bound(self.page_size);
        if bound > self.size_prefix.max_block_size() {
            return Err(Error::new(Reason::PrefixTooNarrow {
                width: self.size_prefix.width(),
                page_size: self.page_size,
                bound,
            }));
        }
        Ok(())
    }

    /// What a reader (or a [`Decompressor`](crate::Decompressor)) needs: the common rules. A
    /// prefix too narrow for the page's largest block is not one of them: a reader decodes the
    /// blocks that fit (python-lz4 writes such streams), and refuses a size beyond its page.
    pub(crate) fn check_reader(&self) -> Result<(), Error> {
        self.check_common()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The buffers of the largest page fit a 32-bit target (largest allocation `i32::MAX`), now
    /// that a record is `compress_bound(page)` long (lz4_flex asked for 110% of the page, which
    /// did not fit); a target that cannot hold them gets `InvalidInput`, not a panic.
    #[test]
    fn pages_whose_buffers_cannot_exist_are_refused() {
        assert!(buffers_fit(MAX_PAGE_SIZE, i32::MAX as usize));
        let max = 1000 + WINDOW_SIZE + (1 << 20);
        assert!(buffers_fit(1000, max));
        assert!(!buffers_fit(1001, max));
        assert!(!buffers_fit(usize::MAX - 10, usize::MAX));
        assert!(buffers_fit(MAX_PAGE_SIZE, isize::MAX as usize));
    }
}
