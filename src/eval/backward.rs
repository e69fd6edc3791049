//! Reverse-mode gradients of a scalar root.

use super::{Evaluator, func};
use crate::expr::{NodeId, Op};
use crate::tensor::{Tensor, keepdims};

impl Evaluator<'_> {
    /// The root's value and its gradient with respect to every parameter, at
    /// `params`. Runs a forward pass first.
    ///
    /// # Panics
    /// If the root is not a scalar (a [`Model`](crate::Model)'s loss always is).
    #[track_caller]
    pub fn value_and_grad(&mut self, params: &[Tensor]) -> (f64, Vec<Tensor>) {
        self.forward(params);
        self.grad_of_last_forward()
    }

    /// The root's value and gradient at the parameters of the last
    /// [`forward`](Self::forward) (the backward pass alone).
    ///
    /// # Panics
    /// If the root is not a scalar.
    #[track_caller]
    pub fn grad_of_last_forward(&mut self) -> (f64, Vec<Tensor>) {
        let value = self.values[self.root.index()].item();
        assert_eq!(self.graph.shape(self.root).len(), 1, "gradients need a scalar root");
        let mut adj: Vec<Option<Tensor>> = vec![None; self.root.index() + 1];
        adj[self.root.index()] = Some(Tensor::full(self.graph.shape(self.root), 1.0));
        let mut grads: Vec<Tensor> = self.graph.params().iter().map(|p| Tensor::zeros(p.shape)).collect();
        for &id in self.varying.iter().rev() {
            let Some(g) = adj[id.index()].take() else { continue };
            if let Op::Param(i) = self.graph.node(id).op {
                grads[i].add_assign(&g);
                continue;
            }
            for (child, contribution) in self.local_adjoints(id, &g) {
                if !self.graph.node(child).varying {
                    continue;
                }
                match &mut adj[child.index()] {
                    Some(acc) => acc.add_assign(&contribution),
                    slot => *slot = Some(contribution),
                }
            }
        }
        (value, grads)
    }

    /// The adjoints that node `id` with output adjoint `g` sends to its
    /// children (shaped like each child).
    fn local_adjoints(&self, id: NodeId, g: &Tensor) -> Vec<(NodeId, Tensor)> {
        let graph = self.graph;
        let node = graph.node(id);
        let val = |n: NodeId| &self.values[n.index()];
        let shape = |n: NodeId| graph.shape(n);
        let out = val(id);
        let wanted = |n: NodeId| graph.node(n).varying;
        match node.op {
            Op::Param(_) | Op::Data(_) | Op::Const(_) => vec![],
            Op::Neg(a) => vec![(a, g.map(|x| -x))],
            Op::Add(a, b) => vec![(a, g.sum_to(shape(a))), (b, g.sum_to(shape(b)))],
            Op::Sub(a, b) => vec![(a, g.sum_to(shape(a))), (b, g.sum_to(shape(b)).map(|x| -x))],
            Op::Mul(a, b) => {
                let mut v = vec![];
                if wanted(a) {
                    v.push((a, g.zip_with(val(b), |g, y| g * y).sum_to(shape(a))));
                }
                if wanted(b) {
                    v.push((b, g.zip_with(val(a), |g, x| g * x).sum_to(shape(b))));
                }
                v
            }
            Op::Div(a, b) => {
                let mut v = vec![];
                if wanted(a) {
                    v.push((a, g.zip_with(val(b), |g, y| g / y).sum_to(shape(a))));
                }
                if wanted(b) {
                    // d(a/b)/db = -(a/b)/b
                    let q = out.zip_with(val(b), |q, y| -q / y);
                    v.push((b, g.zip_with(&q, |g, d| g * d).sum_to(shape(b))));
                }
                v
            }
            Op::PowI(a, n) => {
                let d = val(a).map(|x| if n == 0 { 0.0 } else { f64::from(n) * x.powi(n - 1) });
                vec![(a, g.zip_with(&d, |g, d| g * d))]
            }
            Op::PowF(a, p) => {
                let p = p.get();
                let d = val(a).map(|x| p * x.powf(p - 1.0));
                vec![(a, g.zip_with(&d, |g, d| g * d))]
            }
            Op::Func(f, a) => {
                let d = val(a).zip_with(out, |x, y| func::derivative(f, x, y));
                vec![(a, g.zip_with(&d, |g, d| g * d))]
            }
            Op::Sum(a, axis) | Op::Mean(a, axis) => {
                let axis = axis.map(usize::from);
                let scale = match node.op {
                    Op::Mean(..) => 1.0 / Tensor::reduced_count(shape(a), axis) as f64,
                    _ => 1.0,
                };
                let kept = Tensor::new(keepdims(shape(a), axis), g.data().to_vec());
                vec![(a, kept.broadcast_to(shape(a)).map(|x| x * scale))]
            }
            Op::LogSumExp(a, axis) => {
                let axis = axis.map(usize::from);
                let kept_out = out.reshape_keep(shape(a), axis);
                let kept_g = g.reshape_keep(shape(a), axis);
                let softmax = val(a).zip_with(&kept_out, |x, l| (x - l).exp());
                vec![(a, softmax.zip_with(&kept_g, |s, g| s * g))]
            }
            Op::MatMul(a, b) => {
                let mut v = vec![];
                if wanted(a) {
                    v.push((a, Tensor::matmul_adjoint_left(shape(a), val(b), g)));
                }
                if wanted(b) {
                    v.push((b, Tensor::matmul_adjoint_right(val(a), shape(b), g)));
                }
                v
            }
        }
    }
}
