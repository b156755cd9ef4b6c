//! [`CompressingReader`]: a [`Read`] serving the stream of what it reads from an inner reader.
//!
//! A thin front end of the record encoder ([`Encoder`](crate::codec::encoder::Encoder)), the
//! same the writers use, so its stream is [`Lz4StreamWriter`](crate::Lz4StreamWriter)'s for
//! the same options and input, byte for byte. The inner reader reads straight into the
//! encoder's page (no copy); the encoder's sink is the caller's buffer, which takes what fits
//! and then says `WouldBlock`, so a record larger than the buffer waits in the encoder and the
//! next `read` goes on with it.

use std::fmt;
use std::io::{self, Read, Write};

use crate::codec::encoder::Encoder;
use crate::codec::io::is_transient;
use crate::options::StreamOptions;

/// Reads from an inner reader and serves the LZ4 stream of what it read, through [`Read`]:
/// compression on the reading side, for an API that wants a `Read` of the compressed bytes (an
/// HTTP client's upload body, [`io::copy`] into a sink you do not control).
///
/// The stream ends (with its end marker, if the options ask for one) once the inner reader
/// reports its end. With [`threads(n)`](StreamOptions::threads), `n >= 2`, pages are
/// compressed on `n` threads, as by the writer.
///
/// ```
/// use std::io::Read;
/// use lz4_stream::{CompressingReader, Lz4StreamReader, StreamOptions};
///
/// let text = b"a line of text\n".repeat(1000);
/// let opts = StreamOptions::new().page_size(4096).end_marker(true);
/// let mut reader = CompressingReader::with_options(&text[..], &opts)?;
/// let mut stream = Vec::new();
/// reader.read_to_end(&mut stream)?;
/// assert!(stream.len() < 500);
///
/// let mut back = Vec::new();
/// Lz4StreamReader::with_options(&stream[..], &opts)?.read_to_end(&mut back)?;
/// assert_eq!(back, text);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct CompressingReader<R: Read> {
    /// The reader of the uncompressed bytes.
    inner: R,
    /// The pages, the compressor (or the pool of threads), and the record being served.
    encoder: Encoder,
    /// Set once the inner reader reported its end: the encoder is finishing the stream.
    input_ended: bool,
    /// An error that came after a `read` had served bytes (the inner reader's, or the pool's):
    /// the next call returns it, before anything else.
    deferred: Option<io::Error>,
}

impl<R: Read> CompressingReader<R> {
    /// A reader with the default options (64 KiB pages, 4-byte prefixes, double buffer).
    pub fn new(inner: R) -> Self {
        Self::with_options(inner, &StreamOptions::new()).expect("the default options are valid")
    }

    /// A reader with `opts`, which mean what they mean to
    /// [`Lz4StreamWriter`](crate::Lz4StreamWriter).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the options break a writer's rules ([`StreamOptions::validate`]).
    pub fn with_options(inner: R, opts: &StreamOptions) -> io::Result<Self> {
        Ok(CompressingReader {
            inner,
            encoder: Encoder::new(opts)?,
            input_ended: false,
            deferred: None,
        })
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly leaves those bytes out of the
    /// stream.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader (the bytes read from it but not yet served compressed are dropped).
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Uncompressed bytes read from the inner reader so far.
    pub fn total_in(&self) -> u64 {
        self.encoder.total_in()
    }

    /// Compressed bytes served so far.
    pub fn total_out(&self) -> u64 {
        self.encoder.total_out()
    }

    /// The sizes of the blocks served since the last call, for streams with
    /// [`SizePrefix::OutOfBand`](crate::SizePrefix::OutOfBand) (empty for others). A size is
    /// here once its block is compressed, which may be before all of it has been served.
    pub fn take_block_sizes(&mut self) -> Vec<usize> {
        self.encoder.take_block_sizes()
    }
}

impl<R: Read> Read for CompressingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
        let mut room = Room { buf, filled: 0 };
        loop {
            // Records first: what waits, then (without waiting) what the pool has compressed;
            // once the input has ended, everything and the end marker.
            let handed = if self.input_ended {
                self.encoder.finish(&mut room)
            } else {
                self.encoder.write_record(&mut room, false)
            };
            match handed {
                Ok(()) if self.input_ended => return Ok(room.filled),
                Ok(()) if room.filled > 0 => return Ok(room.filled),
                Ok(()) => {}
                // The buffer is full (the room's own `WouldBlock`); the rest waits for the next
                // call.
                Err(err) if room.is_full() && err.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(room.filled)
                }
                Err(err) => return self.served_then(room.filled, err),
            }
            // A full page goes straight into the caller's buffer when it has room for the
            // largest record (saving a copy); otherwise `fill` compresses it into the encoder's
            // record and hands that over first.
            if !self.input_ended {
                if let Some(n) = self.encoder.seal_into(room.free())? {
                    room.filled += n;
                    return Ok(room.filled);
                }
            }
            // (With threads, `fill` may hand over records before it reads: bytes served then
            // are returned, and an error after them waits for the next call.)
            let inner = &mut self.inner;
            match self.encoder.fill(&mut room, |page| inner.read(page)) {
                Ok(0) => self.input_ended = true,
                Ok(_) => {}
                Err(err) if room.is_full() && err.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(room.filled)
                }
                Err(err) => return self.served_then(room.filled, err),
            }
        }
    }
}

