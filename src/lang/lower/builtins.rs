//! Lowering of the functions built from the graph's operations (`max`,
//! `min`, `clip`, `transpose`, `reshape`, `logsigmoid`, `softmax`, `norm`,
//! `dot`, `ones`, `zeros`), of indexing and slicing, and of powers whose
//! exponent is not a constant.

use super::{LResult, Lower};
use crate::expr::{NodeId, Sel};
use crate::lang::ast::{Arg, Node, Slice};
use crate::lang::error::{LangErrorKind, Span};
use crate::tensor::Shape;

/// The functions of this file, by name.
pub(super) const BUILTINS: [&str; 11] =
    ["max", "min", "clip", "transpose", "reshape", "logsigmoid", "softmax", "norm", "dot", "ones", "zeros"];

impl Lower<'_> {
    /// The call `name(args)` of a function of [`BUILTINS`].
    pub(super) fn builtin(&mut self, name: &str, args: &[Arg], span: Span) -> LResult<NodeId> {
        let arg = |i: usize| &args[i].value;
        let n = args.len();
        let arity = |lo: usize, hi: usize, usage: &str| -> LResult<()> {
            if n < lo || n > hi {
                return Err(
                    self.error(span, LangErrorKind::Arguments(format!("wrong number of arguments: usage is {usage}")))
                );
            }
            Ok(())
        };
        match name {
            "max" | "min" | "dot" => {
                arity(2, 2, &format!("{name}(a, b)"))?;
                let (a, b) = (self.expr(arg(0))?, self.expr(arg(1))?);
                let g = &mut self.graph;
                let r = match name {
                    "max" => g.max(a, b),
                    "min" => g.min(a, b),
                    _ => g.dot(a, b),
                };
                r.map_err(self.expr_err(span))
            }
            "clip" => {
                arity(3, 3, "clip(x, lo, hi)")?;
                let (x, lo, hi) = (self.expr(arg(0))?, self.expr(arg(1))?, self.expr(arg(2))?);
                if let (Some(l), Some(h)) = (arg(1).const_value(), arg(2).const_value())
                    && l > h
                {
                    return self.fail(arg(1).span.to(arg(2).span), format!("clip needs lo <= hi, not {l} > {h}"));
                }
                self.graph.clip(x, lo, hi).map_err(self.expr_err(span))
            }
            "transpose" => {
                arity(1, 1, "transpose(A)")?;
                let a = self.expr(arg(0))?;
                Ok(self.graph.transpose(a))
            }
            "reshape" => {
                arity(2, 3, "reshape(A, n) or reshape(A, rows, cols)")?;
                let shape = self.shape(&args[1..].iter().map(|a| a.value.clone()).collect::<Vec<_>>(), span)?;
                let a = self.expr(arg(0))?;
                self.graph.reshape(a, shape).map_err(self.expr_err(span))
            }
            "logsigmoid" | "norm" => {
                arity(1, 1, &format!("{name}(x)"))?;
                let a = self.expr(arg(0))?;
                Ok(if name == "norm" { self.graph.norm(a) } else { self.graph.logsigmoid(a) })
            }
            "softmax" => {
                arity(1, 2, "softmax(A) or softmax(A, axis)")?;
                let axis = args.get(1).map(|a| self.int(&a.value, "an axis", 0).map(|v| v as usize)).transpose()?;
                let a = self.expr(arg(0))?;
                self.graph.softmax(a, axis).map_err(self.expr_err(span))
            }
            _ => {
                // ones / zeros
                arity(1, 2, &format!("{name}(n) or {name}(rows, cols)"))?;
                let shape = self.shape(&args.iter().map(|a| a.value.clone()).collect::<Vec<_>>(), span)?;
                self.reserve(shape.len(), &format!("this {name} tensor ({shape})"), span)?;
                Ok(self.graph.full(shape, if name == "ones" { 1.0 } else { 0.0 }))
            }
        }
    }

    /// `base[items]`: positions and slices, checked against `base`'s shape.
    pub(super) fn index(&mut self, base: &Node, items: &[Slice], brackets: Span) -> LResult<NodeId> {
        let a = self.expr(base)?;
        let shape = self.graph.shape(a);
        let dims: Vec<(usize, &str)> = match shape {
            Shape::Scalar => return self.fail(brackets, "a scalar cannot be indexed"),
            Shape::Vector(n) => vec![(n, "the vector")],
            Shape::Matrix(r, c) => vec![(r, "the rows"), (c, "the columns")],
        };
        if items.len() > dims.len() {
            let msg = format!("a {shape} value takes at most {} indices, not {}", dims.len(), items.len());
            return self.fail(brackets, msg);
        }
        let mut sel = Vec::with_capacity(items.len());
        for (item, &(n, what)) in items.iter().zip(&dims) {
            let end = |this: &Self, node: &Option<Node>, default: usize| -> LResult<usize> {
                let Some(node) = node else { return Ok(default) };
                match node.const_value() {
                    Some(v) if v < 0.0 => this.fail(node.span, "negative indices are not supported (count from 0)"),
                    Some(v) if v.fract() == 0.0 && v <= n as f64 => Ok(v as usize),
                    Some(v) if v.fract() == 0.0 => {
                        this.fail(node.span, format!("index {v} is out of range for {what} ({n}, numbered from 0)"))
                    }
                    _ => this.fail(node.span, "an index must be a constant integer"),
                }
            };
            if item.colon {
                let (lo, hi) = (end(self, &item.lo, 0)?, end(self, &item.hi, n)?);
                if lo >= hi {
                    return self.fail(item.span, format!("the slice {lo}:{hi} is empty: it needs start < end"));
                }
                sel.push(Sel::Range(lo, hi));
            } else {
                let i = end(self, &item.lo, 0)?;
                if i >= n {
                    let span = item.lo.as_ref().map_or(item.span, |l| l.span);
                    return self.fail(span, format!("index {i} is out of range for {what} ({n}, numbered from 0)"));
                }
                sel.push(Sel::At(i));
            }
        }
        self.graph.select(a, &sel).map_err(self.expr_err(brackets))
    }

    /// `base ^ exp` with an exponent that is not a constant: `exp(exp *
    /// log(base))`, refused for a constant base `<= 0`.
    pub(super) fn power(&mut self, base: &Node, exp: &Node, op: Span) -> LResult<NodeId> {
        if let Some(c) = base.const_value()
            && c.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            let msg = format!("the base of `^` is {c}: with an exponent that is not a constant, it must be > 0");
            return self.fail(base.span, msg);
        }
        let (b, e) = (self.expr(base)?, self.expr(exp)?);
        self.graph.pow(b, e).map_err(self.expr_err(op))
    }
}
