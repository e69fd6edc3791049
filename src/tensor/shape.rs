//! Shapes of rank 0 to 2 and numpy-style broadcasting between them.

use std::fmt;

/// The shape of a tensor: a scalar, a vector or a matrix.
///
/// For broadcasting, a vector of length `n` behaves as a row `1 x n`, as in
/// numpy: `Matrix(r, c) + Vector(c)` adds the vector to every row, and
/// `Matrix(r, 1) + Vector(c)` is an outer sum of shape `Matrix(r, c)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A single number.
    Scalar,
    /// A vector of the given length.
    Vector(usize),
    /// A matrix with the given numbers of rows and columns.
    Matrix(usize, usize),
}

impl Shape {
    /// Number of elements.
    pub fn len(self) -> usize {
        let (r, c) = self.dims2();
        r * c
    }

    /// Whether the shape holds no element.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Rank: 0, 1 or 2.
    pub fn rank(self) -> usize {
        match self {
            Shape::Scalar => 0,
            Shape::Vector(_) => 1,
            Shape::Matrix(..) => 2,
        }
    }

    /// The shape seen as a matrix: a scalar is `1 x 1` and a vector a row `1 x n`.
    pub fn dims2(self) -> (usize, usize) {
        match self {
            Shape::Scalar => (1, 1),
            Shape::Vector(n) => (1, n),
            Shape::Matrix(r, c) => (r, c),
        }
    }

    /// The shape that `self` and `other` broadcast to, if they are compatible.
    pub fn broadcast(self, other: Shape) -> Option<Shape> {
        let (ar, ac) = self.dims2();
        let (br, bc) = other.dims2();
        let dim = |a: usize, b: usize| match (a, b) {
            _ if a == b => Some(a),
            (1, b) => Some(b),
            (a, 1) => Some(a),
            _ => None,
        };
        let rows = dim(ar, br)?;
        let cols = dim(ac, bc)?;
        Some(match self.rank().max(other.rank()) {
            0 => Shape::Scalar,
            1 => Shape::Vector(cols),
            _ => Shape::Matrix(rows, cols),
        })
    }

    /// The shape left after reducing over `axis` (`None`: over everything).
    pub fn reduce(self, axis: Option<usize>) -> Option<Shape> {
        match (self, axis) {
            (_, None) => Some(Shape::Scalar),
            (Shape::Vector(_), Some(0)) => Some(Shape::Scalar),
            (Shape::Matrix(_, c), Some(0)) => Some(Shape::Vector(c)),
            (Shape::Matrix(r, _), Some(1)) => Some(Shape::Vector(r)),
            _ => None,
        }
    }

    /// The shape of the matrix product `self @ other`, as numpy's `matmul`
    /// defines it for ranks 1 and 2.
    pub fn matmul(self, other: Shape) -> Option<Shape> {
        match (self, other) {
            (Shape::Matrix(r, k), Shape::Matrix(k2, c)) if k == k2 => Some(Shape::Matrix(r, c)),
            (Shape::Matrix(r, k), Shape::Vector(k2)) if k == k2 => Some(Shape::Vector(r)),
            (Shape::Vector(k), Shape::Matrix(k2, c)) if k == k2 => Some(Shape::Vector(c)),
            (Shape::Vector(k), Shape::Vector(k2)) if k == k2 => Some(Shape::Scalar),
            _ => None,
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Scalar => write!(f, "scalar"),
            Shape::Vector(n) => write!(f, "[{n}]"),
            Shape::Matrix(r, c) => write!(f, "[{r}, {c}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Shape::*;

    #[test]
    fn broadcasting_table() {
        let cases = [
            (Scalar, Scalar, Some(Scalar)),
            (Scalar, Vector(3), Some(Vector(3))),
            (Vector(3), Vector(3), Some(Vector(3))),
            (Vector(3), Vector(4), None),
            (Vector(1), Vector(4), Some(Vector(4))),
            (Matrix(2, 3), Vector(3), Some(Matrix(2, 3))),
            (Matrix(2, 3), Vector(2), None),
            (Matrix(2, 1), Vector(3), Some(Matrix(2, 3))),
            (Matrix(1, 3), Matrix(2, 1), Some(Matrix(2, 3))),
            (Matrix(2, 3), Matrix(3, 2), None),
        ];
        for (a, b, want) in cases {
            assert_eq!(a.broadcast(b), want, "{a} with {b}");
            assert_eq!(b.broadcast(a), want, "{b} with {a}");
        }
    }

    #[test]
    fn matmul_and_reduce_shapes() {
        assert_eq!(Matrix(5, 3).matmul(Matrix(3, 2)), Some(Matrix(5, 2)));
        assert_eq!(Matrix(5, 3).matmul(Vector(3)), Some(Vector(5)));
        assert_eq!(Vector(5).matmul(Matrix(5, 2)), Some(Vector(2)));
        assert_eq!(Vector(5).matmul(Vector(5)), Some(Scalar));
        assert_eq!(Scalar.matmul(Vector(1)), None);
        assert_eq!(Matrix(5, 3).matmul(Matrix(2, 3)), None);
        assert_eq!(Matrix(5, 3).reduce(Some(0)), Some(Vector(3)));
        assert_eq!(Matrix(5, 3).reduce(Some(1)), Some(Vector(5)));
        assert_eq!(Vector(5).reduce(Some(1)), None);
        assert_eq!(Scalar.reduce(Some(0)), None);
        assert_eq!(Matrix(5, 3).reduce(None), Some(Scalar));
    }
}