impl<R: Read> CompressingReader<R> {
    /// Ends a `read` that met `err` after serving `served` bytes: the error itself if nothing
    /// was served; else the bytes, and the error waits for the next call (unless it only said
    /// "not now", `Interrupted` or `WouldBlock`: the next call simply tries again).
    fn served_then(&mut self, served: usize, err: io::Error) -> io::Result<usize> {
        if served == 0 {
            return Err(err);
        }
        if !is_transient(&err) {
            self.deferred = Some(err);
        }
        Ok(served)
    }
}

/// The caller's buffer as the encoder's sink: takes what fits, then says `WouldBlock`.
struct Room<'a> {
    buf: &'a mut [u8],
    filled: usize,
}

impl Room<'_> {
    fn is_full(&self) -> bool {
        self.filled == self.buf.len()
    }

    /// The free part of the buffer.
    fn free(&mut self) -> &mut [u8] {
        &mut self.buf[self.filled..]
    }
}

impl Write for Room<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let free = &mut self.buf[self.filled..];
        let n = free.len().min(bytes.len());
        if n == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        free[..n].copy_from_slice(&bytes[..n]);
        self.filled += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<R: Read + fmt::Debug> fmt::Debug for CompressingReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompressingReader")
            .field("inner", &self.inner)
            .field("page_size", &self.encoder.page_size())
            .field("pending", &self.encoder.pending())
            .field("unserved", &self.encoder.unwritten())
            .field("input_ended", &self.input_ended)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Lz4StreamWriter, Mode, SizePrefix, Strategy};

    /// The writer's stream for `data`.
    fn written(opts: &StreamOptions, data: &[u8]) -> Vec<u8> {
        let mut writer = Lz4StreamWriter::with_options(Vec::new(), opts).unwrap();
        writer.write_all(data).unwrap();
        writer.finish().unwrap()
    }

    /// Serves `data` in reads of at most `max` bytes.
    struct Short<'a> {
        data: &'a [u8],
        max: usize,
    }

    impl Read for Short<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.max).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Whatever the read sizes of the caller and of the inner reader, the stream is the
    /// writer's, byte for byte: records wider than the caller's buffer are served in pieces,
    /// full pages go straight into buffers with room for them.
    #[test]
    fn serves_the_writers_stream() {
        let data: Vec<u8> = (0..300_000u32)
            .map(|i| (i % 251) as u8 ^ (i / 4099) as u8)
            .collect();
        let all = [
            StreamOptions::new(),
            StreamOptions::new()
                .page_size(100)
                .size_prefix(SizePrefix::U8),
            StreamOptions::new()
                .page_size(4096)
                .strategy(Strategy::RingBuffer { window: 65_536 })
                .end_marker(true),
            StreamOptions::new()
                .page_size(1000)
                .mode(Mode::High { level: 3 })
                .dictionary(vec![7; 1000]),
            StreamOptions::new()
                .page_size(8192)
                .threads(2)
                .end_marker(true),
        ];
        for opts in &all {
            let expected = written(opts, &data);
            for (caller, inner) in [(1, usize::MAX), (7, 3), (100_000, 5000), (1 << 20, 1 << 20)] {
                let inner = Short {
                    data: &data,
                    max: inner,
                };
                let mut reader = CompressingReader::with_options(inner, opts).unwrap();
                let mut stream = Vec::new();
                let mut buf = vec![0; caller];
                loop {
                    match reader.read(&mut buf).unwrap() {
                        0 => break,
                        n => stream.extend_from_slice(&buf[..n]),
                    }
                }
                assert!(stream == expected, "{opts:?} caller {caller}");
                assert_eq!(reader.total_in(), data.len() as u64);
                assert_eq!(reader.total_out(), stream.len() as u64);
                // The end stays the end.
                assert_eq!(reader.read(&mut buf).unwrap(), 0);
            }
        }
    }
}
