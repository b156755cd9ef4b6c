//! Likely causes of a stream that fails at its first record.
//!
//! A stream read with options other than its writer's fails in ways that name the symptom: a
//! 4-byte size prefix read from an LZ4 *frame* file is its magic number (407,708,164 bytes, far
//! beyond a page), a 4-byte-prefixed stream read with 2-byte prefixes decodes a prefix's upper
//! half as a block, a stream that needs a dictionary references bytes before its start. When
//! the first record fails, the reader looks at the stream's first bytes and at the error, and
//! adds the likely cause as a [`Hint`] to the [`Error`](crate::Error). It is a guess: the
//! message says "likely".

use std::fmt;

use crate::error::Reason;
use crate::options::{compress_bound, SizePrefix, MAX_PAGE_SIZE};
use crate::record::read_prefix;

/// The likely cause of a failure at the first record of a stream (see
/// [`Error::hint`](crate::Error::hint)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hint {
    /// The stream starts with the magic number of another format: `name` says which.
    OtherFormat {
        /// What the magic number announces, e.g. "an LZ4 frame (magic 0x184D2204)".
        name: &'static str,
    },
    /// The first record reads well with size prefixes of this width instead.
    PrefixWidth {
        /// The width, in bytes, that makes sense of the first record.
        width: usize,
    },
    /// The first block is larger than a page of the reader's size can give: the writer's pages
    /// were at least this large.
    PageSize {
        /// The smallest page size whose blocks can be this large.
        at_least: usize,
    },
    /// The first block references bytes before the stream: its writer had a dictionary, and
    /// the reader has none.
    Dictionary,
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hint::OtherFormat { name } => write!(
                f,
                "the input starts as {name}, not as an LZ4 stream of size-prefixed blocks"
            ),
            Hint::PrefixWidth { width } => write!(
                f,
                "the first record makes sense with {width}-byte size prefixes: was the stream \
                 written with another size_prefix?"
            ),
            Hint::PageSize { at_least } => write!(
                f,
                "a block this large comes from pages of at least {at_least} bytes: was the \
                 stream written with a larger page_size?"
            ),
            Hint::Dictionary => f.write_str(
                "the first block references bytes before the stream: it was written with a \
                 dictionary, which the reader must be given too",
            ),
        }
    }
}

/// Magic numbers of formats an LZ4 stream is mistaken for (the stream itself has none).
const MAGICS: [(&[u8], &str); 7] = [
    (
        &[0x04, 0x22, 0x4D, 0x18],
        "an LZ4 frame (magic 0x184D2204: the format of the lz4 command line and LZ4F_*)",
    ),
    (
        &[0x02, 0x21, 0x4C, 0x18],
        "a legacy LZ4 frame (magic 0x184C2102: lz4 -l)",
    ),
    (&[0x1F, 0x8B], "gzip data (magic 1F 8B)"),
    (&[0x28, 0xB5, 0x2F, 0xFD], "a zstd frame (magic 0xFD2FB528)"),
    (
        &[0xFD, b'7', b'z', b'X', b'Z', 0],
        "xz data (magic FD 37 7A 58 5A 00)",
    ),
    (b"BZh", "bzip2 data (magic \"BZh\")"),
    (b"PK\x03\x04", "a zip archive (magic \"PK\\3\\4\")"),
];

/// The likely cause of `reason`, the failure of the first record of a stream that starts with
/// `head` (its first bytes, as many as were read), read with prefixes of `prefix`, pages of
/// `page_size` and a dictionary or not.
pub(crate) fn diagnose(
    head: &[u8],
    reason: &Reason,
    prefix: SizePrefix,
    page_size: usize,
    dictionary: bool,
) -> Option<Hint> {
    // The whole magic, or as much of it as was read (at least 2 bytes: a failure at the size
    // prefix has read only the prefix).
    let matches = |magic: &[u8]| {
        let n = magic.len().min(head.len());
        n >= 2 && head[..n] == magic[..n]
    };
    if let Some(&(_, name)) = MAGICS.iter().find(|(magic, _)| matches(magic)) {
        return Some(Hint::OtherFormat { name });
    }
    // LZ4's skippable frames: 0x184D2A50 to 0x184D2A5F.
    if head.len() >= 4 && head[0] & 0xF0 == 0x50 && head[1..4] == [0x2A, 0x4D, 0x18] {
        return Some(Hint::OtherFormat {
            name: "an LZ4 skippable frame (magic 0x184D2A5X)",
        });
    }
    let bound = compress_bound(page_size);
    let data_error = matches!(
        reason,
        Reason::BlockTooLarge { .. }
            | Reason::EmptyBlock
            | Reason::Malformed { .. }
            | Reason::BeyondHistory
            | Reason::PageOverflow { .. }
            | Reason::TruncatedBlock { .. }
    );
    if !data_error {
        return None;
    }
    let size_of = |width: usize| read_prefix(&head[..width]);
    let fits = |size: usize| (1..=bound).contains(&size);
    if prefix != SizePrefix::OutOfBand {
        let current = prefix.width();
        // A wider prefix read narrow: the bytes past ours are its upper bytes, and the wider
        // size fits a page (which the block's first bytes, taken in, seldom do).
        for width in [4, 2] {
            if width > current && head.len() > width && fits(size_of(width)) {
                return Some(Hint::PrefixWidth { width });
            }
        }
        // A narrower prefix read wide: the size takes in the block's first bytes and is far
        // too large (more than 16 pages' worth), while a narrower one fits.
        if let Reason::BlockTooLarge { size, .. } = *reason {
            if size > bound.saturating_mul(16) {
                for width in [2, 1] {
                    if width < current && head.len() > width && fits(size_of(width)) {
                        return Some(Hint::PrefixWidth { width });
                    }
                }
            }
        }
    }
    match *reason {
        Reason::BlockTooLarge { size, .. } if size <= compress_bound(MAX_PAGE_SIZE) => {
            // The smallest page whose bound holds the block: pages up to `size` bytes, at most.
            let mut at_least = size.saturating_sub(size / 255 + 16).max(1);
            while compress_bound(at_least) < size {
                at_least += 1;
            }
            Some(Hint::PageSize { at_least })
        }
        Reason::BeyondHistory if !dictionary => Some(Hint::Dictionary),
        _ => None,
    }
}
