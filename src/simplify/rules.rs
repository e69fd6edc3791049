//! The rewrite rules: one named table, each rule valid on the whole domain
//! of what it matches.
//!
//! Every rule goes through [`Checked`]: it applies only if the right-hand
//! side has exactly the shape of the matched class (so no rewrite changes a
//! shape or a broadcast) and its domain condition holds. Domain conditions
//! read the interval-range [`Facts`] of the analysis: `exp(log(u)) -> u`
//! needs `u > 0` proven, since otherwise it would define the expression
//! where it was not; rules that drop an operand need it total.

use std::sync::OnceLock;

use egg::{Applier, ENodeOrVar, Id, Pattern, PatternAst, Rewrite, Subst, Symbol, Var};

use super::analysis::{Domain, Facts, MathGraph, infer_shape};
use super::language::Math;
use crate::tensor::Shape;

/// A domain condition on the matched variables.
pub type Cond = Box<dyn Fn(&MathGraph, &Subst) -> bool + Send + Sync>;

/// An applier that adds its right-hand side only when the shape fits and
/// the condition holds.
pub struct Checked {
    rhs: Pattern<Math>,
    cond: Option<Cond>,
}

/// The shape of `ast` under `subst`, if every node fits.
fn pattern_shape(egraph: &MathGraph, ast: &PatternAst<Math>, subst: &Subst) -> Option<Shape> {
    let mut shapes: Vec<Shape> = Vec::with_capacity(ast.len());
    for node in ast.iter() {
        let shape = match node {
            ENodeOrVar::Var(v) => egraph[subst[*v]].data.shape,
            ENodeOrVar::ENode(n) => infer_shape(&egraph.analysis, n, |c| shapes[usize::from(c)])?,
        };
        shapes.push(shape);
    }
    shapes.last().copied()
}

impl Applier<Math, Domain> for Checked {
    fn apply_one(
        &self,
        egraph: &mut MathGraph,
        eclass: Id,
        subst: &Subst,
        searcher_ast: Option<&PatternAst<Math>>,
        rule_name: Symbol,
    ) -> Vec<Id> {
        if self.cond.as_ref().is_some_and(|c| !c(egraph, subst)) {
            return vec![];
        }
        if pattern_shape(egraph, &self.rhs.ast, subst) != Some(egraph[eclass].data.shape) {
            return vec![];
        }
        self.rhs.apply_one(egraph, eclass, subst, searcher_ast, rule_name)
    }

    fn vars(&self) -> Vec<Var> {
        self.rhs.vars()
    }
}

fn var(name: &str) -> Var {
    name.parse().expect("a pattern variable")
}

fn facts<'a>(egraph: &'a MathGraph, subst: &Subst, v: Var) -> &'a Facts {
    &egraph[subst[v]].data
}

/// The domain condition of a rule, on its pattern variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Valid everywhere.
    Always,
    /// `?a > 0` wherever defined.
    Positive,
    /// `?a > 0` and `?b > 0`.
    BothPositive,
    /// `?a >= 0` wherever defined.
    Nonneg,
    /// `?a` is defined everywhere (so dropping it loses no domain).
    Total,
    /// `?a` is total and never 0.
    TotalNonzero,
    /// `?c` is a scalar.
    ScalarC,
    /// `?b` and `?c` have the same shape (no broadcast between them).
    SameShapeBC,
    /// `a^p * a^q = a^(p + q)` for constants p, q: integers of one sign
    /// (so `a = 0` is in both domains or neither), or `a > 0`, or positive
    /// powers of `a >= 0`.
    PowMerge,
    /// `a * a^q = a^(1 + q)`: [`Condition::PowMerge`] with `p = 1`.
    PowMergeOne,
    /// `(a^p)^q = a^(p q)`: non-negative integers, or `a > 0`, or positive
    /// powers of `a >= 0` (`(a^2)^0.5` is `|a|`, not `a`).
    PowNest,
}

/// Whether `a^p * a^q = a^(p + q)` on the whole domain of the left side.
fn pow_merge_ok(a: &Facts, p: f64, q: f64) -> bool {
    let integers = p.fract() == 0.0 && q.fract() == 0.0;
    (integers && ((p >= 0.0 && q >= 0.0) || (p < 0.0 && q < 0.0))) || a.positive || (p > 0.0 && q > 0.0 && a.nonneg())
}

