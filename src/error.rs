//! The crate's error type.
//!
//! Every failure of this crate reaches the caller as an [`io::Error`] (the adapters implement
//! `Read` and `Write`, so that is the only error type they can return) whose inner error is an
//! [`Error`]. The sans-IO [`Compressor`](crate::Compressor) and
//! [`Decompressor`](crate::Decompressor) return [`Error`] directly; it converts into an
//! [`io::Error`] with `?`.
//!
//! An [`Error`] says *what* went wrong ([`Reason`]), which [`io::ErrorKind`] that is, and *where*:
//! the number of the block (counting from 0) and the byte offset of its record in the compressed
//! stream, when they are known. Downcast an [`io::Error`] to inspect it:
//!
//! ```
//! use std::io::Read;
//! use lz4_stream::{Error, Lz4StreamReader, Reason};
//!
//! // A 4-byte prefix announcing a block far larger than a 64 KiB page allows.
//! let bad = [0xff, 0xff, 0xff, 0x00];
//! let err = Lz4StreamReader::new(&bad[..]).read_to_end(&mut Vec::new()).unwrap_err();
//! assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
//! let inner = err.get_ref().and_then(|e| e.downcast_ref::<Error>()).unwrap();
//! assert!(matches!(inner.reason(), Reason::BlockTooLarge { .. }));
//! assert_eq!(inner.block(), Some(0));
//! assert_eq!(inner.offset(), Some(0));
//! ```

use std::fmt;
use std::io;

use crate::diagnose::Hint;

/// What went wrong; see [`Error::reason`].
///
/// The variants fall into three groups, told apart by [`Error::kind`]: options and calls the
/// application got wrong (`InvalidInput`), compressed data that is not a valid stream
/// (`InvalidData`) and compressed data that ends too early (`UnexpectedEof`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The page size is outside `1..=MAX_PAGE_SIZE`, or its buffers cannot exist on this target
    /// (a 32-bit target cannot hold the largest pages).
    PageSize {
        /// The page size asked for.
        page_size: usize,
    },
    /// A writer's size prefix cannot hold the largest block of a page of this size.
    PrefixTooNarrow {
        /// The prefix width in bytes.
        width: usize,
        /// The page size asked for.
        page_size: usize,
        /// `compress_bound(page_size)`, the largest block the prefix must be able to hold.
        bound: usize,
    },
    /// A ring buffer window larger than LZ4's 64 KiB reach.
    Window {
        /// The window asked for.
        window: usize,
    },
    /// A [`Mode::Fast`](crate::Mode::Fast) acceleration outside
    /// `1..=MAX_ACCELERATION`.
    Acceleration {
        /// The acceleration asked for.
        acceleration: u32,
    },
    /// A [`Mode::High`](crate::Mode::High) level outside `1..=MAX_HC_LEVEL`.
    Level {
        /// The level asked for.
        level: u32,
    },
    /// `threads(0)`: a writer needs at least one thread to compress on.
    Threads,
    /// A compression thread panicked (a bug in this crate): the stream cannot go on.
    WorkerPanicked,
    /// `end_marker(true)` with `SizePrefix::OutOfBand`: a marker is a zero prefix, and
    /// out-of-band streams have no prefixes.
    EndMarkerWithoutPrefix,
    /// Block sizes given out of band for a stream whose records carry size prefixes, or a
    /// reader asked to read an out-of-band stream without being given the sizes.
    BlockSizesMismatch,
    /// `compress` was given more bytes than fit in a page.
    ChunkTooLong {
        /// The chunk's length.
        len: usize,
        /// The page size.
        page_size: usize,
    },
    /// The writer was used after it wrote its last record.
    Finished,
    /// A size prefix (or an out-of-band size) larger than any block of a page can be.
    BlockTooLarge {
        /// The size announced.
        size: usize,
        /// `compress_bound(page_size)`.
        bound: usize,
    },
    /// A block of size 0 where a block must stand (an out-of-band size of 0).
    EmptyBlock,
    /// The block decodes to more bytes than a page holds.
    PageOverflow {
        /// The page size.
        page_size: usize,
    },
    /// A match in the block reaches further back than the history holds (before the start of
    /// the stream and its dictionary, or past the 64 KiB window).
    BeyondHistory,
    /// The block is not a well-formed LZ4 block (it ends inside a sequence, or a literal run
    /// runs past its end, or a match offset is zero).
    Malformed {
        /// What the block decoder found.
        detail: &'static str,
    },
    /// The input ended inside a size prefix.
    TruncatedPrefix {
        /// Bytes of the prefix that arrived.
        got: usize,
        /// The prefix width.
        width: usize,
    },
    /// The input ended inside a block.
    TruncatedBlock {
        /// Bytes of the block that arrived.
        got: usize,
        /// The block's size.
        size: usize,
    },
    /// `end_marker(true)` and the input ended at a record boundary without the end marker.
    MissingEndMarker,
    /// More compressed bytes than [`StreamOptions::max_idle_input`](crate::StreamOptions::max_idle_input)
    /// allows, in consecutive records whose blocks decode to nothing.
    Idle {
        /// The compressed bytes of those records.
        bytes: u64,
    },
    /// The inner reader panicked during a read that decoded blocks straight into the caller's
    /// buffer, and the caller caught the panic: the history those blocks were to leave is lost
    /// with the buffer, so the reader cannot go on (it would decode wrong bytes).
    Poisoned,
    /// A buffer could not grow to this many bytes: the allocator refused (a memory limit, a
    /// page size too large for this machine).
    OutOfMemory {
        /// The size asked for.
        bytes: usize,
    },
    /// A [`DecompressingWriter`](crate::DecompressingWriter) was given bytes after the end of
    /// the stream (its end marker, or its last out-of-band block).
    AfterEnd,
}

