//! Helpers shared by the fuzz targets: inner readers and writers that misbehave on cue
//! (short transfers, `Interrupted`, `WouldBlock`), the mapping of raw fuzz numbers to
//! option values that favours the interesting small ones, and the decoder differential.

use std::io::{self, Read, Write};

use lz4_stream::{compress_bound, Mode, SizePrefix};
// liblz4, compiled in by lzzzz: the differential and the oracle call its functions directly.
use lzzzz as _;

/// The decoder differential of `tests/decode_differential.rs` (ours against `lz4_flex` and
/// liblz4, judged by a reference decoder written from the LZ4 block format): the same file,
/// so the test and the fuzz target judge by the same rules.
#[path = "../../tests/codec/differential.rs"]
pub mod differential;

/// What a [`Flaky`] reader or writer does on one call, from one byte of its schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Transfer as much as asked.
    None,
    /// Transfer at most this many bytes (at least 1).
    Short(usize),
    /// Fail with `Interrupted`, transferring nothing.
    Interrupted,
    /// Fail with `WouldBlock`, transferring nothing.
    WouldBlock,
}

/// An inner reader or writer that follows a fault schedule (cycled), over an in-memory buffer.
/// After a failed call the next one always makes progress, so retrying always terminates.
pub struct Flaky<T> {
    /// The bytes: read from the front (a reader) or appended to (a writer).
    pub inner: T,
    schedule: Vec<u8>,
    next: usize,
    just_failed: bool,
    /// When set, no more faults (to let `finish` flush without losing the writer).
    pub calm: bool,
}

impl<T> Flaky<T> {
    /// Wraps `inner` with a fault schedule; an empty schedule never fails.
    pub fn new(inner: T, schedule: Vec<u8>) -> Self {
        Flaky {
            inner,
            schedule,
            next: 0,
            just_failed: false,
            calm: false,
        }
    }

    fn fault(&mut self) -> Fault {
        if self.schedule.is_empty() || self.calm {
            return Fault::None;
        }
        let byte = self.schedule[self.next % self.schedule.len()];
        self.next = self.next.wrapping_add(1);
        let fault = match byte % 8 {
            0..=3 => Fault::None,
            4 | 5 => Fault::Short(1 + (byte as usize >> 3)),
            6 => Fault::Interrupted,
            _ => Fault::WouldBlock,
        };
        match fault {
            Fault::Interrupted | Fault::WouldBlock if self.just_failed => {
                self.just_failed = false;
                Fault::Short(1)
            }
            Fault::Interrupted | Fault::WouldBlock => {
                self.just_failed = true;
                fault
            }
            _ => {
                self.just_failed = false;
                fault
            }
        }
    }

    fn transfer_len(&mut self, len: usize) -> io::Result<usize> {
        match self.fault() {
            Fault::None => Ok(len),
            Fault::Short(max) => Ok(len.min(max)),
            Fault::Interrupted => Err(io::ErrorKind::Interrupted.into()),
            Fault::WouldBlock => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Read for Flaky<&[u8]> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = self.transfer_len(buf.len())?;
        self.inner.read(&mut buf[..len])
    }
}

impl Write for Flaky<Vec<u8>> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = self.transfer_len(buf.len())?;
        self.inner.extend_from_slice(&buf[..len]);
        Ok(len)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.transfer_len(0).map(drop)
    }
}

/// Whether an error is one that a caller retries (and the crate must survive).
pub fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
    )
}

/// Retries `op` while it fails with a transient error.
pub fn retry<T>(mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match op() {
            Err(err) if is_transient(&err) => continue,
            result => return result,
        }
    }
}

/// A page size in `1..=max` from a raw number, mostly small (many blocks from little data)
/// but reaching `max`.
pub fn page_size(raw: u32, max: usize) -> usize {
    let value = (raw >> 2) as usize;
    let limit = match raw % 4 {
        0 => 256,
        1 => 4096,
        2 => 65_536,
        _ => max,
    };
    1 + value % limit.min(max)
}

/// A read length from a raw number: mostly up to 64 KiB, sometimes up to 1 MiB (reads longer
/// than a page take the reader's path that decodes blocks straight into the caller's buffer).
/// 0 stands for reading through `fill_buf`/`consume`.
pub fn read_len(raw: u16) -> usize {
    if raw % 8 == 7 {
        (raw as usize) << 4
    } else {
        raw as usize
    }
}

/// The size prefixes a writer may use with pages of `page_size` bytes.
pub fn writer_prefixes(page_size: usize) -> Vec<SizePrefix> {
    [
        SizePrefix::OutOfBand,
        SizePrefix::U8,
        SizePrefix::U16,
        SizePrefix::U32,
    ]
    .into_iter()
    .filter(|prefix| compress_bound(page_size) <= prefix.max_block_size())
    .collect()
}

/// An acceleration of `Mode::Fast` in `1..=65537` from a raw number, biased to small values.
pub fn acceleration(raw: u32) -> u32 {
    let value = raw >> 2;
    match raw % 4 {
        0 => 1,
        1 => 1 + value % 16,
        2 => 1 + value % 1024,
        _ => 1 + value % lz4_stream::MAX_ACCELERATION,
    }
}

/// The longest data `round_trip` compresses with HC levels 10-12 (the optimal parser, 10 to 50
/// times slower than the fast compressor); longer data takes levels 7-9 instead.
pub const SLOW_LEVEL_MAX_LEN: usize = 4096;

/// A compression mode for `len` bytes of data from two raw numbers: `Mode::High` for 3 of 8
/// values of `mode` (every level `1..=12` alike, but levels 10-12 become 7-9 when `len` exceeds
/// [`SLOW_LEVEL_MAX_LEN`]), else `Mode::Fast` with [`acceleration`]`(acceleration_raw)`.
pub fn mode(mode: u8, acceleration_raw: u32, len: usize) -> Mode {
    if mode % 8 < 3 {
        let mut level = 1 + u32::from(mode >> 3) % lz4_stream::MAX_HC_LEVEL;
        if level >= 10 && len > SLOW_LEVEL_MAX_LEN {
            level -= 3;
        }
        Mode::High { level }
    } else {
        Mode::Fast {
            acceleration: acceleration(acceleration_raw),
        }
    }
}

/// A history length for the decoder differential from a raw number: the lengths that matter
/// most (none, tiny, the 64 KiB window, a dictionary longer than it) or any up to 70,000.
pub fn history_len(raw: u32) -> usize {
    const LENS: [usize; 8] = [0, 1, 5, 12, 1000, 65_535, 65_536, 70_000];
    match raw & 1 {
        0 => LENS[(raw >> 1) as usize % LENS.len()],
        _ => (raw >> 1) as usize % 70_001,
    }
}

/// `len` bytes of history: `seed` repeated with small changes, or pseudo-random runs and bytes
/// when `seed` is empty (blocks compressed against it then find matches in it).
pub fn history(seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    if !seed.is_empty() {
        let mut round = 0u8;
        while out.len() < len {
            let n = seed.len().min(len - out.len());
            out.extend(seed[..n].iter().map(|&b| b.wrapping_add(round / 3)));
            round = round.wrapping_add(1);
        }
        return out;
    }
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ len as u64;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = ((x >> 8) % 40 + 1) as usize;
        let n = n.min(len - out.len());
        if x & 1 == 0 {
            out.resize(out.len() + n, (x >> 16) as u8);
        } else {
            out.extend((0..n).map(|i| (x >> (i % 8 * 8)) as u8));
        }
    }
    out
}
