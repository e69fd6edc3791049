//! Dense f64 tensors of rank 0 to 2.
//!
//! This layer owns shapes and broadcasting ([`Shape`]), dense row-major
//! tensors ([`Tensor`]) with elementwise operations, reductions over all
//! elements or one axis, a stable log-sum-exp, and matrix products through
//! faer. It uses no other layer of the crate.
//!
//! ```
//! use majorize::{Shape, Tensor};
//! let x = Tensor::new(Shape::Matrix(2, 2), vec![1.0, 2.0, 3.0, 4.0]);
//! let w = Tensor::vector(vec![1.0, -1.0]);
//! assert_eq!(x.matmul(&w).data(), &[-1.0, -1.0]);
//! assert_eq!(x.sum_axis(Some(0)).data(), &[4.0, 6.0]);
//! ```

mod dense;
mod interval;
pub mod into;
mod matmul;
pub mod memory;
mod reduce;
mod shape;
mod upper_state;

pub(crate) use dense::Strides;
pub use dense::Tensor;
pub use interval::ITensor;
pub(crate) use matmul::{View, gemm, gemm_into, left_dims, right_dims};
pub use shape::Shape;
pub use upper_state::clear_upper_state;

/// The elements of a list of tensors, one after the other (a parameter
/// list as one vector).
pub fn flatten(ts: &[Tensor]) -> Vec<f64> {
    ts.iter().flat_map(|t| t.data().iter().copied()).collect()
}

/// `flat` cut into tensors shaped like `like` (the inverse of [`flatten`]).
///
/// # Panics
/// If `flat` is shorter than `like`'s elements.
pub fn unflatten(flat: &[f64], like: &[Tensor]) -> Vec<Tensor> {
    let mut at = 0;
    like.iter()
        .map(|t| {
            let n = t.shape().len();
            at += n;
            Tensor::new(t.shape(), flat[at - n..at].to_vec())
        })
        .collect()
}
