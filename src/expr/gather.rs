//! The gather operation and what is built from it: transposes, slices,
//! indexing, reshapes and broadcasts of a value to a given shape. Each is
//! one [`Op::Gather`] node, `out[k] = a[index[k]]`, whose table the graph
//! stores once.

use std::sync::Arc;

use super::graph::GatherInfo;
use super::{ExprError, Graph, NodeId, Op};
use crate::tensor::Shape;

/// One axis of a selection: a single position (the axis is dropped) or the
/// positions `lo..hi` (kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sel {
    /// The position `i`.
    At(usize),
    /// The positions `lo..hi`.
    Range(usize, usize),
}

impl Sel {
    /// The positions selected.
    fn positions(self) -> std::ops::Range<usize> {
        match self {
            Sel::At(i) => i..i + 1,
            Sel::Range(lo, hi) => lo..hi,
        }
    }

    /// Checks the selection against an axis of length `n` (`what` names it).
    fn check(self, n: usize, what: &str) -> Result<(), ExprError> {
        match self {
            Sel::At(i) if i >= n => {
                Err(ExprError::Index(format!("index {i} is out of range for {what} of length {n}")))
            }
            Sel::Range(lo, hi) if lo >= hi => {
                Err(ExprError::Index(format!("the slice {lo}:{hi} is empty: it needs start < end")))
            }
            Sel::Range(_, hi) if hi > n => {
                Err(ExprError::Index(format!("the slice end {hi} is out of range for {what} of length {n}")))
            }
            _ => Ok(()),
        }
    }
}

impl Graph {
    /// `out[k] = a[index[k]]` with `out` of shape `shape`, elements
    /// numbered row-major. The identity on `a`'s own shape gives `a`.
    ///
    /// # Errors
    /// [`ExprError::Index`] if `index` has not one entry per element of
    /// `shape` or points outside `a`.
    pub fn gather(&mut self, a: NodeId, index: Vec<usize>, shape: Shape) -> Result<NodeId, ExprError> {
        let len = self.shape(a).len();
        if index.len() != shape.len() {
            let msg = format!("a gather to {shape} needs {} indices, not {}", shape.len(), index.len());
            return Err(ExprError::Index(msg));
        }
        if let Some(&bad) = index.iter().find(|&&i| i >= len) {
            return Err(ExprError::Index(format!("element {bad} is out of range for a {} operand", self.shape(a))));
        }
        if shape == self.shape(a) && index.iter().enumerate().all(|(k, &i)| k == i) {
            return Ok(a);
        }
        let t = self.gather_table(GatherInfo { index: Arc::from(index), shape });
        Ok(self.intern(Op::Gather(a, t), shape))
    }

    /// The transpose of a matrix; a scalar or a vector is its own transpose
    /// (as in numpy).
    pub fn transpose(&mut self, a: NodeId) -> NodeId {
        let Shape::Matrix(r, c) = self.shape(a) else { return a };
        let index = (0..c).flat_map(|j| (0..r).map(move |i| i * c + j)).collect();
        self.gather(a, index, Shape::Matrix(c, r)).expect("a transpose stays in range")
    }

    /// `a` with the same elements, row-major, in shape `shape`.
    ///
    /// # Errors
    /// [`ExprError::Index`] if `shape` has another number of elements.
    pub fn reshape(&mut self, a: NodeId, shape: Shape) -> Result<NodeId, ExprError> {
        let from = self.shape(a);
        if from.len() != shape.len() {
            return Err(ExprError::Index(format!("cannot reshape {from} ({} elements) to {shape}", from.len())));
        }
        self.gather(a, (0..shape.len()).collect(), shape)
    }

    /// `a` (a scalar, or anything that broadcasts to `shape`) repeated to
    /// fill `shape`.
    ///
    /// # Errors
    /// [`ExprError::Shape`] if `a` does not broadcast to `shape`.
    pub fn broadcast_to(&mut self, a: NodeId, shape: Shape) -> Result<NodeId, ExprError> {
        let from = self.shape(a);
        if from.broadcast(shape) != Some(shape) {
            return Err(ExprError::Shape { op: "broadcast", left: from, right: shape });
        }
        let strides = crate::tensor::Strides::new(from, shape);
        let (rows, cols) = shape.dims2();
        let index = (0..rows).flat_map(|i| (0..cols).map(move |j| strides.at(i, j))).collect();
        self.gather(a, index, shape)
    }

    /// The part of `a` that `sel` selects, one entry per axis of `a` (a
    /// matrix may take one, for its rows): `w[i]`, `X[:, j]`, `X[a:b, :]`.
    /// An axis selected by a single position is dropped, as in numpy.
    ///
    /// # Errors
    /// [`ExprError::Index`] for a scalar operand, too many entries, an
    /// empty slice or a position out of range.
    pub fn select(&mut self, a: NodeId, sel: &[Sel]) -> Result<NodeId, ExprError> {
        let shape = self.shape(a);
        let (rows, cols) = match (shape, sel) {
            (Shape::Scalar, _) => return Err(ExprError::Index("a scalar cannot be indexed".into())),
            (Shape::Vector(n), [s]) => {
                s.check(n, "a vector")?;
                (Sel::At(0), *s)
            }
            (Shape::Matrix(r, c), [s]) => {
                s.check(r, "the rows of a matrix")?;
                (*s, Sel::Range(0, c))
            }
            (Shape::Matrix(r, c), [s, t]) => {
                s.check(r, "the rows of a matrix")?;
                t.check(c, "the columns of a matrix")?;
                (*s, *t)
            }
            _ => {
                let msg = format!("a {shape} operand takes at most {} indices, not {}", shape.rank(), sel.len());
                return Err(ExprError::Index(msg));
            }
        };
        let width = shape.dims2().1;
        let index: Vec<usize> = rows.positions().flat_map(|i| cols.positions().map(move |j| i * width + j)).collect();
        let (nr, nc) = (rows.positions().len(), cols.positions().len());
        let out = match (rows, cols) {
            (Sel::At(_), Sel::At(_)) => Shape::Scalar,
            (Sel::At(_), Sel::Range(..)) => Shape::Vector(nc),
            (Sel::Range(..), Sel::At(_)) => Shape::Vector(nr),
            (Sel::Range(..), Sel::Range(..)) => Shape::Matrix(nr, nc),
        };
        self.gather(a, index, out)
    }

