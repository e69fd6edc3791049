//! Dense row-major f64 tensors and their elementwise operations.

use super::Shape;

/// A dense tensor of rank 0 to 2, stored row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    shape: Shape,
    data: Vec<f64>,
}

/// How an operand of shape `from` is read while iterating over `to`: the
/// offsets to add per output row and per output column (0 where broadcast).
#[derive(Clone, Copy)]
pub(crate) struct Strides {
    pub(crate) row: usize,
    pub(crate) col: usize,
}

impl Strides {
    pub(crate) fn new(from: Shape, to: Shape) -> Self {
        let (fr, fc) = from.dims2();
        let (tr, tc) = to.dims2();
        Strides { row: if fr == 1 && tr != 1 { 0 } else { fc }, col: if fc == 1 && tc != 1 { 0 } else { 1 } }
    }

    #[inline]
    pub(crate) fn at(self, i: usize, j: usize) -> usize {
        i * self.row + j * self.col
    }
}

impl Tensor {
    /// A tensor from its shape and row-major data.
    ///
    /// # Panics
    /// If `data.len()` differs from `shape.len()`.
    #[track_caller]
    pub fn new(shape: Shape, data: Vec<f64>) -> Self {
        assert_eq!(data.len(), shape.len(), "tensor data does not fit shape {shape}");
        Tensor { shape, data }
    }

    /// A scalar.
    pub fn scalar(value: f64) -> Self {
        Tensor { shape: Shape::Scalar, data: vec![value] }
    }

    /// A vector.
    pub fn vector(values: Vec<f64>) -> Self {
        Tensor { shape: Shape::Vector(values.len()), data: values }
    }

    /// A tensor of the given shape filled with `value`.
    pub fn full(shape: Shape, value: f64) -> Self {
        Tensor { shape, data: vec![value; shape.len()] }
    }

    /// A tensor of zeros.
    pub fn zeros(shape: Shape) -> Self {
        Self::full(shape, 0.0)
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The row-major data.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// The row-major data, mutable.
    pub fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// The data, consuming the tensor.
    pub fn into_data(self) -> Vec<f64> {
        self.data
    }

    /// The first element: the value of a scalar.
    pub fn item(&self) -> f64 {
        self.data[0]
    }

    /// Element (i, j) of the tensor seen as a matrix (see [`Shape::dims2`]).
    pub fn at(&self, i: usize, j: usize) -> f64 {
        let (_, c) = self.shape.dims2();
        self.data[i * c + j]
    }

    /// Whether every element is finite.
    pub fn is_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }

    /// Applies `f` to every element.
    pub fn map(&self, mut f: impl FnMut(f64) -> f64) -> Tensor {
        Tensor { shape: self.shape, data: self.data.iter().map(|&v| f(v)).collect() }
    }

