//! Compression cases the codec tests share (`tests/it/codec_oracle.rs`, `tests/it/hc.rs`): data of a
//! source cut into chunks, with a dictionary its data repeats slices of, and the check that
//! every block our `Compressor` writes for a case decodes with liblz4, `lz4_flex` and our
//! `Decompressor` given only the history its strategy allows.

use super::{
    compress_bound, corpus_slice, extend_data, liblz4_decode_ext_dict, sprinkle_dictionary, Kind,
    Rng, KINDS,
};
use lz4_stream::{
    Compressor, Decompressor, Mode, SizePrefix, Strategy, StreamOptions, WINDOW_SIZE,
};

/// The dictionary lengths of the cases: none, shorter than liblz4's fast compressor hashes,
/// short, medium, and longer than the 64 KiB that matter.
pub const DICTIONARY_LENS: [usize; 5] = [0, 5, 100, 5000, 70_000];

/// Every source: the generated kinds, and the corpus if `with_corpus`.
pub fn sources(with_corpus: bool) -> Vec<Source> {
    let mut sources: Vec<Source> = KINDS.iter().map(|&kind| Source::Generated(kind)).collect();
    if with_corpus {
        sources.push(Source::Corpus);
    }
    sources
}

/// Where a case's data comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Generated(Kind),
    Corpus,
}

/// One case: `buf` is `[dictionary | data]`, compressed in chunks of the lengths `chunks`.
pub struct Case {
    pub name: String,
    pub buf: Vec<u8>,
    pub dict_len: usize,
    pub page: usize,
    pub chunks: Vec<usize>,
}

impl Case {
    /// A case of `len` bytes from `source` in pages of `page`, with a dictionary of `dict_len`
    /// bytes whose slices the data repeats; `irregular` cuts the data into chunks of irregular
    /// lengths (empty ones included) instead of full pages.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        source: Source,
        page: usize,
        len: usize,
        dict_len: usize,
        irregular: bool,
        corpus: Option<&[u8]>,
        seed: u64,
    ) -> Case {
        let mut rng = Rng::new(seed);
        let make = |rng: &mut Rng, len: usize| -> Vec<u8> {
            match source {
                Source::Generated(kind) => {
                    let mut out = Vec::with_capacity(len);
                    extend_data(rng, kind, &mut out, len);
                    out
                }
                Source::Corpus => corpus_slice(rng, corpus.expect("the corpus"), len),
            }
        };
        let mut data = make(&mut rng, len);
        let dictionary = make(&mut rng, dict_len);
        sprinkle_dictionary(&mut rng, &mut data, &dictionary);
        let chunks = if irregular {
            let mut chunks = Vec::new();
            let mut left = len;
            while left > 0 {
                let n = match rng.below(6) {
                    0 => 0,
                    1 => rng.below(16),
                    2 => page,
                    _ => rng.below(page + 1),
                }
                .min(page)
                .min(left);
                chunks.push(n);
                left -= n;
            }
            chunks
        } else {
            let mut chunks = vec![page; len / page];
            if len % page != 0 {
                chunks.push(len % page);
            }
            chunks
        };
        let mut buf = dictionary;
        buf.extend_from_slice(&data);
        Case {
            name: format!(
                "{source:?}, page {page}, {len} bytes{}, dictionary {dict_len}",
                if irregular {
                    " in irregular chunks"
                } else {
                    ""
                }
            ),
            buf,
            dict_len,
            page,
            chunks,
        }
    }

    /// The dictionary: the first `dict_len` bytes of `buf`.
    pub fn dictionary(&self) -> &[u8] {
        &self.buf[..self.dict_len]
    }

    /// Options with this case's page and dictionary, bare blocks (`SizePrefix::OutOfBand`).
    pub fn options(&self, strategy: Strategy, mode: Mode) -> StreamOptions {
        StreamOptions::new()
            .page_size(self.page)
            .size_prefix(SizePrefix::OutOfBand)
            .strategy(strategy)
            .dictionary(self.buf[..self.dict_len].to_vec())
            .mode(mode)
    }

    /// Our bare blocks, one per chunk.
    pub fn blocks(&self, strategy: Strategy, mode: Mode) -> Vec<Vec<u8>> {
        let mut compressor = Compressor::new(&self.options(strategy, mode)).expect("valid options");
        let mut at = self.dict_len;
        self.chunks
            .iter()
            .map(|&len| {
                let mut block = Vec::new();
                let n = compressor
                    .compress(&self.buf[at..at + len], &mut block)
                    .unwrap_or_else(|err| panic!("{}, {mode:?}: compress: {err}", self.name));
                assert_eq!(n, block.len());
                at += len;
                block
            })
            .collect()
    }
}

/// Compresses `case` with `strategy` in `mode` and decodes every block with liblz4 and
/// lz4_flex given only the history the strategy allows (in a buffer of its own), and with our
/// `Decompressor`; returns what went wrong, if anything.
pub fn check_blocks_decode(case: &Case, strategy: Strategy, mode: Mode) -> Option<String> {
    let blocks = case.blocks(strategy, mode);
    let name = format!("{}, {strategy:?}, {mode:?}", case.name);
    let mut ours = Decompressor::new(&case.options(strategy, mode)).expect("valid options");
    let mut out = vec![0u8; case.page];
    // The double buffer's history: the previous chunk (the dictionary's last 64 KiB first).
    let mut previous = case.dict_len.saturating_sub(WINDOW_SIZE)..case.dict_len;
    let mut at = case.dict_len;
    for (number, (block, &len)) in blocks.iter().zip(&case.chunks).enumerate() {
        let chunk = &case.buf[at..at + len];
        let where_ = || {
            format!(
                "{name}: block {number} of {} ({} bytes for {len})",
                blocks.len(),
                block.len()
            )
        };
        if block.len() > compress_bound(len) {
            return Some(format!("{}: longer than compress_bound", where_()));
        }
        let history = match strategy {
            Strategy::DoubleBuffer => &case.buf[previous.clone()],
            Strategy::RingBuffer { window } => &case.buf[at - at.min(window)..at],
        };
        // A copy, so that nothing before the history is in reach.
        let history = history.to_vec();
        out.fill(0xA5);
        match liblz4_decode_ext_dict(block, &mut out[..len], &history) {
            Some(n) if n == len && out[..len] == *chunk => {}
            Some(n) => {
                return Some(format!(
                    "{}: liblz4 decodes it to other bytes ({n})",
                    where_()
                ))
            }
            None => {
                return Some(format!(
                    "{}: liblz4 refuses it with {} bytes of history",
                    where_(),
                    history.len()
                ))
            }
        }
        match lz4_flex::block::decompress_with_dict(block, len, &history) {
            Ok(bytes) if bytes == chunk => {}
            Ok(bytes) => {
                return Some(format!(
                    "{}: lz4_flex decodes it to other bytes ({})",
                    where_(),
                    bytes.len()
                ))
            }
            Err(err) => {
                return Some(format!(
                    "{}: lz4_flex refuses it with {} bytes of history: {err}",
                    where_(),
                    history.len()
                ))
            }
        }
        match ours.decompress(block) {
            Ok(bytes) if bytes == chunk => {}
            Ok(bytes) => {
                return Some(format!(
                    "{}: our Decompressor decodes it to other bytes ({})",
                    where_(),
                    bytes.len()
                ))
            }
            Err(err) => return Some(format!("{}: our Decompressor refuses it: {err}", where_())),
        }
        previous = at..at + len;
        at += len;
    }
    None
}