impl Condition {
    /// The check, or `None` for [`Condition::Always`].
    fn check(self) -> Option<Cond> {
        let (a, b, c, p, q) = (var("?a"), var("?b"), var("?c"), var("?p"), var("?q"));
        let on_a = |test: fn(&Facts) -> bool| -> Option<Cond> { Some(Box::new(move |g, s| test(facts(g, s, a)))) };
        match self {
            Condition::Always => None,
            Condition::Positive => on_a(|f| f.positive),
            Condition::Nonneg => on_a(Facts::nonneg),
            Condition::Total => on_a(|f| f.total),
            Condition::TotalNonzero => on_a(|f| f.total && f.nonzero()),
            Condition::BothPositive => Some(Box::new(move |g, s| facts(g, s, a).positive && facts(g, s, b).positive)),
            Condition::ScalarC => Some(Box::new(move |g, s| facts(g, s, c).shape == Shape::Scalar)),
            Condition::SameShapeBC => Some(Box::new(move |g, s| facts(g, s, b).shape == facts(g, s, c).shape)),
            Condition::PowMerge => Some(Box::new(move |g, s| {
                let exps = facts(g, s, p).constant.zip(facts(g, s, q).constant);
                exps.is_some_and(|(p, q)| pow_merge_ok(facts(g, s, a), p, q))
            })),
            Condition::PowMergeOne => Some(Box::new(move |g, s| {
                facts(g, s, q).constant.is_some_and(|q| pow_merge_ok(facts(g, s, a), 1.0, q))
            })),
            Condition::PowNest => Some(Box::new(move |g, s| {
                let Some((p, q)) = facts(g, s, p).constant.zip(facts(g, s, q).constant) else { return false };
                let x = facts(g, s, a);
                (p.fract() == 0.0 && q.fract() == 0.0 && p >= 0.0 && q >= 0.0)
                    || x.positive
                    || (p > 0.0 && q > 0.0 && x.nonneg())
            })),
        }
    }
}

/// One rule: `lhs => rhs`, shape-checked, under its condition.
fn rule(&(name, lhs, rhs, condition): &RuleSpec) -> Rewrite<Math, Domain> {
    let lhs: Pattern<Math> = lhs.parse().unwrap_or_else(|e| panic!("rule {name}: {e}"));
    let rhs: Pattern<Math> = rhs.parse().unwrap_or_else(|e| panic!("rule {name}: {e}"));
    Rewrite::new(name, lhs, Checked { rhs, cond: condition.check() }).unwrap_or_else(|e| panic!("rule {name}: {e}"))
}

