//! The history buffer shared by the compressor and the decompressor.
//!
//! LZ4 blocks of a stream reference the bytes before them, up to 64 KiB back. Both ends keep
//! those bytes in one linear buffer, the *window*: the history the next block may reference,
//! followed by room for one page. The compressor fills the page in place and compresses it with
//! the history as its dictionary; the decompressor decodes into the page with the history as
//! its dictionary. Either way the page then joins the history, and nothing is copied per block.
//!
//! ```text
//! buf: [ ... forgotten ... | history (<= 64 KiB) | page being filled/decoded | spare room ]
//!                          ^start                ^end
//! ```
//!
//! When less than a page of room is left after `end`, the history (at most 64 KiB) moves to the
//! front. The spare room, up to 1 MiB, makes that rare: a 64 KiB copy per megabyte of data at
//! most, next to nothing beside the codec. The block codec works on the buffer whole
//! ([`Window::buffer`]), in prefix mode: a match into the history is a backward copy within it.

use crate::error::{Error, Reason};
use crate::options::WINDOW_SIZE;

/// History plus room for a page; see the module documentation.
pub(crate) struct Window {
    /// The buffer: it grows as data arrives, up to `capacity`.
    buf: Vec<u8>,
    /// The buffer's full size: 64 KiB of history, a page, and the spare room.
    capacity: usize,
    /// Start of the bytes blocks may still reference.
    start: usize,
    /// End of the history, and start of the page.
    end: usize,
    /// The largest page, so there is always room for one after `end`.
    page_size: usize,
}

impl Window {
    /// A window for pages of `page_size` bytes whose history starts as the last `reach` bytes
    /// of `dictionary` (at most 64 KiB of it).
    pub(crate) fn new(page_size: usize, dictionary: &[u8], reach: usize) -> Window {
        // Enough spare room that moving the history to the front costs little per byte, with a
        // cap so small pages do not take much memory.
        let spare = page_size.saturating_mul(256).clamp(WINDOW_SIZE, 1 << 20);
        let dictionary = &dictionary[dictionary.len().saturating_sub(WINDOW_SIZE)..];
        let end = dictionary.len();
        Window {
            buf: dictionary.to_vec(),
            capacity: (WINDOW_SIZE + spare).saturating_add(page_size),
            start: end - reach.min(end),
            end,
            page_size,
        }
    }

