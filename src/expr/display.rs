//! Printing a node back as loss-language source.

use std::collections::HashMap;

use super::{Graph, NodeId, Op};

/// Binding strength of the printed form, lowest first.
const SUM: u8 = 0;
const PRODUCT: u8 = 1;
const UNARY: u8 = 2;
const POWER: u8 = 3;
const ATOM: u8 = 4;

impl Graph {
    /// The expression of `id` in loss-language syntax, with only the
    /// parentheses that precedence needs. Shared subexpressions are printed
    /// once per use.
    pub fn display(&self, id: NodeId) -> String {
        self.fmt_node(id, &HashMap::new()).0
    }

    /// The expression of `root` as loss-language statements: one `let`
    /// per subexpression used more than once (named `t1`, `t2`, ...), then
    /// `minimize`. Parameters and data keep their names.
    pub fn display_program(&self, root: NodeId) -> String {
        let nodes = self.reachable(root);
        let mut uses: HashMap<NodeId, usize> = HashMap::new();
        for &n in &nodes {
            for c in self.node(n).op.children() {
                *uses.entry(c).or_default() += 1;
            }
        }
        let mut names = HashMap::new();
        let mut out = String::new();
        for &n in &nodes {
            let leaf = matches!(self.node(n).op, Op::Param(_) | Op::Data(_) | Op::Const(_));
            if n != root && !leaf && uses.get(&n).copied().unwrap_or(0) > 1 {
                let name = format!("t{}", names.len() + 1);
                out.push_str(&format!("let {name} = {}\n", self.fmt_node(n, &names).0));
                names.insert(n, name);
            }
        }
        out.push_str(&format!("minimize {}\n", self.fmt_node(root, &names).0));
        out
    }

    fn wrap(&self, id: NodeId, min: u8, names: &HashMap<NodeId, String>) -> String {
        let (s, level) = self.fmt_node(id, names);
        if level < min { format!("({s})") } else { s }
    }

    fn fmt_node(&self, id: NodeId, names: &HashMap<NodeId, String>) -> (String, u8) {
        if let Some(name) = names.get(&id) {
            return (name.clone(), ATOM);
        }
        let wrap = |a: NodeId, min: u8| self.wrap(a, min, names);
        let show = |a: NodeId| self.fmt_node(a, names).0;
        let axis = |a: Option<u8>| a.map(|a| format!(", {a}")).unwrap_or_default();
        match self.node(id).op {
            Op::Param(i) => (self.params()[i].name.clone(), ATOM),
            Op::Data(i) => (self.data_tensors()[i].name.clone(), ATOM),
            Op::Const(c) => {
                let v = c.get();
                let level = if v < 0.0 { UNARY } else { ATOM };
                (format!("{v:?}").trim_end_matches(".0").to_string(), level)
            }
            Op::Neg(a) => (format!("-{}", wrap(a, UNARY)), UNARY),
            Op::Add(a, b) => (format!("{} + {}", wrap(a, SUM), wrap(b, PRODUCT)), SUM),
            Op::Sub(a, b) => (format!("{} - {}", wrap(a, SUM), wrap(b, PRODUCT)), SUM),
            Op::Mul(a, b) => (format!("{} * {}", wrap(a, PRODUCT), wrap(b, UNARY)), PRODUCT),
            Op::Div(a, b) => (format!("{} / {}", wrap(a, PRODUCT), wrap(b, UNARY)), PRODUCT),
            Op::MatMul(a, b) => (format!("{} @ {}", wrap(a, PRODUCT), wrap(b, UNARY)), PRODUCT),
            Op::PowI(a, n) => (format!("{}^{n}", wrap(a, ATOM)), POWER),
            Op::PowF(a, p) => (format!("{}^{:?}", wrap(a, ATOM), p.get()), POWER),
            Op::Func(f, a) => (format!("{f}({})", show(a)), ATOM),
            Op::Sum(a, x) => (format!("sum({}{})", show(a), axis(x)), ATOM),
            Op::Mean(a, x) => (format!("mean({}{})", show(a), axis(x)), ATOM),
            Op::LogSumExp(a, x) => (format!("logsumexp({}{})", show(a), axis(x)), ATOM),
            Op::Gather(a, t) => (self.describe_gather(a, t, &show(a), &wrap(a, ATOM)), ATOM),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::Builder;

    #[test]
    fn prints_with_minimal_parentheses() {
        let b = Builder::new();
        let x = b.scalar_param("x", 0.0).unwrap();
        let y = b.scalar_param("y", 0.0).unwrap();
        let cases = [
            ((1.0 - x).powi(2) + 100.0 * (y - x.powi(2)).powi(2), "(1 - x)^2 + 100 * (y - x^2)^2"),
            (x - (y - x), "x - (y - x)"),
            ((x - y) - x, "x - y - x"),
            (-(x.powi(2)), "-x^2"),
            ((-x).powi(2), "(-x)^2"),
            (x / (y * x), "x / (y * x)"),
            (x.powf(0.5).exp() * -2.0, "exp(x^0.5) * -2"),
            ((x * y).log1p(), "log1p(x * y)"),
        ];
        let g = b.minimize(x).unwrap().graph;
        for (e, want) in cases {
            assert_eq!(g.display(e.id()), want);
        }
    }
}
