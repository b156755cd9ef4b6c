//! What every reader front end shares: constructors, accessors and `Debug`, written once.
//!
//! The six readers ([`Lz4StreamReader`](crate::Lz4StreamReader),
//! [`Lz4StreamBufReader`](crate::Lz4StreamBufReader) and their tokio and futures-io twins) are
//! the same struct, an inner reader beside a [`Pull`](crate::codec::pull::Pull), and differ only
//! in the trait they drive it through. A macro rather than a generic type keeps each reader its
//! own named type with its own bound on `R`, as users of `std`, tokio and futures expect, while
//! the part that does not depend on the trait lives here once.

/// The constructors, accessors and `Debug` of a reader struct `$name<R>` with fields `inner: R`
/// and `pull: Pull`, for inner readers bounded by `$bound`. With `pinned`, the struct is a
/// `pin_project!` one and also gets `get_pin_mut`.
macro_rules! reader_common {
    ($name:ident, $bound:ident) => {
        reader_common!(@impl $name, $bound, {});
    };
    ($name:ident, $bound:ident, pinned) => {
        reader_common!(@impl $name, $bound, {
            /// The inner reader, pinned. Reading from it directly corrupts the stream.
            pub fn get_pin_mut(self: ::std::pin::Pin<&mut Self>) -> ::std::pin::Pin<&mut R> {
                self.project().inner
            }
        });
    };
    (@impl $name:ident, $bound:ident, { $($pinned:tt)* }) => {
        impl<R: $bound> $name<R> {
            /// A reader with the default options (64 KiB pages, 4-byte prefixes).
            pub fn new(inner: R) -> Self {
                Self::with_options(inner, &$crate::StreamOptions::new())
                    .expect("the default options are valid")
            }

            /// A reader with `opts`: its page size, prefix, dictionary and end marker (the
            /// strategy, mode and threads do not matter to a reader).
            ///
            /// # Errors
            ///
            /// `InvalidInput` for options that are not valid (a page size out of range, a ring
            /// window over 64 KiB, a mode or thread count out of range: every constructor
            /// refuses them; see [`StreamOptions::validate`]($crate::StreamOptions::validate))
            /// or for [`SizePrefix::OutOfBand`]($crate::SizePrefix::OutOfBand), which needs
            /// [`with_block_sizes`](Self::with_block_sizes).
            pub fn with_options(
                inner: R,
                opts: &$crate::StreamOptions,
            ) -> ::std::io::Result<Self> {
                let decoder = $crate::codec::decoder::Decoder::new(opts, None)?;
                Ok($name { inner, pull: $crate::codec::pull::Pull::new(decoder) })
            }

            /// A reader for a stream whose records have no prefixes
            /// ([`SizePrefix::OutOfBand`]($crate::SizePrefix::OutOfBand)): the block sizes come
            /// from the application, in order, and the stream ends after the last.
            ///
            /// # Errors
            ///
            /// `InvalidInput` with any other prefix, or options that are not valid. A size of 0
            /// or above `compress_bound(page_size)` is `InvalidData` when the reader reaches it.
            pub fn with_block_sizes(
                inner: R,
                opts: &$crate::StreamOptions,
                sizes: impl IntoIterator<Item = usize>,
            ) -> ::std::io::Result<Self> {
                let sizes = sizes.into_iter().collect();
                let decoder = $crate::codec::decoder::Decoder::new(opts, Some(sizes))?;
                Ok($name { inner, pull: $crate::codec::pull::Pull::new(decoder) })
            }

            /// The inner reader.
            pub fn get_ref(&self) -> &R {
                &self.inner
            }

            /// The inner reader, mutably. Reading from it directly corrupts the stream.
            pub fn get_mut(&mut self) -> &mut R {
                &mut self.inner
            }

            $($pinned)*

            /// The decompressed bytes decoded but not yet read (what the next read serves
            /// first, before it takes more input). [`into_inner`](Self::into_inner) drops them.
            pub fn buffer(&self) -> &[u8] {
                self.pull.decoder.output()
            }

            /// The inner reader. Once the stream has ended, it stands right after the last
            /// record (a buffered inner reader's buffer holds what follows the stream, if
            /// anything). In the middle of a stream, the decoded bytes not yet read
            /// ([`buffer`](Self::buffer)) are dropped, and so is the part of a record already
            /// taken from the inner reader (see [`total_in`](Self::total_in)).
            pub fn into_inner(self) -> R {
                self.inner
            }

            /// Compressed bytes taken from the inner reader so far.
            pub fn total_in(&self) -> u64 {
                self.pull.decoder.total_in()
            }

            /// Decompressed bytes served so far.
            pub fn total_out(&self) -> u64 {
                self.pull.total_out()
            }
        }

        impl<R: $bound + ::std::fmt::Debug> ::std::fmt::Debug for $name<R> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.pull
                    .debug_fields(&mut f.debug_struct(stringify!($name)), &self.inner)
                    .finish()
            }
        }
    };
}