/// A rule: name, left side, right side (egg patterns) and domain condition.
pub type RuleSpec = (&'static str, &'static str, &'static str, Condition);

use Condition::*;

/// The rule table.
#[rustfmt::skip]
pub const RULES: &[RuleSpec] = &[
    // Commutativity and associativity.
    ("add-comm",        "(+ ?a ?b)",                      "(+ ?b ?a)",                    Always),
    ("mul-comm",        "(* ?a ?b)",                      "(* ?b ?a)",                    Always),
    ("add-assoc",       "(+ ?a (+ ?b ?c))",               "(+ (+ ?a ?b) ?c)",             Always),
    ("add-assoc-r",     "(+ (+ ?a ?b) ?c)",               "(+ ?a (+ ?b ?c))",             Always),
    ("mul-assoc",       "(* ?a (* ?b ?c))",               "(* (* ?a ?b) ?c)",             Always),
    ("mul-assoc-r",     "(* (* ?a ?b) ?c)",               "(* ?a (* ?b ?c))",             Always),
    // Subtraction, negation and division.
    ("sub-add",         "(- ?a ?b)",                      "(+ ?a (neg ?b))",              Always),
    ("add-sub",         "(+ ?a (neg ?b))",                "(- ?a ?b)",                    Always),
    ("neg-neg",         "(neg (neg ?a))",                 "?a",                           Always),
    ("neg-mul",         "(neg ?a)",                       "(* -1.0 ?a)",                  Always),
    ("mul-neg",         "(* -1.0 ?a)",                    "(neg ?a)",                     Always),
    ("neg-factor",      "(* (neg ?a) ?b)",                "(neg (* ?a ?b))",              Always),
    ("neg-sub",         "(neg (- ?a ?b))",                "(- ?b ?a)",                    Always),
    ("div-mul",         "(/ ?a ?b)",                      "(* ?a (pow ?b -1.0))",         Always),
    ("mul-div",         "(* ?a (pow ?b -1.0))",           "(/ ?a ?b)",                    Always),
    // Identities; dropping an operand needs it total.
    ("add-zero",        "(+ ?a 0.0)",                     "?a",                           Always),
    ("mul-one",         "(* ?a 1.0)",                     "?a",                           Always),
    ("mul-zero",        "(* ?a 0.0)",                     "0.0",                          Total),
    ("sub-self",        "(- ?a ?a)",                      "0.0",                          Total),
    ("div-self",        "(/ ?a ?a)",                      "1.0",                          TotalNonzero),
    ("pow-one",         "(pow ?a 1.0)",                   "?a",                           Always),
    ("pow-zero",        "(pow ?a 0.0)",                   "1.0",                          Total),
    // Distributivity and factoring.
    ("distribute",      "(* ?a (+ ?b ?c))",               "(+ (* ?a ?b) (* ?a ?c))",      Always),
    ("factor",          "(+ (* ?a ?b) (* ?a ?c))",        "(* ?a (+ ?b ?c))",             Always),
    ("factor-one",      "(+ (* ?a ?b) ?a)",               "(* ?a (+ ?b 1.0))",            Always),
    ("double",          "(+ ?a ?a)",                      "(* 2.0 ?a)",                   Always),
    // Powers.
    ("square",          "(* ?a ?a)",                      "(pow ?a 2.0)",                 Always),
    ("pow-mul",         "(* (pow ?a ?p) (pow ?a ?q))",    "(pow ?a (+ ?p ?q))",           PowMerge),
    ("pow-mul-one",     "(* ?a (pow ?a ?q))",             "(pow ?a (+ 1.0 ?q))",          PowMergeOne),
    ("pow-pow",         "(pow (pow ?a ?p) ?q)",           "(pow ?a (* ?p ?q))",           PowNest),
    ("sqrt-pow",        "(sqrt ?a)",                      "(pow ?a 0.5)",                 Always),
    ("pow-sqrt",        "(pow ?a 0.5)",                   "(sqrt ?a)",                    Always),
    ("rsqrt-pow",       "(rsqrt ?a)",                     "(pow ?a -0.5)",                Always),
    ("pow-rsqrt",       "(pow ?a -0.5)",                  "(rsqrt ?a)",                   Always),
    ("sqrt-square",     "(sqrt (pow ?a 2.0))",            "(abs ?a)",                     Always),
    ("square-neg",      "(pow (neg ?a) 2.0)",             "(pow ?a 2.0)",                 Always),
    ("square-abs",      "(pow (abs ?a) 2.0)",             "(pow ?a 2.0)",                 Always),
    // Exponentials and logarithms.
    ("log-exp",         "(log (exp ?a))",                 "?a",                           Always),
    ("exp-log",         "(exp (log ?a))",                 "?a",                           Positive),
    ("exp-add",         "(* (exp ?a) (exp ?b))",          "(exp (+ ?a ?b))",              Always),
    ("exp-pow",         "(pow (exp ?a) ?p)",              "(exp (* ?p ?a))",              Always),
    ("log-mul",         "(log (* ?a ?b))",                "(+ (log ?a) (log ?b))",        BothPositive),
    ("log-pow",         "(log (pow ?a ?p))",              "(* ?p (log ?a))",              Positive),
    ("log-sqrt",        "(log (sqrt ?a))",                "(* 0.5 (log ?a))",             Always),
    ("log1p",           "(log (+ 1.0 ?a))",               "(log1p ?a)",                   Always),
    ("expm1",           "(+ (exp ?a) -1.0)",              "(expm1 ?a)",                   Always),
    ("expm1-sub",       "(- (exp ?a) 1.0)",               "(expm1 ?a)",                   Always),
    // Softplus, sigmoid and swish.
    ("softplus",        "(log (+ 1.0 (exp ?a)))",         "(softplus ?a)",                Always),
    ("softplus-log1p",  "(log1p (exp ?a))",               "(softplus ?a)",                Always),
    ("softplus-sub",    "(- (softplus ?a) ?a)",           "(softplus (neg ?a))",          Always),
    ("softplus-add",    "(+ (softplus ?a) (neg ?a))",     "(softplus (neg ?a))",          Always),
    ("softplus-neg",    "(+ (softplus (neg ?a)) ?a)",     "(softplus ?a)",                Always),
    ("sigmoid",         "(pow (+ 1.0 (exp ?a)) -1.0)",    "(sigmoid (neg ?a))",           Always),
    ("sigmoid-div",     "(/ 1.0 (+ 1.0 (exp ?a)))",       "(sigmoid (neg ?a))",           Always),
    ("sigmoid-exp",     "(/ (exp ?a) (+ 1.0 (exp ?a)))",  "(sigmoid ?a)",                 Always),
    ("sigmoid-compl",   "(- 1.0 (sigmoid ?a))",           "(sigmoid (neg ?a))",           Always),
    ("log-sigmoid",     "(log (sigmoid ?a))",             "(neg (softplus (neg ?a)))",    Always),
    ("swish",           "(* ?a (sigmoid ?a))",            "(swish ?a)",                   Always),
    ("swish-div",       "(/ ?a (+ 1.0 (exp (neg ?a))))",  "(swish ?a)",                   Always),
    // Signs and symmetry.
    ("abs-neg",         "(abs (neg ?a))",                 "(abs ?a)",                     Always),
    ("abs-nonneg",      "(abs ?a)",                       "?a",                           Nonneg),
    ("relu-nonneg",     "(relu ?a)",                      "?a",                           Nonneg),
    ("cos-neg",         "(cos (neg ?a))",                 "(cos ?a)",                     Always),
    ("sin-neg",         "(sin (neg ?a))",                 "(neg (sin ?a))",               Always),
    ("pythagoras",      "(+ (pow (sin ?a) 2.0) (pow (cos ?a) 2.0))", "1.0",                Total),
    ("tanh-neg",        "(tanh (neg ?a))",                "(neg (tanh ?a))",              Always),
    ("atan-neg",        "(atan (neg ?a))",                "(neg (atan ?a))",              Always),
    ("erf-neg",         "(erf (neg ?a))",                 "(neg (erf ?a))",               Always),
    ("tan-neg",         "(tan (neg ?a))",                 "(neg (tan ?a))",               Always),
    ("sinh-neg",        "(sinh (neg ?a))",                "(neg (sinh ?a))",              Always),
    ("cosh-neg",        "(cosh (neg ?a))",                "(cosh ?a)",                    Always),
    // Reductions and matrix products.
    ("sum-scalar",      "(sum ?a)",                       "?a",                           Always),
    ("mean-scalar",     "(mean ?a)",                      "?a",                           Always),
    ("lse-scalar",      "(lse ?a)",                       "?a",                           Always),
    ("sum-scale",       "(sum (* ?c ?a))",                "(* ?c (sum ?a))",              ScalarC),
    ("sum0-scale",      "(sum0 (* ?c ?a))",               "(* ?c (sum0 ?a))",             ScalarC),
    ("sum1-scale",      "(sum1 (* ?c ?a))",               "(* ?c (sum1 ?a))",             ScalarC),
    ("mean-scale",      "(mean (* ?c ?a))",               "(* ?c (mean ?a))",             ScalarC),
    ("mean0-scale",     "(mean0 (* ?c ?a))",              "(* ?c (mean0 ?a))",            ScalarC),
    ("mean1-scale",     "(mean1 (* ?c ?a))",              "(* ?c (mean1 ?a))",            ScalarC),
    ("logsumexp",       "(log (sum (exp ?a)))",           "(lse ?a)",                     Always),
    ("logsumexp0",      "(log (sum0 (exp ?a)))",          "(lse0 ?a)",                    Always),
    ("logsumexp1",      "(log (sum1 (exp ?a)))",          "(lse1 ?a)",                    Always),
    ("sum-neg",         "(sum (neg ?a))",                 "(neg (sum ?a))",               Always),
    ("mean-neg",        "(mean (neg ?a))",                "(neg (mean ?a))",              Always),
    ("lse-shift",       "(lse (+ ?a ?c))",                "(+ (lse ?a) ?c)",              ScalarC),
    ("lse1-shift",      "(lse1 (+ ?a ?c))",               "(+ (lse1 ?a) ?c)",             ScalarC),
    ("lse0-shift",      "(lse0 (+ ?a ?c))",               "(+ (lse0 ?a) ?c)",             ScalarC),
    ("matmul-scale-l",  "(@ (* ?c ?a) ?b)",               "(* ?c (@ ?a ?b))",             ScalarC),
    ("matmul-scale-r",  "(@ ?a (* ?c ?b))",               "(* ?c (@ ?a ?b))",             ScalarC),
    ("scale-matmul-l",  "(* ?c (@ ?a ?b))",               "(@ (* ?c ?a) ?b)",             ScalarC),
    ("scale-matmul-r",  "(* ?c (@ ?a ?b))",               "(@ ?a (* ?c ?b))",             ScalarC),
    ("matmul-factor",   "(+ (@ ?a ?b) (@ ?a ?c))",        "(@ ?a (+ ?b ?c))",             SameShapeBC),
];

/// The rules, built once.
pub fn rules() -> &'static [Rewrite<Math, Domain>] {
    static BUILT: OnceLock<Vec<Rewrite<Math, Domain>>> = OnceLock::new();
    BUILT.get_or_init(|| RULES.iter().map(rule).collect())
}
