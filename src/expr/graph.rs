//! The arena of hash-consed nodes, with shape inference at construction.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Axis, ExprError, F64Key, Func, NodeId, Op};
use crate::tensor::{Shape, Tensor};

/// A node: its operation, its inferred shape, and whether it depends on a
/// parameter (`varying`) or is a constant of the graph.
#[derive(Clone, Debug)]
pub struct Node {
    /// The operation and its children.
    pub op: Op,
    /// The shape of the node's value.
    pub shape: Shape,
    /// Whether the value depends on a parameter.
    pub varying: bool,
}

/// A named parameter of a graph.
#[derive(Clone, Debug)]
pub struct ParamInfo {
    /// The name.
    pub name: String,
    /// The shape.
    pub shape: Shape,
}

/// A named constant tensor of a graph (typically loaded from a CSV file).
#[derive(Clone, Debug)]
pub struct DataInfo {
    /// The name.
    pub name: String,
    /// The value.
    pub value: Arc<Tensor>,
}

/// The table of a [`Op::Gather`] node: `out[k] = a[index[k]]`, `out` of
/// shape `shape` (`index.len() == shape.len()`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GatherInfo {
    /// For each output element (row-major), the operand's element it takes.
    pub index: Arc<[usize]>,
    /// The output shape.
    pub shape: Shape,
}

