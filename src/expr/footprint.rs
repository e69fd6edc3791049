//! What a pass over a model needs in memory, estimated from the shapes
//! alone, before anything is allocated: so that a loss too large for the
//! machine (a broadcast of `[100000, 1]` against `[100000]` is 80 GB) is
//! refused with its figure instead of aborting in an allocation.

use super::{Model, NodeId, Op};
use crate::tensor::Shape;

/// A pass over the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// Values only.
    Value,
    /// Values and reverse-mode adjoints.
    Gradient,
    /// A gradient, and an enclosure with `coefficients` interval
    /// coefficients per element (3 along one direction at degree 2;
    /// `1 + m + m (m + 1) / 2` over `m` directions).
    Bound {
        /// Interval coefficients per element.
        coefficients: usize,
    },
}

/// The estimate: bytes in all, and the largest node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// Bytes for parameters, data and the pass's values.
    pub bytes: u64,
    /// The node with the most elements, and its shape.
    pub largest: Option<(NodeId, Shape)>,
}

impl Model {
    /// What `pass` needs: parameters and data, plus per node an f64 value
    /// (8 bytes an element), an adjoint for a gradient, and for a bound
    /// `coefficients + 1` intervals (16 bytes each) on a varying node or one
    /// on a constant node, and for a gather its index table (8 bytes an
    /// element); and a few temporaries the size of the largest node.
    pub fn footprint(&self, pass: Pass) -> Footprint {
        let g = &self.graph;
        let params: u64 = self.init.iter().map(|t| t.shape().len() as u64).sum();
        let data: u64 = g.data_tensors().iter().map(|d| d.value.shape().len() as u64).sum();
        let mut bytes = (params + data).saturating_mul(8);
        let mut largest: Option<(NodeId, Shape)> = None;
        for id in g.reachable(self.loss) {
            let node = g.node(id);
            let n = node.shape.len() as u64;
            if largest.is_none_or(|(_, s)| s.len() < node.shape.len()) {
                largest = Some((id, node.shape));
            }
            let per = match pass {
                Pass::Value => 8,
                Pass::Gradient => 16,
                Pass::Bound { coefficients } if node.varying => 16 + 16 * (coefficients as u64 + 1),
                Pass::Bound { .. } => 16 + 16,
            };
            // A gather's index table: one entry an element.
            let table = if matches!(node.op, Op::Gather(..)) { 8 } else { 0 };
            bytes = bytes.saturating_add(n.saturating_mul(per + table));
        }
        let temporaries = largest.map_or(0, |(_, s)| s.len() as u64).saturating_mul(8 * 4);
        Footprint { bytes: bytes.saturating_add(temporaries), largest }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang;

    #[test]
    fn a_broadcast_is_counted_at_its_full_size() {
        let text = "param a[100000, 1] = 0\nparam b[100000] = 0\nminimize sum((a + b)^2)\n";
        let m = lang::parse_program("big.loss", text, std::path::Path::new(".")).unwrap();
        let f = m.footprint(Pass::Value);
        // (a + b) and its square: 1e10 elements each, 8 bytes: at least 160 GB.
        assert!(f.bytes >= 160_000_000_000, "{}", f.bytes);
        assert_eq!(f.largest.map(|(_, s)| s), Some(Shape::Matrix(100000, 100000)));
        let small = lang::parse_inline("(x - 1)^2").unwrap();
        assert!(small.footprint(Pass::Bound { coefficients: 3 }).bytes < 10_000);
    }
}