impl Reason {
    /// The [`io::ErrorKind`] this reason maps to.
    pub fn kind(&self) -> io::ErrorKind {
        use Reason::*;
        match self {
            PageSize { .. }
            | PrefixTooNarrow { .. }
            | Window { .. }
            | Acceleration { .. }
            | Level { .. }
            | Threads
            | EndMarkerWithoutPrefix
            | BlockSizesMismatch
            | ChunkTooLong { .. }
            | Finished => io::ErrorKind::InvalidInput,
            BlockTooLarge { .. }
            | EmptyBlock
            | PageOverflow { .. }
            | BeyondHistory
            | Malformed { .. }
            | Idle { .. }
            | AfterEnd => io::ErrorKind::InvalidData,
            TruncatedPrefix { .. } | TruncatedBlock { .. } | MissingEndMarker => {
                io::ErrorKind::UnexpectedEof
            }
            WorkerPanicked | Poisoned => io::ErrorKind::Other,
            OutOfMemory { .. } => io::ErrorKind::OutOfMemory,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Reason::*;
        match self {
            PageSize { page_size } => write!(
                f,
                "page size {page_size} is outside 1..={}",
                crate::MAX_PAGE_SIZE
            ),
            PrefixTooNarrow {
                width,
                page_size,
                bound,
            } => write!(
                f,
                "a {width}-byte size prefix cannot hold the largest block of a {page_size}-byte \
                 page ({bound} bytes)"
            ),
            Window { window } => write!(
                f,
                "ring buffer window {window} exceeds LZ4's reach of {} bytes",
                crate::WINDOW_SIZE
            ),
            Acceleration { acceleration } => write!(
                f,
                "acceleration {acceleration} is outside 1..={}",
                crate::MAX_ACCELERATION
            ),
            Level { level } => write!(
                f,
                "compression level {level} is outside 1..={}",
                crate::MAX_HC_LEVEL
            ),
            Threads => f.write_str("threads(0): a writer needs at least one thread"),
            WorkerPanicked => f.write_str("a compression thread panicked; the stream cannot go on"),
            EndMarkerWithoutPrefix => {
                f.write_str("an end marker needs size prefixes (not SizePrefix::OutOfBand)")
            }
            BlockSizesMismatch => f.write_str(
                "block sizes go out of band exactly when the size prefix is SizePrefix::OutOfBand",
            ),
            ChunkTooLong { len, page_size } => {
                write!(
                    f,
                    "chunk of {len} bytes does not fit a {page_size}-byte page"
                )
            }
            Finished => f.write_str("the stream is already finished"),
            BlockTooLarge { size, bound } => write!(
                f,
                "block size {size} exceeds the largest block of a page ({bound} bytes)"
            ),
            EmptyBlock => f.write_str("block of size 0"),
            PageOverflow { page_size } => {
                write!(f, "block decodes to more than a page ({page_size} bytes)")
            }
            BeyondHistory => f.write_str("block references bytes before the history it may use"),
            Malformed { detail } => write!(f, "malformed LZ4 block: {detail}"),
            TruncatedPrefix { got, width } => write!(
                f,
                "stream ends inside a size prefix ({got} of {width} bytes)"
            ),
            TruncatedBlock { got, size } => {
                write!(f, "stream ends inside a block ({got} of {size} bytes)")
            }
            MissingEndMarker => f.write_str("stream ends without its end marker"),
            AfterEnd => f.write_str("bytes after the end of the stream"),
            Poisoned => f.write_str(
                "the inner reader panicked in a read that decoded into the caller's buffer; \
                 the stream's history is lost",
            ),
            OutOfMemory { bytes } => write!(f, "out of memory: a buffer of {bytes} bytes"),
            Idle { bytes } => write!(
                f,
                "{bytes} bytes of records decode to nothing, more than max_idle_input allows"
            ),
        }
    }
}

/// The error of every operation of this crate: a [`Reason`] and where it happened.
///
/// Inside an [`io::Error`] (as the adapters return it), find it with
/// `err.get_ref().and_then(|e| e.downcast_ref::<lz4_stream::Error>())`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    reason: Reason,
    /// The block's number, counting from 0, when the error concerns a block.
    block: Option<u64>,
    /// Offset of the block's record (its prefix) in the compressed stream, when known: the
    /// sans-IO decompressor does not see the stream, so only the reader and writer know it.
    offset: Option<u64>,
    /// The likely cause, when the first record of a stream fails (the reader guesses it from
    /// the stream's first bytes).
    hint: Option<Hint>,
}