/// An expression graph: an arena of hash-consed nodes.
///
/// Nodes are appended after their children, so the arena order is a
/// topological order. Building the same operation on the same children twice
/// returns the same [`NodeId`]. Shapes are inferred and checked when a node is
/// built; every later pass can rely on them.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    index: HashMap<Op, NodeId>,
    params: Vec<ParamInfo>,
    data: Vec<DataInfo>,
    /// Gather tables, each once (so that equal gathers share a node).
    gathers: Vec<GatherInfo>,
    gather_ids: HashMap<GatherInfo, u32>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// The node behind `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Every node, in topological order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The shape of a node.
    pub fn shape(&self, id: NodeId) -> Shape {
        self.nodes[id.index()].shape
    }

    /// The parameters, by index.
    pub fn params(&self) -> &[ParamInfo] {
        &self.params
    }

    /// The data tensors, by index.
    pub fn data_tensors(&self) -> &[DataInfo] {
        &self.data
    }

    /// The gather tables, by number (see [`Op::Gather`]).
    pub fn gathers(&self) -> &[GatherInfo] {
        &self.gathers
    }

    /// The number of the gather table `info`, added if new.
    pub(super) fn gather_table(&mut self, info: GatherInfo) -> u32 {
        if let Some(&t) = self.gather_ids.get(&info) {
            return t;
        }
        let t = u32::try_from(self.gathers.len()).expect("more than 2^32 gather tables");
        self.gathers.push(info.clone());
        self.gather_ids.insert(info, t);
        t
    }

    /// The index of the parameter called `name`.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }

    /// The node of parameter `index`.
    pub fn param_node(&self, index: usize) -> Option<NodeId> {
        self.index.get(&Op::Param(index)).copied()
    }

    /// The node of data tensor `index`.
    pub fn data_node(&self, index: usize) -> Option<NodeId> {
        self.index.get(&Op::Data(index)).copied()
    }

    pub(super) fn intern(&mut self, op: Op, shape: Shape) -> NodeId {
        if let Some(&id) = self.index.get(&op) {
            return id;
        }
        let varying = matches!(op, Op::Param(_)) || op.children().any(|c| self.nodes[c.index()].varying);
        let id = NodeId(u32::try_from(self.nodes.len()).expect("graph has more than 2^32 nodes"));
        self.nodes.push(Node { op, shape, varying });
        self.index.insert(op, id);
        id
    }

    fn name_taken(&self, name: &str) -> bool {
        self.params.iter().any(|p| p.name == name) || self.data.iter().any(|d| d.name == name)
    }

    /// A new parameter.
    ///
    /// # Errors
    /// [`ExprError::Duplicate`] if a parameter or data tensor has this name.
    pub fn param(&mut self, name: &str, shape: Shape) -> Result<NodeId, ExprError> {
        if self.name_taken(name) {
            return Err(ExprError::Duplicate(name.to_string()));
        }
        self.params.push(ParamInfo { name: name.to_string(), shape });
        Ok(self.intern(Op::Param(self.params.len() - 1), shape))
    }

    /// A new constant tensor.
    ///
    /// # Errors
    /// [`ExprError::Duplicate`] if a parameter or data tensor has this name.
    pub fn data(&mut self, name: &str, value: Tensor) -> Result<NodeId, ExprError> {
        self.data_shared(name, Arc::new(value))
    }

    /// A new constant tensor shared with its owner (as [`data`](Self::data)).
    pub(crate) fn data_shared(&mut self, name: &str, value: Arc<Tensor>) -> Result<NodeId, ExprError> {
        if self.name_taken(name) {
            return Err(ExprError::Duplicate(name.to_string()));
        }
        let shape = value.shape();
        self.data.push(DataInfo { name: name.to_string(), value });
        Ok(self.intern(Op::Data(self.data.len() - 1), shape))
    }

    /// A scalar constant.
    pub fn constant(&mut self, value: f64) -> NodeId {
        self.intern(Op::Const(F64Key::new(value)), Shape::Scalar)
    }

    /// `-a`.
    pub fn neg(&mut self, a: NodeId) -> NodeId {
        self.intern(Op::Neg(a), self.shape(a))
    }

    fn elementwise(&mut self, op: Op, sym: &'static str, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        let (left, right) = (self.shape(a), self.shape(b));
        let shape = left.broadcast(right).ok_or(ExprError::Shape { op: sym, left, right })?;
        Ok(self.intern(op, shape))
    }

    /// `a + b`, broadcasting.
    ///
    /// # Errors
    /// [`ExprError::Shape`] if the shapes do not broadcast.
    pub fn add(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        self.elementwise(Op::Add(a, b), "+", a, b)
    }

    /// `a - b`, broadcasting.
    ///
    /// # Errors
    /// [`ExprError::Shape`] if the shapes do not broadcast.
    pub fn sub(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        self.elementwise(Op::Sub(a, b), "-", a, b)
    }

    /// `a * b` elementwise, broadcasting.
    ///
    /// # Errors
    /// [`ExprError::Shape`] if the shapes do not broadcast.
    pub fn mul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        self.elementwise(Op::Mul(a, b), "*", a, b)
    }

    /// `a / b` elementwise, broadcasting.
    ///
    /// # Errors
    /// [`ExprError::Shape`] if the shapes do not broadcast.
    pub fn div(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        self.elementwise(Op::Div(a, b), "/", a, b)
    }

    /// `a^n` elementwise for an integer n.
    pub fn powi(&mut self, a: NodeId, n: i32) -> NodeId {
        self.intern(Op::PowI(a, n), self.shape(a))
    }

    /// `a^p` elementwise; an integer-valued `p` (such as 3.0) gives the
    /// integer power.
    pub fn powf(&mut self, a: NodeId, p: f64) -> NodeId {
        if p.fract() == 0.0 && p.abs() <= i32::MAX as f64 {
            return self.powi(a, p as i32);
        }
        self.intern(Op::PowF(a, F64Key::new(p)), self.shape(a))
    }

    /// `f(a)` elementwise.
    pub fn func(&mut self, f: Func, a: NodeId) -> NodeId {
        self.intern(Op::Func(f, a), self.shape(a))
    }

    fn reduction(&mut self, sym: &'static str, a: NodeId, axis: Option<usize>) -> Result<(Shape, Axis), ExprError> {
        let shape = self.shape(a);
        let bad = || ExprError::Axis { op: sym, shape, axis: axis.unwrap_or(0) };
        let out = shape.reduce(axis).ok_or_else(bad)?;
        Ok((out, axis.map(|x| x as u8)))
    }

    /// Sum over every element (`axis = None`) or one axis.
    ///
    /// # Errors
    /// [`ExprError::Axis`] if the operand has no such axis.
    pub fn sum(&mut self, a: NodeId, axis: Option<usize>) -> Result<NodeId, ExprError> {
        let (shape, axis) = self.reduction("sum", a, axis)?;
        Ok(self.intern(Op::Sum(a, axis), shape))
    }

    /// Mean over every element or one axis.
    ///
    /// # Errors
    /// [`ExprError::Axis`] if the operand has no such axis.
    pub fn mean(&mut self, a: NodeId, axis: Option<usize>) -> Result<NodeId, ExprError> {
        let (shape, axis) = self.reduction("mean", a, axis)?;
        Ok(self.intern(Op::Mean(a, axis), shape))
    }

    /// `log(sum(exp(a)))` over every element or one axis.
    ///
    /// # Errors
    /// [`ExprError::Axis`] if the operand has no such axis.
    pub fn logsumexp(&mut self, a: NodeId, axis: Option<usize>) -> Result<NodeId, ExprError> {
        let (shape, axis) = self.reduction("logsumexp", a, axis)?;
        Ok(self.intern(Op::LogSumExp(a, axis), shape))
    }

    /// The matrix product `a @ b` (ranks 1 and 2, as numpy's `matmul`).
    ///
    /// # Errors
    /// [`ExprError::Shape`] if the inner dimensions differ or an operand is a scalar.
    pub fn matmul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId, ExprError> {
        let (left, right) = (self.shape(a), self.shape(b));
        let shape = left.matmul(right).ok_or(ExprError::Shape { op: "@", left, right })?;
        Ok(self.intern(Op::MatMul(a, b), shape))
    }

    /// The one-hot encoding of a data vector of class labels `0..n`: a
    /// constant matrix with one row per label. It is materialized as a new
    /// data tensor named `onehot(name, n)`.
    ///
    /// # Errors
    /// [`ExprError::OneHot`] if `labels` is not a data vector of integers in `0..n`.
    pub fn onehot(&mut self, labels: NodeId, n: usize) -> Result<NodeId, ExprError> {
        let Op::Data(d) = self.node(labels).op else {
            return Err(ExprError::OneHot("the labels must be a data tensor".into()));
        };
        let info = &self.data[d];
        let values = info.value.data();
        let rows = match info.value.shape() {
            Shape::Vector(r) => r,
            Shape::Matrix(r, 1) => r,
            s => return Err(ExprError::OneHot(format!("the labels must be a vector, not {s}"))),
        };
        let mut out = vec![0.0; rows * n];
        for (i, &v) in values.iter().enumerate() {
            if v.fract() != 0.0 || v < 0.0 || v >= n as f64 {
                return Err(ExprError::OneHot(format!(
                    "label {v} in row {} of `{}` is not an integer in 0..{n}",
                    i + 1,
                    info.name
                )));
            }
            out[i * n + v as usize] = 1.0;
        }
        let name = format!("onehot({}, {n})", info.name);
        if let Some(existing) = self.data.iter().position(|x| x.name == name) {
            return Ok(self.index[&Op::Data(existing)]);
        }
        self.data(&name, Tensor::new(Shape::Matrix(rows, n), out))
    }

    /// A graph with the same parameters, data tensors and gather tables
    /// (same names, indices and values, the data shared) and no other node: the start of
    /// a rewritten copy of this graph.
    pub fn with_same_inputs(&self) -> Graph {
        let mut g = Graph::new();
        for (i, p) in self.params.iter().enumerate() {
            g.params.push(p.clone());
            g.intern(Op::Param(i), p.shape);
        }
        for (i, d) in self.data.iter().enumerate() {
            g.data.push(d.clone());
            g.intern(Op::Data(i), d.value.shape());
        }
        g.gathers = self.gathers.clone();
        g.gather_ids = self.gather_ids.clone();
        g
    }

    /// The nodes that `root` depends on (itself included), in topological order.
    pub fn reachable(&self, root: NodeId) -> Vec<NodeId> {
        let mut seen = vec![false; root.index() + 1];
        seen[root.index()] = true;
        for i in (0..=root.index()).rev() {
            if seen[i] {
                for c in self.nodes[i].op.children() {
                    seen[c.index()] = true;
                }
            }
        }
        (0..=root.index()).filter(|&i| seen[i]).map(|i| NodeId(i as u32)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_node_twice_gives_the_same_id() {
        let mut g = Graph::new();
        let x = g.param("x", Shape::Scalar).unwrap();
        let a = g.func(Func::Exp, x);
        let b = g.func(Func::Exp, x);
        assert_eq!(a, b);
        let c1 = g.constant(2.0);
        let c2 = g.constant(2.0);
        assert_eq!(c1, c2);
        assert_eq!(g.constant(0.0), g.constant(-0.0));
        let s1 = g.add(a, c1).unwrap();
        let s2 = g.add(b, c2).unwrap();
        assert_eq!(s1, s2);
        assert_ne!(s1, g.add(c1, a).unwrap());
        assert_eq!(g.powf(x, 3.0), g.powi(x, 3));
    }

    #[test]
    fn shape_errors_name_the_operation_and_both_shapes() {
        let mut g = Graph::new();
        let w = g.param("w", Shape::Vector(3)).unwrap();
        let x = g.data("X", Tensor::zeros(Shape::Matrix(5, 4))).unwrap();
        let err = g.matmul(x, w).unwrap_err();
        assert_eq!(err.to_string(), "shape mismatch in `@`: [5, 4] and [3]");
        let v = g.param("v", Shape::Vector(4)).unwrap();
        let err = g.add(w, v).unwrap_err();
        assert_eq!(err.to_string(), "shape mismatch in `+`: [3] and [4]");
        let xv = g.matmul(x, v).unwrap();
        assert_eq!(g.shape(xv), Shape::Vector(5));
        assert!(g.sum(w, Some(1)).is_err());
        assert!(matches!(g.param("w", Shape::Scalar), Err(ExprError::Duplicate(_))));
    }

    #[test]
    fn varying_flags_and_reachability() {
        let mut g = Graph::new();
        let x = g.param("x", Shape::Scalar).unwrap();
        let c = g.constant(3.0);
        let e = g.func(Func::Exp, c);
        let y = g.mul(x, e).unwrap();
        assert!(!g.node(e).varying);
        assert!(g.node(y).varying);
        let _unused = g.func(Func::Sin, x);
        assert_eq!(g.reachable(y), vec![x, c, e, y]);
    }

    #[test]
    fn onehot_checks_labels() {
        let mut g = Graph::new();
        let y = g.data("y", Tensor::vector(vec![0., 2., 1.])).unwrap();
        let h = g.onehot(y, 3).unwrap();
        let Op::Data(d) = g.node(h).op else { panic!() };
        assert_eq!(g.data_tensors()[d].value.data(), &[1., 0., 0., 0., 0., 1., 0., 1., 0.]);
        assert!(g.onehot(y, 2).is_err());
    }
}
