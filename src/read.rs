//! [`Lz4StreamReader`]: serves the decompressed bytes of a stream read from an inner reader.
//!
//! The reader reads one record at a time: exactly the bytes of its size prefix, then exactly the
//! bytes of its block, never more, so the inner reader stands right after the last record served
//! and a stream can be embedded in a larger byte stream. Progress inside a record is kept in the
//! reader, so an `Interrupted` or `WouldBlock` from the inner reader (or an end of input that
//! later turns out not to be one, as on a growing file) loses nothing: the next call goes on.
//!
//! The block is decoded by the [`Decompressor`] into its window, and [`BufRead::fill_buf`] hands
//! out that page in place. A `read` into a buffer with room for whole pages fills it with whole
//! blocks, and decodes them straight into it once it holds 64 KiB of history, which saves
//! copying them out of the window. Memory is bounded by the options: the window (64 KiB of history, a
//! page, some spare room) and one compressed block, whose buffer grows only as the block's bytes
//! actually arrive, so a lying prefix costs nothing.
//!
//! Corrupt data (`InvalidData`) is final: every later call returns the same error.
//!
//! Wrap a [`BufRead`] (a `&[u8]`, a [`BufReader`](std::io::BufReader))? Use
//! [`Lz4StreamBufReader`](crate::Lz4StreamBufReader): it decodes each block straight from the
//! inner reader's buffer when the whole record is there, instead of copying it out first.
//!
//! Both readers, and the async ones, are thin front ends of one driver
//! ([`Pull`](crate::codec::pull::Pull)) of the byte-fed record decoder
//! ([`Decoder`](crate::codec::decoder::Decoder)): this one over a [`Read`], whose bytes are read
//! into the decoder's block buffer.

use std::io::{self, BufRead, Read};

use crate::codec::pull::{Copying, Pull};

/// Reads an LZ4 stream from an inner reader and serves its decompressed bytes through
/// [`Read`] and [`BufRead`].
///
/// The stream ends at a record boundary where the input ends, or at an end marker (a zero size
/// prefix). With `end_marker(true)` the end marker is required: input ending without it is
/// `UnexpectedEof`.
///
/// ```
/// use std::io::{BufRead, Read, Write};
/// use lz4_stream::{Lz4StreamReader, Lz4StreamWriter, StreamOptions};
///
/// let opts = StreamOptions::new().end_marker(true);
/// let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts)?;
/// writer.write_all(b"first line\nsecond line\n")?;
/// let mut bytes = writer.finish()?;
/// bytes.extend_from_slice(b"whatever follows the stream");
///
/// let mut input = &bytes[..];
/// let mut reader = Lz4StreamReader::with_options(&mut input, &opts)?;
/// let lines: Vec<String> = reader.by_ref().lines().collect::<Result<_, _>>()?;
/// assert_eq!(lines, ["first line", "second line"]);
/// // The reader stopped right after the end marker.
/// assert_eq!(input, b"whatever follows the stream");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Lz4StreamReader<R: Read> {
    inner: R,
    pull: Pull,
}

reader_common!(Lz4StreamReader, Read);

impl<R: Read> BufRead for Lz4StreamReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.pull.fill_buf(&mut Copying(&mut self.inner))
    }

    fn consume(&mut self, amt: usize) {
        self.pull.consume(amt);
    }
}

