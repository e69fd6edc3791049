//! Scratch buffers that go back to a per-thread pool when dropped, so that
//! a steady-state pass neither allocates nor touches fresh pages (glibc
//! hands freed large blocks back to the system, and the next pass would
//! fault them in again).

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

/// How many buffers a thread keeps.
const KEEP: usize = 64;

thread_local! {
    static POOL: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of doubles from the pool.
#[derive(Debug, Default)]
pub(crate) struct Buf(Vec<f64>);

impl Buf {
    /// `n` doubles, all `fill`.
    pub fn filled(n: usize, fill: f64) -> Self {
        let mut v = POOL.with(|p| p.borrow_mut().pop()).unwrap_or_default();
        v.clear();
        v.resize(n, fill);
        Buf(v)
    }

    /// `n` doubles, `f(i)` each.
    pub fn from_fn(n: usize, mut f: impl FnMut(usize) -> f64) -> Self {
        let mut b = Self::filled(n, 0.0);
        for (i, x) in b.0.iter_mut().enumerate() {
            *x = f(i);
        }
        b
    }
}

impl Deref for Buf {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        &self.0
    }
}

impl DerefMut for Buf {
    fn deref_mut(&mut self) -> &mut [f64] {
        &mut self.0
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        if v.capacity() > 0 {
            // A thread being torn down has no pool left: the buffer is freed.
            let _ = POOL.try_with(|p| {
                let mut p = p.borrow_mut();
                if p.len() < KEEP {
                    p.push(v);
                }
            });
        }
    }
}