    /// How a gather node reads in the loss language, given its operand's
    /// text (`operand`, and `atom` when it must bind tightly):
    /// `transpose(a)`, a selection `a[1:3, 0]`, `reshape(a, r, c)`, or else
    /// `gather(a, shape)`.
    pub(super) fn describe_gather(&self, a: NodeId, table: u32, operand: &str, atom: &str) -> String {
        let info = &self.gathers()[table as usize];
        let from = self.shape(a);
        let mut g = Graph::new();
        let x = g.intern(Op::Param(0), from);
        let is = |g: &Graph, id: Result<NodeId, ExprError>| match id.map(|id| g.node(id).op) {
            Ok(Op::Gather(_, t)) => g.gathers()[t as usize] == *info,
            _ => false,
        };
        if from == Shape::Scalar {
            let dims = match info.shape {
                Shape::Matrix(r, c) => format!("{r}, {c}"),
                s => s.len().to_string(),
            };
            return match operand {
                "0" => format!("zeros({dims})"),
                "1" => format!("ones({dims})"),
                _ => format!("{atom} * ones({dims})"),
            };
        }
        let t = g.transpose(x);
        if is(&g, Ok(t)) {
            return format!("transpose({operand})");
        }
        for sel in selections(from, info) {
            let id = g.select(x, &sel);
            if is(&g, id) {
                let text: Vec<String> = sel
                    .iter()
                    .map(|s| match s {
                        Sel::At(i) => i.to_string(),
                        Sel::Range(lo, hi) => format!("{lo}:{hi}"),
                    })
                    .collect();
                return format!("{atom}[{}]", text.join(", "));
            }
        }
        let r = g.reshape(x, info.shape);
        match (is(&g, r), info.shape) {
            (true, Shape::Vector(n)) => format!("reshape({operand}, {n})"),
            (true, Shape::Matrix(r, c)) => format!("reshape({operand}, {r}, {c})"),
            _ => format!("gather({operand}, {})", info.shape),
        }
    }
}

/// The selections of a `from` operand that could give the table `info`:
/// those spanned by its first and last elements.
fn selections(from: Shape, info: &GatherInfo) -> Vec<Vec<Sel>> {
    let (Some(&first), Some(&last)) = (info.index.first(), info.index.last()) else { return Vec::new() };
    let width = from.dims2().1;
    let (r0, c0, r1, c1) = (first / width, first % width, last / width + 1, last % width + 1);
    let cols = [Sel::At(c0), Sel::Range(c0, c1)];
    if from.rank() == 1 {
        return cols.into_iter().map(|c| vec![c]).collect();
    }
    [Sel::At(r0), Sel::Range(r0, r1)].into_iter().flat_map(|r| cols.into_iter().map(move |c| vec![r, c])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Tensor;

    #[test]
    fn tables_are_shared_and_checked() {
        let mut g = Graph::new();
        let x = g.data("X", Tensor::new(Shape::Matrix(2, 3), (0..6).map(f64::from).collect())).unwrap();
        let t1 = g.transpose(x);
        let t2 = g.transpose(x);
        assert_eq!(t1, t2);
        assert_eq!(g.gathers().len(), 1);
        assert_eq!(g.shape(t1), Shape::Matrix(3, 2));
        assert_eq!(g.transpose(t1), g.transpose(t2));
        let col = g.select(x, &[Sel::Range(0, 2), Sel::At(1)]).unwrap();
        assert_eq!(g.shape(col), Shape::Vector(2));
        assert_eq!(g.select(x, &[Sel::Range(0, 2), Sel::Range(0, 3)]).unwrap(), x);
        assert!(g.select(x, &[Sel::At(2)]).is_err());
        assert!(g.select(x, &[Sel::Range(1, 1)]).is_err());
        assert!(g.select(x, &[Sel::At(0), Sel::Range(0, 4)]).is_err());
        assert!(g.reshape(x, Shape::Vector(5)).is_err());
        // A reshape to another shape is a node of its own, not the transpose.
        let v = g.reshape(x, Shape::Vector(6)).unwrap();
        assert_ne!(v, x);
        assert_eq!(g.display(v), "reshape(X, 6)");
        assert_eq!(g.display(t1), "transpose(X)");
        assert_eq!(g.display(col), "X[0:2, 1]");
        let row = g.select(x, &[Sel::At(1)]).unwrap();
        assert_eq!(g.display(row), "X[1, 0:3]");
    }
}
