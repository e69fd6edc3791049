//! Functions built from the graph's own operations, so that every pass
//! (values, gradients, interval and Taylor enclosures) covers them without
//! a rule of its own: `max`, `min` and `clip` through `relu`, real powers
//! through `exp` and `log`, `logsigmoid`, `softmax`, `norm`, `dot`, and
//! constant tensors.

use super::{ExprError, F64Key, Func, Graph, NodeId, Op};
use crate::tensor::Shape;

impl Graph {
    /// `max(a, b) = a + relu(b - a)`, elementwise with broadcasting.
    ///
    /// # Errors
    /// [`ExprError::Shape`] if the shapes do not broadcast.
    pub fn max(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        self.fits("max", a, b)?;
        // A constant side goes outside the relu: max(x, c) = c + relu(x - c),
        // one kink term (a separable penalty when x is a parameter).
        let (a, b) = self.constant_first(a, b);
        let d = self.sub(b, a)?;
        let r = self.func(Func::Relu, d);
        self.add(a, r)
    }

    /// `min(a, b) = a - relu(a - b)`, elementwise with broadcasting.
    ///
    /// # Errors
    /// [`ExprError::Shape`] if the shapes do not broadcast.
    pub fn min(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        self.fits("min", a, b)?;
        let (a, b) = self.constant_first(a, b);
        let d = self.sub(a, b)?;
        let r = self.func(Func::Relu, d);
        self.sub(a, r)
    }

    /// `clip(x, lo, hi) = lo + relu(x - lo) - relu(x - hi)`: `x` held to
    /// `[lo, hi]` elementwise (equal to `min(max(x, lo), hi)` where
    /// `lo <= hi`).
    ///
    /// # Errors
    /// [`ExprError::Argument`] if `lo` and `hi` are constants with
    /// `lo > hi`; [`ExprError::Shape`] if the shapes do not broadcast.
    pub fn clip(&mut self, x: NodeId, lo: NodeId, hi: NodeId) -> Result<NodeId, ExprError> {
        if let (Some(l), Some(h)) = (self.const_value(lo), self.const_value(hi))
            && l > h
        {
            return Err(ExprError::Argument(format!("clip needs lo <= hi, but lo = {l} and hi = {h}")));
        }
        self.fits("clip", x, lo)?;
        self.fits("clip", x, hi)?;
        let below = self.sub(x, lo)?;
        let above = self.sub(x, hi)?;
        let (rb, ra) = (self.func(Func::Relu, below), self.func(Func::Relu, above));
        let up = self.add(lo, rb)?;
        self.sub(up, ra)
    }

    /// `(a, b)`, or `(b, a)` when only `b` is constant (max and min are
    /// symmetric).
    fn constant_first(&self, a: NodeId, b: NodeId) -> (NodeId, NodeId) {
        if self.node(a).varying && !self.node(b).varying { (b, a) } else { (a, b) }
    }

    /// Checks that `a` and `b` broadcast, for the operation `op`.
    fn fits(&self, op: &'static str, a: NodeId, b: NodeId) -> Result<(), ExprError> {
        let (left, right) = (self.shape(a), self.shape(b));
        left.broadcast(right).map(|_| ()).ok_or(ExprError::Shape { op, left, right })
    }

    /// The value of a scalar constant node.
    fn const_value(&self, id: NodeId) -> Option<f64> {
        match self.node(id).op {
            Op::Const(c) => Some(c.get()),
            _ => None,
        }
    }

    /// `a ^ b` elementwise. A constant exponent gives the integer or real
    /// power; otherwise `exp(b * log(a))`, defined for `a > 0` only, and for
    /// a constant base `c > 0`, `exp(b * log(c))` with `log(c)` a node (not
    /// a rounded number, so that interval passes enclose it).
    ///
    /// # Errors
    /// [`ExprError::Argument`] for a constant base `<= 0` under an exponent
    /// that is not constant; [`ExprError::Shape`] if the shapes do not
    /// broadcast.
    pub fn pow(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        if let Some(p) = self.const_value(b) {
            return Ok(self.powf(a, p));
        }
        if let Some(c) = self.const_value(a)
            && c.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            let msg = format!("the base {c} of a power whose exponent is not a constant must be > 0");
            return Err(ExprError::Argument(msg));
        }
        self.fits("^", a, b)?;
        let l = self.func(Func::Log, a);
        let m = self.mul(b, l)?;
        Ok(self.func(Func::Exp, m))
    }

    /// `logsigmoid(x) = log(sigmoid(x)) = -softplus(-x)`, which never overflows.
    pub fn logsigmoid(&mut self, x: NodeId) -> NodeId {
        let n = self.neg(x);
        let s = self.func(Func::Softplus, n);
        self.neg(s)
    }

    /// `exp(a - logsumexp(a, axis))`, the reduced values broadcast back:
    /// over every element (`None`), down the rows (`Some(0)`: each column
    /// sums to 1) or along each row (`Some(1)`).
    ///
    /// # Errors
    /// [`ExprError::Axis`] if `a` has no such axis.
    pub fn softmax(&mut self, a: NodeId, axis: Option<usize>) -> Result<NodeId, ExprError> {
        let mut l = self.logsumexp(a, axis)?;
        if let (Shape::Matrix(r, _), Some(1)) = (self.shape(a), axis) {
            // One value per row, as a column.
            l = self.reshape(l, Shape::Matrix(r, 1))?;
        }
        let d = self.sub(a, l)?;
        Ok(self.func(Func::Exp, d))
    }

    /// `sqrt(sum(a^2))`: the Euclidean norm of a vector, Frobenius of a matrix.
    pub fn norm(&mut self, a: NodeId) -> NodeId {
        let sq = self.powi(a, 2);
        let s = self.sum(sq, None).expect("a sum over everything always fits");
        self.func(Func::Sqrt, s)
    }

    /// `sum(a * b)` for two vectors of one length.
    ///
    /// # Errors
    /// [`ExprError::Shape`] unless both are vectors of the same length.
    pub fn dot(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        let (left, right) = (self.shape(a), self.shape(b));
        if !matches!((left, right), (Shape::Vector(m), Shape::Vector(n)) if m == n) {
            return Err(ExprError::Shape { op: "dot", left, right });
        }
        let p = self.mul(a, b)?;
        self.sum(p, None)
    }

    /// The constant tensor of `shape` whose every element is `value`.
    pub fn full(&mut self, shape: Shape, value: f64) -> NodeId {
        let c = self.intern(Op::Const(F64Key::new(value)), Shape::Scalar);
        self.broadcast_to(c, shape).expect("a scalar broadcasts to any shape")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_errors_name_the_function() {
        let mut g = Graph::new();
        let w = g.param("w", Shape::Vector(3)).unwrap();
        let v = g.param("v", Shape::Vector(4)).unwrap();
        assert_eq!(g.max(w, v).unwrap_err().to_string(), "shape mismatch in `max`: [3] and [4]");
        assert_eq!(g.dot(w, v).unwrap_err().to_string(), "shape mismatch in `dot`: [3] and [4]");
        let (lo, hi) = (g.constant(2.0), g.constant(1.0));
        assert!(g.clip(w, lo, hi).is_err());
        let neg = g.constant(-2.0);
        assert!(g.pow(neg, w).is_err());
        let two = g.constant(2.0);
        assert_eq!(g.pow(w, two).unwrap(), g.powi(w, 2));
        let ones = g.full(Shape::Matrix(2, 3), 1.0);
        assert_eq!(g.shape(ones), Shape::Matrix(2, 3));
    }
}