impl<R: Read> Read for Lz4StreamReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.pull.read(&mut Copying(&mut self.inner), buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, Reason};
    use crate::record::read_prefix;
    use crate::{Lz4StreamWriter, Strategy, StreamOptions};
    use std::io::Write;

    /// Data with matches up to 60 KiB back: a 30 KiB random chunk and its variations.
    fn far_matching_data(len: usize) -> Vec<u8> {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let chunk: Vec<u8> = (0..30_000).map(|_| next() as u8).collect();
        let mut data = Vec::with_capacity(len);
        while data.len() < len {
            let at = (next() % 20_000) as usize;
            data.extend_from_slice(&chunk[at..at + 1 + (next() % 9_000) as usize]);
            data.push(next() as u8);
        }
        data.truncate(len);
        data
    }

    /// Small pages, blocks reaching 64 KiB back across many blocks (a ring buffer), read with
    /// buffers of every kind: whole blocks go to the buffer, through the window first and then
    /// straight, and the history stays right across calls, `fill_buf` and small reads.
    #[test]
    fn large_reads_keep_the_history() {
        let data = far_matching_data(600_000);
        let opts = StreamOptions::new()
            .page_size(1000)
            .strategy(Strategy::RingBuffer { window: 65_536 });
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        let stream = writer.finish().unwrap();
        assert!(
            stream.len() < data.len() / 3,
            "the blocks reference far back"
        );

        let sizes = [
            100_000,
            999,
            1000,
            70_000,
            65_536 + 1000,
            3,
            200_000,
            1 << 20,
        ];
        let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
        let mut decoded = Vec::new();
        for call in 0.. {
            let mut buf = vec![0; sizes[call % sizes.len()]];
            let n = if call % 5 == 4 {
                let available = reader.fill_buf().unwrap();
                let n = available.len().min(7);
                buf[..n].copy_from_slice(&available[..n]);
                reader.consume(n);
                n
            } else {
                reader.read(&mut buf).unwrap()
            };
            if n == 0 {
                break;
            }
            decoded.extend_from_slice(&buf[..n]);
        }
        assert!(decoded == data);
    }

    /// A corrupt block met during a large read: the read serves the blocks before it, and the
    /// next call (and every later one) returns the error, `InvalidData` with its reason.
    #[test]
    fn large_read_stops_before_a_corrupt_block() {
        let data = far_matching_data(300_000);
        let opts = StreamOptions::new().page_size(4096);
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        let mut stream = writer.finish().unwrap();
        // Find the 30th record and make its first match reach before the stream's start.
        let mut at = 0;
        for _ in 0..30 {
            at += 4 + read_prefix(&stream[at..at + 4]);
        }
        let size = read_prefix(&stream[at..at + 4]);
        stream[at + 4..at + 4 + size].fill(0xFF);
        let mut reader = Lz4StreamReader::with_options(&stream[..], &opts).unwrap();
        let mut buf = vec![0; 1 << 20];
        let n = reader.read(&mut buf).unwrap();
        assert_eq!(n, 30 * 4096);
        assert!(buf[..n] == data[..n]);
        for _ in 0..2 {
            let err = reader.read(&mut buf).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            let inner = err.into_inner().unwrap().downcast::<Error>().unwrap();
            assert!(
                matches!(
                    inner.reason(),
                    Reason::Malformed { .. } | Reason::PageOverflow { .. } | Reason::BeyondHistory
                ),
                "{inner}"
            );
            assert_eq!(inner.block(), Some(30));
        }
    }

    /// Serves `data` in pieces of at most `max`, failing once with `Other` at byte `fail_at`.
    struct FailsOnce<'a> {
        data: &'a [u8],
        fail_at: usize,
        at: usize,
        failed: bool,
    }

    impl Read for FailsOnce<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.fail_at && !self.failed {
                self.failed = true;
                return Err(io::Error::other("injected"));
            }
            let end = if self.at < self.fail_at && !self.failed {
                self.fail_at
            } else {
                self.data.len()
            };
            let n = buf.len().min(end - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// The inner reader fails inside a large read, after blocks were served: the read returns
    /// them, the next call returns the error untouched, and the one after goes on losing nothing.
    #[test]
    fn large_read_defers_the_inner_readers_error() {
        let data = far_matching_data(300_000);
        let opts = StreamOptions::new().page_size(4096);
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), &opts).unwrap();
        writer.write_all(&data).unwrap();
        let stream = writer.finish().unwrap();
        for fail_at in [stream.len() / 2, stream.len() / 2 + 1, stream.len() - 1] {
            let inner = FailsOnce {
                data: &stream,
                fail_at,
                at: 0,
                failed: false,
            };
            let mut reader = Lz4StreamReader::with_options(inner, &opts).unwrap();
            let mut buf = vec![0; 1 << 20];
            let n = reader.read(&mut buf).unwrap();
            assert!(n > 0 && n < data.len());
            let err = reader.read(&mut buf).unwrap_err();
            assert_eq!(
                (err.kind(), err.to_string()),
                (io::ErrorKind::Other, "injected".into())
            );
            let mut decoded = buf[..n].to_vec();
            reader.read_to_end(&mut decoded).unwrap();
            assert!(decoded == data, "fail at {fail_at}");
        }
    }
}
