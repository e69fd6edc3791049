//! Loss heads: the last operation of a loss, majorized by its own sharp
//! bound instead of by interval arithmetic through it.
//!
//! [`recognise`] splits a (simplified) loss into weighted summands and
//! finds those that are a softmax cross-entropy or a squared error of one
//! tensor node `Z` (the network's outputs). The line pass encloses the
//! network only up to `Z`, per element; `softmax` and `square` bound the
//! head's remainder ratio from those enclosures, and `ratio` adds the
//! heads and the other summands into the loss's. docs/mm.md ("Loss heads")
//! has the proofs. It uses the `interval`, `expr` and `tensor` layers.

mod ratio;
mod recognise;
mod softmax;
mod square;

pub(crate) use ratio::Elements;
// The recogniser's whole vocabulary, for the passes that build on heads.
#[allow(unused_imports)]
pub(crate) use recognise::{Head, Heads, Kind, recognise, scalar};