impl Error {
    /// An error with no position (options, misuse).
    pub(crate) fn new(reason: Reason) -> Self {
        Error {
            reason,
            block: None,
            offset: None,
            hint: None,
        }
    }

    /// An error concerning block number `block`.
    pub(crate) fn at_block(reason: Reason, block: u64) -> Self {
        Error {
            reason,
            block: Some(block),
            offset: None,
            hint: None,
        }
    }

    /// The same error, placed at byte `offset` of the compressed stream.
    pub(crate) fn with_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The same error, with its likely cause.
    pub(crate) fn with_hint(mut self, hint: Option<Hint>) -> Self {
        self.hint = hint;
        self
    }

    /// The likely cause, when the first record of a stream failed and its first bytes or the
    /// failure suggest one: another format's magic number, another prefix width, a larger page
    /// size, a missing dictionary. The message ends with it too.
    ///
    /// ```
    /// use std::io::Read;
    /// use lz4_stream::{Hint, Lz4StreamReader};
    ///
    /// // The first bytes of a file written by the `lz4` command line: an LZ4 frame.
    /// let frame = [0x04, 0x22, 0x4D, 0x18, 0x64, 0x40, 0xA7, 0x05, 0x00, 0x00, 0x00];
    /// let err = Lz4StreamReader::new(&frame[..]).read_to_end(&mut Vec::new()).unwrap_err();
    /// let err = err.get_ref().unwrap().downcast_ref::<lz4_stream::Error>().unwrap();
    /// assert!(matches!(err.hint(), Some(Hint::OtherFormat { .. })));
    /// assert!(err.to_string().contains("likely cause: the input starts as an LZ4 frame"));
    /// ```
    pub fn hint(&self) -> Option<Hint> {
        self.hint
    }

    /// What went wrong.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// The [`io::ErrorKind`] of the error (`InvalidInput`, `InvalidData` or `UnexpectedEof`).
    pub fn kind(&self) -> io::ErrorKind {
        self.reason.kind()
    }

    /// The number of the block concerned, counting from 0, if the error concerns one.
    pub fn block(&self) -> Option<u64> {
        self.block
    }

    /// The byte offset, in the compressed stream, of the record concerned, if known.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("lz4 stream: ")?;
        match (self.block, self.offset) {
            (Some(block), Some(offset)) => write!(f, "block {block} at offset {offset}: ")?,
            (Some(block), None) => write!(f, "block {block}: ")?,
            (None, Some(offset)) => write!(f, "at offset {offset}: ")?,
            (None, None) => {}
        }
        self.reason.fmt(f)?;
        if let Some(hint) = &self.hint {
            write!(f, " (likely cause: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        io::Error::new(err.kind(), err)
    }
}

/// The error of a writer's `finish`, with the writer given back, so that nothing is lost: what
/// it still held is still there, and `finish` may be called again (after the inner writer
/// recovers, or with the rest of a stream that stopped short).
///
/// It converts into the [`io::Error`] (`?` in a function returning [`io::Result`] works as
/// before), as [`std::io::IntoInnerError`] does.
///
/// ```
/// use std::io::Write;
/// use lz4_stream::{DecompressingWriter, Lz4StreamWriter};
///
/// let mut writer = Lz4StreamWriter::new(Vec::new());
/// writer.write_all(b"some bytes")?;
/// let stream = writer.finish()?;
///
/// // The decompressing writer is given a stream that stops inside its record.
/// let mut decoder = DecompressingWriter::new(Vec::new());
/// decoder.write_all(&stream[..stream.len() - 1])?;
/// let err = decoder.finish().unwrap_err();
/// assert_eq!(err.error().kind(), std::io::ErrorKind::UnexpectedEof);
/// // The writer comes back: give it the last byte and finish again.
/// let mut decoder = err.into_inner();
/// decoder.write_all(&stream[stream.len() - 1..])?;
/// assert_eq!(decoder.finish()?, b"some bytes");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct FinishError<W> {
    /// Boxed, so that `finish`'s result stays small on its `Ok` path.
    writer: Box<W>,
    error: io::Error,
}

impl<W> FinishError<W> {
    pub(crate) fn new(writer: W, error: io::Error) -> Self {
        FinishError {
            writer: Box::new(writer),
            error,
        }
    }

    /// The error.
    pub fn error(&self) -> &io::Error {
        &self.error
    }

    /// The writer, as it was when `finish` failed.
    pub fn into_inner(self) -> W {
        *self.writer
    }

    /// The error, dropping the writer (which makes its best-effort finish, if any).
    pub fn into_error(self) -> io::Error {
        self.error
    }

    /// The error and the writer.
    pub fn into_parts(self) -> (io::Error, W) {
        (self.error, *self.writer)
    }
}

impl<W> fmt::Debug for FinishError<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinishError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<W> fmt::Display for FinishError<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<W> std::error::Error for FinishError<W> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<W> From<FinishError<W>> for io::Error {
    fn from(err: FinishError<W>) -> io::Error {
        err.error
    }
}
