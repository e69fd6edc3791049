//! Matrix products through faer, with the products of transposes that
//! reverse mode needs.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

use super::{Shape, Tensor};

/// The matrix view of a left operand: a vector is a row `1 x k`.
pub fn left_dims(shape: Shape) -> (usize, usize) {
    shape.dims2()
}

/// The matrix view of a right operand: a vector is a column `k x 1`.
pub fn right_dims(shape: Shape) -> (usize, usize) {
    match shape {
        Shape::Vector(n) => (n, 1),
        s => s.dims2(),
    }
}

/// A row-major matrix view of a slice, possibly transposed.
#[derive(Clone, Copy)]
pub struct View<'a> {
    data: &'a [f64],
    rows: usize,
    cols: usize,
    transposed: bool,
}

impl<'a> View<'a> {
    /// A `rows x cols` row-major view of `data`.
    #[track_caller]
    pub fn new(data: &'a [f64], rows: usize, cols: usize) -> Self {
        assert_eq!(data.len(), rows * cols);
        View { data, rows, cols, transposed: false }
    }

    /// The transpose (free).
    pub fn t(self) -> Self {
        View { transposed: !self.transposed, ..self }
    }

    /// Rows and columns as seen through the view.
    pub fn dims(self) -> (usize, usize) {
        if self.transposed { (self.cols, self.rows) } else { (self.rows, self.cols) }
    }

    fn faer(self) -> MatRef<'a, f64> {
        let m = MatRef::from_row_major_slice(self.data, self.rows, self.cols);
        if self.transposed { m.transpose() } else { m }
    }
}

/// `out = a @ b` (or `out += a @ b` when `accumulate`), with `out` a
/// row-major buffer of the product's size.
#[track_caller]
pub fn gemm(out: &mut [f64], a: View<'_>, b: View<'_>, accumulate: bool) {
    let (r, k) = a.dims();
    let (k2, c) = b.dims();
    assert_eq!(k, k2, "inner dimensions differ");
    assert_eq!(out.len(), r * c);
    if r == 0 || c == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            out.fill(0.0);
        }
        return;
    }
    let dst: MatMut<'_, f64> = MatMut::from_row_major_slice_mut(out, r, c);
    let beta = if accumulate { Accum::Add } else { Accum::Replace };
    matmul(dst, beta, a.faer(), b.faer(), 1.0, Par::Seq);
    // faer's AVX-512 kernels leave the upper register state dirty.
    super::upper_state::clear_upper_state();
}

/// `out = a @ b` into `out`'s buffer (already of the product's shape).
pub fn gemm_into(out: &mut Tensor, a: &Tensor, b: &Tensor) {
    gemm(out.data_mut(), a.left_view(), b.right_view(), false);
}

impl Tensor {
    /// The left-operand matrix view of this tensor.
    pub fn left_view(&self) -> View<'_> {
        let (r, c) = left_dims(self.shape());
        View::new(self.data(), r, c)
    }

    /// The right-operand matrix view of this tensor.
    pub fn right_view(&self) -> View<'_> {
        let (r, c) = right_dims(self.shape());
        View::new(self.data(), r, c)
    }

    /// The matrix product `self @ other` as numpy defines it for ranks 1 and 2.
    ///
    /// # Panics
    /// If the shapes do not fit (graphs check this at construction).
    #[track_caller]
    pub fn matmul(&self, other: &Tensor) -> Tensor {
        let shape = self
            .shape()
            .matmul(other.shape())
            .unwrap_or_else(|| panic!("cannot multiply {} by {}", self.shape(), other.shape()));
        let mut out = Tensor::zeros(shape);
        gemm(out.data_mut(), self.left_view(), other.right_view(), false);
        out
    }

    /// The adjoint of the left operand of `c = a @ b` for an output adjoint
    /// `g`: `g @ b^T`, shaped like `a` (`a_shape`).
    pub fn matmul_adjoint_left(a_shape: Shape, b: &Tensor, g: &Tensor) -> Tensor {
        let gv = View::new(g.data(), left_dims(a_shape).0, right_dims(b.shape()).1);
        let mut ga = Tensor::zeros(a_shape);
        gemm(ga.data_mut(), gv, b.right_view().t(), false);
        ga
    }

    /// The adjoint of the right operand of `c = a @ b` for an output adjoint
    /// `g`: `a^T @ g`, shaped like `b` (`b_shape`).
    pub fn matmul_adjoint_right(a: &Tensor, b_shape: Shape, g: &Tensor) -> Tensor {
        let gv = View::new(g.data(), left_dims(a.shape()).0, right_dims(b_shape).1);
        let mut gb = Tensor::zeros(b_shape);
        gemm(gb.data_mut(), a.left_view().t(), gv, false);
        gb
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], r: usize, k: usize, c: usize) -> Vec<f64> {
        let mut out = vec![0.0; r * c];
        for i in 0..r {
            for j in 0..c {
                out[i * c + j] = (0..k).map(|l| a[i * k + l] * b[l * c + j]).sum();
            }
        }
        out
    }

    #[test]
    fn products_of_every_rank_pair() {
        let a = Tensor::new(Shape::Matrix(2, 3), vec![1., 2., 3., 4., 5., 6.]);
        let b = Tensor::new(Shape::Matrix(3, 2), vec![7., 8., 9., 10., 11., 12.]);
        let v3 = Tensor::vector(vec![1., -1., 2.]);
        let v2 = Tensor::vector(vec![3., 4.]);
        assert_eq!(a.matmul(&b).data(), naive(a.data(), b.data(), 2, 3, 2).as_slice());
        assert_eq!(a.matmul(&v3).data(), &[1. - 2. + 6., 4. - 5. + 12.]);
        assert_eq!(v2.matmul(&a).data(), &[3. + 16., 6. + 20., 9. + 24.]);
        assert_eq!(v3.matmul(&v3).shape(), Shape::Scalar);
        assert_eq!(v3.matmul(&v3).item(), 1. + 1. + 4.);
    }

    #[test]
    fn adjoints_satisfy_the_inner_product_identity() {
        // <a @ b, g> = <a, g @ b^T> = <b, a^T @ g>
        let a = Tensor::new(Shape::Matrix(2, 3), vec![1., 2., 3., 4., 5., 6.]);
        let b = Tensor::vector(vec![0.5, -1., 2.]);
        let g = Tensor::vector(vec![3., -2.]);
        let ga = Tensor::matmul_adjoint_left(a.shape(), &b, &g);
        let gb = Tensor::matmul_adjoint_right(&a, b.shape(), &g);
        let lhs = a.matmul(&b).dot(&g);
        assert!((lhs - a.dot(&ga)).abs() < 1e-12);
        assert!((lhs - b.dot(&gb)).abs() < 1e-12);
    }
}