    /// The history the next block may reference.
    pub(crate) fn history(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// The last `len` bytes of the history (the bytes of the latest block).
    pub(crate) fn recent(&self, len: usize) -> &[u8] {
        &self.buf[self.end - len..self.end]
    }

    /// The page, to fill before compressing it: as much of it as has been
    /// [`reserve`](Self::reserve)d.
    pub(crate) fn page_mut(&mut self) -> &mut [u8] {
        let end = self.buf.len().min(self.end + self.page_size);
        &mut self.buf[self.end..end]
    }

    /// Makes room for `room` bytes (at most a page) after the history: moves the history to
    /// the front if a page would not fit in the buffer's full size, then grows the buffer if
    /// it is shorter (at least doubling it, so growth costs little per byte, and straight to
    /// its full size past half of it). Call only between
    /// pages, or with the bytes of the page so far within `room`: bytes in the page beyond it
    /// are not kept.
    ///
    /// # Errors
    ///
    /// `OutOfMemory` if the buffer cannot grow; the window is then as it was.
    pub(crate) fn reserve(&mut self, room: usize) -> Result<(), Error> {
        debug_assert!(room <= self.page_size);
        self.make_room();
        let need = self.end + room;
        if need > self.buf.len() {
            let mut target = need.max(self.buf.len().saturating_mul(2));
            if target > self.capacity / 2 {
                // Past half the full size, the full size: the steady state comes soon after
                // the data has filled a page or two, whatever the history moves do.
                target = self.capacity;
            }
            grow_exact(&mut self.buf, target)?;
        }
        Ok(())
    }

    /// The first `len` bytes of the page join the history, which then keeps only the last
    /// `reach` bytes (at most 64 KiB) that the next block may reference.
    pub(crate) fn commit(&mut self, len: usize, reach: usize) {
        self.end += len;
        self.start = self
            .start
            .max(self.end - reach.min(WINDOW_SIZE).min(self.end));
    }

    /// Replaces the history with the last 64 KiB of `bytes`, bytes that came right before the
    /// page (they were compressed where they lay, not in the page).
    pub(crate) fn replace_history(&mut self, bytes: &[u8]) {
        let bytes = &bytes[bytes.len().saturating_sub(WINDOW_SIZE)..];
        if self.buf.len() < bytes.len() {
            // At most 64 KiB, and the caller held it: not worth a fallible path.
            self.buf.resize(bytes.len(), 0);
        }
        self.buf[..bytes.len()].copy_from_slice(bytes);
        self.start = 0;
        self.end = bytes.len();
    }

    /// Makes room for a whole page after the history, moving the history to the front of the
    /// buffer if needed. Call only between pages: bytes in the page are not kept.
    pub(crate) fn make_room(&mut self) {
        if self.capacity - self.end < self.page_size {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// The whole buffer, with the start of the history and its end (the start of the page):
    /// what the block codec works on.
    pub(crate) fn buffer(&self) -> (&[u8], usize, usize) {
        (&self.buf, self.start, self.end)
    }

    /// The whole buffer, mutably, with the start and end of the history (see
    /// [`buffer`](Self::buffer)).
    pub(crate) fn buffer_mut(&mut self) -> (&mut [u8], usize, usize) {
        (&mut self.buf, self.start, self.end)
    }
}

/// Grows `buf` to `len` bytes (zeroed), failing with `OutOfMemory` instead of aborting. Its
/// capacity grows as a `Vec`'s does (at least doubling), so that a buffer appended to again
/// and again costs amortized constant time per byte.
pub(crate) fn grow(buf: &mut Vec<u8>, len: usize) -> Result<(), Error> {
    if len > buf.len() {
        buf.try_reserve(len - buf.len())
            .map_err(|_| Error::new(Reason::OutOfMemory { bytes: len }))?;
        buf.resize(len, 0);
    }
    Ok(())
}

/// [`grow`], with exactly the capacity asked for: for buffers whose sizes the caller plans
/// (the window), which must not take twice what the options allow.
pub(crate) fn grow_exact(buf: &mut Vec<u8>, len: usize) -> Result<(), Error> {
    if len > buf.len() {
        buf.try_reserve_exact(len - buf.len())
            .map_err(|_| Error::new(Reason::OutOfMemory { bytes: len }))?;
        buf.resize(len, 0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keeps_only_reach_and_survives_moves() {
        let mut window = Window::new(1000, b"dictionary", 4);
        assert_eq!(window.history(), b"nary");
        let mut total = b"nary".to_vec();
        for round in 0..5000u32 {
            window.reserve(1000).unwrap();
            let page = window.page_mut();
            for (i, byte) in page.iter_mut().enumerate() {
                *byte = (round as usize * 7 + i) as u8;
            }
            total.extend_from_slice(&page[..1000]);
            window.commit(1000, usize::MAX);
            assert_eq!(window.recent(1000), &total[total.len() - 1000..]);
            let history = window.history();
            assert_eq!(history, &total[total.len() - history.len()..]);
            assert_eq!(history.len(), total.len().min(WINDOW_SIZE));
        }
    }

    #[test]
    fn short_reach_forgets_older_blocks() {
        let mut window = Window::new(16, b"", WINDOW_SIZE);
        window.reserve(16).unwrap();
        window.page_mut()[..3].copy_from_slice(b"abc");
        window.commit(3, WINDOW_SIZE);
        window.reserve(16).unwrap();
        window.page_mut()[..2].copy_from_slice(b"de");
        window.commit(2, 2);
        assert_eq!(window.history(), b"de");
        let (buf, start, end) = window.buffer();
        assert_eq!(&buf[start..end], b"de");
    }
}