    /// Applies `f` elementwise to `self` and `other`, broadcasting both.
    ///
    /// # Panics
    /// If the shapes do not broadcast (graphs check this at construction).
    #[track_caller]
    pub fn zip_with(&self, other: &Tensor, f: impl Fn(f64, f64) -> f64) -> Tensor {
        if self.shape == other.shape {
            let data = self.data.iter().zip(&other.data).map(|(&a, &b)| f(a, b)).collect();
            return Tensor { shape: self.shape, data };
        }
        let shape = self
            .shape
            .broadcast(other.shape)
            .unwrap_or_else(|| panic!("shapes {} and {} do not broadcast", self.shape, other.shape));
        if other.shape == Shape::Scalar {
            let b = other.data[0];
            return Tensor { shape, data: self.data.iter().map(|&a| f(a, b)).collect() };
        }
        if self.shape == Shape::Scalar {
            let a = self.data[0];
            return Tensor { shape, data: other.data.iter().map(|&b| f(a, b)).collect() };
        }
        let (sa, sb) = (Strides::new(self.shape, shape), Strides::new(other.shape, shape));
        let (rows, cols) = shape.dims2();
        let mut data = Vec::with_capacity(shape.len());
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(self.data[sa.at(i, j)], other.data[sb.at(i, j)]));
            }
        }
        Tensor { shape, data }
    }

    /// This tensor broadcast to `shape`.
    #[track_caller]
    pub fn broadcast_to(&self, shape: Shape) -> Tensor {
        if self.shape == shape {
            return self.clone();
        }
        assert_eq!(self.shape.broadcast(shape), Some(shape), "cannot broadcast {} to {shape}", self.shape);
        let s = Strides::new(self.shape, shape);
        let (rows, cols) = shape.dims2();
        let mut data = Vec::with_capacity(shape.len());
        for i in 0..rows {
            for j in 0..cols {
                data.push(self.data[s.at(i, j)]);
            }
        }
        Tensor { shape, data }
    }

    /// The adjoint of broadcasting: sums this tensor (of a broadcast shape)
    /// down to `shape`, which must broadcast to `self.shape()`.
    #[track_caller]
    pub fn sum_to(&self, shape: Shape) -> Tensor {
        if self.shape == shape {
            return self.clone();
        }
        let mut out = Tensor::zeros(shape);
        let s = Strides::new(shape, self.shape);
        let (rows, cols) = self.shape.dims2();
        for i in 0..rows {
            for j in 0..cols {
                out.data[s.at(i, j)] += self.data[i * cols + j];
            }
        }
        out
    }

    /// Adds `other` (already of the same shape) into `self`.
    #[track_caller]
    pub fn add_assign(&mut self, other: &Tensor) {
        assert_eq!(self.shape, other.shape);
        for (a, b) in self.data.iter_mut().zip(&other.data) {
            *a += b;
        }
    }

    /// Euclidean norm of all elements.
    pub fn norm(&self) -> f64 {
        self.data.iter().map(|v| v * v).sum::<f64>().sqrt()
    }

    /// Sum of the elementwise product with `other` (same shape).
    #[track_caller]
    pub fn dot(&self, other: &Tensor) -> f64 {
        assert_eq!(self.shape, other.shape);
        self.data.iter().zip(&other.data).map(|(a, b)| a * b).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_add_row_column_and_scalar() {
        let m = Tensor::new(Shape::Matrix(2, 3), vec![1., 2., 3., 4., 5., 6.]);
        let row = Tensor::vector(vec![10., 20., 30.]);
        let col = Tensor::new(Shape::Matrix(2, 1), vec![100., 200.]);
        let add = |a: f64, b: f64| a + b;
        assert_eq!(m.zip_with(&row, add).data(), &[11., 22., 33., 14., 25., 36.]);
        assert_eq!(m.zip_with(&col, add).data(), &[101., 102., 103., 204., 205., 206.]);
        assert_eq!(Tensor::scalar(1.).zip_with(&m, add).data(), &[2., 3., 4., 5., 6., 7.]);
        let outer = col.zip_with(&row, add);
        assert_eq!(outer.shape(), Shape::Matrix(2, 3));
        assert_eq!(outer.data(), &[110., 120., 130., 210., 220., 230.]);
    }

    #[test]
    fn sum_to_is_the_adjoint_of_broadcast() {
        // <broadcast(a), g> == <a, sum_to(g)> for every pair of shapes.
        let g = Tensor::new(Shape::Matrix(2, 3), vec![1., -2., 3., 0.5, 5., -6.]);
        for shape in [Shape::Scalar, Shape::Vector(3), Shape::Matrix(2, 1), Shape::Matrix(1, 3)] {
            let a = Tensor::new(shape, (0..shape.len()).map(|i| i as f64 + 0.25).collect());
            let lhs = a.broadcast_to(g.shape()).dot(&g);
            let rhs = a.dot(&g.sum_to(shape));
            assert!((lhs - rhs).abs() < 1e-12, "{shape}: {lhs} vs {rhs}");
        }
    }
}
