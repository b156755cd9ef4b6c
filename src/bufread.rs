//! [`Lz4StreamBufReader`]: [`Lz4StreamReader`](crate::Lz4StreamReader) over a [`BufRead`],
//! decoding blocks straight from the inner reader's buffer.
//!
//! Both readers are front ends of the same driver of the record decoder
//! ([`Pull`](crate::codec::pull::Pull)); this one gives it a source that lends the inner
//! reader's buffer. At each record boundary it looks at
//! [`BufRead::fill_buf`]: when that holds the whole record (the size prefix and the whole
//! block), the block is decoded right there and exactly the record is consumed, which saves
//! copying the block out first. A record that straddles the end of the inner reader's buffer is
//! copied out of the inner reader's buffer a piece at a time into the reader's own block buffer, consuming nothing past the record. Every guarantee of the other
//! reader holds here too: consuming from a `BufRead` is reading from it.

use std::io::{self, BufRead, Read};

use crate::codec::pull::{Borrowing, Pull};

/// Reads an LZ4 stream from an inner [`BufRead`] and serves its decompressed bytes through
/// [`Read`] and [`BufRead`], like [`Lz4StreamReader`](crate::Lz4StreamReader), but decoding each
/// block straight from the inner reader's buffer when the whole record is there (a `&[u8]`
/// always holds it; a [`BufReader`](std::io::BufReader) whose capacity is larger than a record
/// usually does).
///
/// It consumes exactly the records it serves, never more: after the stream, the inner reader's
/// buffered bytes and what follows them are exactly the bytes after the stream.
///
/// ```
/// use std::io::{BufRead, BufReader, Read, Write};
/// use lz4_stream::{Lz4StreamBufReader, Lz4StreamWriter, StreamOptions};
///
/// let opts = StreamOptions::new().page_size(4096).end_marker(true);
/// let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts)?;
/// writer.write_all(&b"a line of text\n".repeat(1000))?;
/// let mut bytes = writer.finish()?;
/// bytes.extend_from_slice(b"whatever follows the stream");
///
/// // Over a BufReader (here of a byte slice; a file or a socket in practice).
/// let mut input = BufReader::with_capacity(16 * 1024, &bytes[..]);
/// let mut reader = Lz4StreamBufReader::with_options(&mut input, &opts)?;
/// let mut text = Vec::new();
/// reader.read_to_end(&mut text)?;
/// assert_eq!(text, b"a line of text\n".repeat(1000));
/// // The reader consumed exactly the stream: what follows it is still there.
/// let mut rest = String::new();
/// input.read_to_string(&mut rest)?;
/// assert_eq!(rest, "whatever follows the stream");
///
/// // Over a byte slice, line by line.
/// let mut reader = Lz4StreamBufReader::with_options(&bytes[..], &opts)?;
/// let mut line = String::new();
/// reader.read_line(&mut line)?;
/// assert_eq!(line, "a line of text\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Lz4StreamBufReader<R: BufRead> {
    inner: R,
    pull: Pull,
}

reader_common!(Lz4StreamBufReader, BufRead);

impl<R: BufRead> BufRead for Lz4StreamBufReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.pull.fill_buf(&mut Borrowing(&mut self.inner))
    }

    fn consume(&mut self, amt: usize) {
        self.pull.consume(amt);
    }
}

impl<R: BufRead> Read for Lz4StreamBufReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.pull.read(&mut Borrowing(&mut self.inner), buf)
    }
}
