//! The syntax tree of the loss language.

use super::error::Span;

/// An expression with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub ast: Ast,
    pub span: Span,
    /// Levels of the tree from this node down (1 for a leaf).
    pub depth: usize,
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Ast {
    Num(f64),
    Str(String),
    Name(String),
    Neg(Box<Node>),
    /// A binary operator (`+ - * / ^ @`), with the operator's own span.
    Binary(char, Box<Node>, Box<Node>, Span),
    Call {
        name: String,
        name_span: Span,
        args: Vec<Arg>,
    },
    List(Vec<Node>),
    /// `a:b`, only as a call argument.
    Range(Box<Node>, Box<Node>),
    /// `a'`: the transpose.
    Transpose(Box<Node>),
    /// `a[i]`, `a[i, j]`, `a[lo:hi, :]`, with the brackets' span.
    Index(Box<Node>, Vec<Slice>, Span),
}

/// One entry of an index: a position `i`, or a slice `lo:hi` whose ends
/// may be left out (`:`, `lo:`, `:hi`).
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub lo: Option<Node>,
    pub hi: Option<Node>,
    /// Whether it is a slice (has a `:`).
    pub colon: bool,
    pub span: Span,
}

/// A call argument: positional, or `key = value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub key: Option<(String, Span)>,
    pub value: Node,
}

/// A statement of a `.loss` file.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `param NAME[dims] = INIT`
    Param { name: String, name_span: Span, dims: Vec<Node>, init: Node },
    /// `data NAME = csv(...)`
    Data { name: String, name_span: Span, source: Node },
    /// `let NAME = EXPR`
    Let { name: String, name_span: Span, value: Node },
    /// `minimize EXPR`
    Minimize { value: Node, keyword: Span },
}

impl Node {
    /// A node over `ast`, one level deeper than its deepest child.
    pub fn new(ast: Ast, span: Span) -> Node {
        let below = match &ast {
            Ast::Num(_) | Ast::Str(_) | Ast::Name(_) => 0,
            Ast::Neg(a) | Ast::Transpose(a) => a.depth,
            Ast::Index(a, items, _) => {
                let ends = items.iter().flat_map(|s| s.lo.iter().chain(&s.hi)).map(|n| n.depth);
                ends.fold(a.depth, usize::max)
            }
            Ast::Binary(_, a, b, _) | Ast::Range(a, b) => a.depth.max(b.depth),
            Ast::Call { args, .. } => args.iter().map(|a| a.value.depth).max().unwrap_or(0),
            Ast::List(items) => items.iter().map(|n| n.depth).max().unwrap_or(0),
        };
        Node { ast, span, depth: below + 1 }
    }

    /// The value of a constant numeric expression (numbers combined with
    /// `+ - * / ^` and unary minus), if it is one.
    pub fn const_value(&self) -> Option<f64> {
        match &self.ast {
            Ast::Num(v) => Some(*v),
            Ast::Name(n) if n == "pi" => Some(std::f64::consts::PI),
            Ast::Name(n) if n == "e" => Some(std::f64::consts::E),
            Ast::Neg(a) => Some(-a.const_value()?),
            Ast::Binary(op, a, b, _) => {
                let (a, b) = (a.const_value()?, b.const_value()?);
                match op {
                    '+' => Some(a + b),
                    '-' => Some(a - b),
                    '*' => Some(a * b),
                    '/' => Some(a / b),
                    '^' => Some(a.powf(b)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}
