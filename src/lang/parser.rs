//! A recursive-descent parser for `.loss` files and inline expressions.

use super::ast::{Arg, Ast, Node, Slice, Stmt};
use super::error::{LangErrorKind, Span};
use super::lexer::{Tok, Token, lex};

type PResult<T> = Result<T, (Span, LangErrorKind)>;

/// The deepest expression tree accepted (a sum of 5000 terms is 5000 deep):
/// later passes recurse over the tree, and this keeps them within a stack.
pub const MAX_DEPTH: usize = 5000;

/// The deepest nesting of brackets, unary minus and exponents accepted.
pub const MAX_NESTING: usize = 500;

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    /// Depth of open brackets: newlines inside them are not statement ends.
    depth: usize,
    /// Depth of the parser's own recursion.
    nesting: usize,
}

fn syntax<T>(span: Span, msg: impl Into<String>) -> PResult<T> {
    Err((span, LangErrorKind::Syntax(msg.into())))
}

/// Parses a `.loss` file into statements.
pub fn parse_program(text: &str) -> PResult<Vec<Stmt>> {
    let mut p = Parser { toks: lex(text)?, pos: 0, depth: 0, nesting: 0 };
    let mut stmts = Vec::new();
    loop {
        while p.peek().tok == Tok::Newline {
            p.pos += 1;
        }
        if p.peek().tok == Tok::Eof {
            return Ok(stmts);
        }
        stmts.push(p.statement()?);
        p.end_of_statement()?;
    }
}

/// Parses an inline expression.
pub fn parse_inline(text: &str) -> PResult<Node> {
    let mut p = Parser { toks: lex(text)?, pos: 0, depth: 1, nesting: 0 };
    if p.peek().tok == Tok::Eof {
        return syntax(p.peek().span, "the expression is empty");
    }
    let e = p.expr()?;
    p.depth = 0;
    p.end_of_statement()?;
    while p.peek().tok == Tok::Newline {
        p.pos += 1;
    }
    let t = p.peek().clone();
    match t.tok {
        Tok::Eof => Ok(e),
        other => syntax(t.span, format!("unexpected {} after the expression", other.describe())),
    }
}

impl Parser {
    /// A node, refused when the tree gets deeper than [`MAX_DEPTH`].
    fn node(ast: Ast, span: Span) -> PResult<Node> {
        let n = Node::new(ast, span);
        if n.depth > MAX_DEPTH {
            return syntax(span, format!("the expression is nested too deeply (more than {MAX_DEPTH} levels)"));
        }
        Ok(n)
    }

    /// Runs `f` one level of recursion deeper, refused beyond [`MAX_NESTING`].
    fn nested<T>(&mut self, at: Span, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.nesting >= MAX_NESTING {
            return syntax(at, format!("brackets, minus signs or exponents nested more than {MAX_NESTING} deep"));
        }
        self.nesting += 1;
        let r = f(self);
        self.nesting -= 1;
        r
    }

    fn peek(&mut self) -> &Token {
        if self.depth > 0 {
            while self.toks[self.pos].tok == Tok::Newline {
                self.pos += 1;
            }
        }
        &self.toks[self.pos]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek().tok == Tok::Punct(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char, context: &str) -> PResult<Span> {
        let t = self.next();
        if t.tok == Tok::Punct(c) {
            return Ok(t.span);
        }
        syntax(t.span, format!("expected `{c}` {context}, found {}", t.tok.describe()))
    }

    fn ident(&mut self, what: &str) -> PResult<(String, Span)> {
        let t = self.next();
        match t.tok {
            Tok::Ident(s) => Ok((s, t.span)),
            other => syntax(t.span, format!("expected {what}, found {}", other.describe())),
        }
    }

    fn end_of_statement(&mut self) -> PResult<()> {
        let t = self.peek().clone();
        match t.tok {
            Tok::Newline | Tok::Eof => Ok(()),
            Tok::Punct(')') => syntax(t.span, "unmatched `)`"),
            Tok::Punct(']') => syntax(t.span, "unmatched `]`"),
            other => syntax(t.span, format!("expected an operator or the end of the line, found {}", other.describe())),
        }
    }

    fn statement(&mut self) -> PResult<Stmt> {
        let (kw, span) = self.ident("a statement (`param`, `data`, `let` or `minimize`)")?;
        match kw.as_str() {
            "param" => {
                let (name, name_span) = self.ident("a parameter name")?;
                let mut dims = Vec::new();
                if self.peek().tok == Tok::Punct('[') {
                    let open = self.next().span;
                    dims = self.delimited(open, ']', Self::expr)?.0;
                }
                self.expect('=', "before the parameter's initial value")?;
                Ok(Stmt::Param { name, name_span, dims, init: self.expr()? })
            }
            "data" => {
                let (name, name_span) = self.ident("a data name")?;
                self.expect('=', "after the data name")?;
                Ok(Stmt::Data { name, name_span, source: self.expr()? })
            }
            "let" => {
                let (name, name_span) = self.ident("a name")?;
                self.expect('=', "after the name")?;
                Ok(Stmt::Let { name, name_span, value: self.expr()? })
            }
            "minimize" => Ok(Stmt::Minimize { value: self.expr()?, keyword: span }),
            _ => syntax(span, format!("expected a statement (`param`, `data`, `let` or `minimize`), found `{kw}`")),
        }
    }

    /// Skips newlines after a binary operator, so that a line ending in one
    /// continues on the next.
    fn continue_line(&mut self) {
        while self.toks[self.pos].tok == Tok::Newline {
            self.pos += 1;
        }
    }

    fn binary(&mut self, ops: &[char], operand: fn(&mut Self) -> PResult<Node>) -> PResult<Node> {
        let mut lhs = operand(self)?;
        loop {
            let t = self.peek().clone();
            let Tok::Punct(c) = t.tok else { return Ok(lhs) };
            if !ops.contains(&c) {
                return Ok(lhs);
            }
            self.pos += 1;
            self.continue_line();
            let rhs = operand(self)?;
            let span = lhs.span.to(rhs.span);
            lhs = Self::node(Ast::Binary(c, Box::new(lhs), Box::new(rhs), t.span), span)?;
        }
    }

    fn expr(&mut self) -> PResult<Node> {
        self.binary(&['+', '-'], Self::term)
    }

    fn term(&mut self) -> PResult<Node> {
        self.binary(&['*', '/', '@'], Self::unary)
    }

    fn unary(&mut self) -> PResult<Node> {
        if self.peek().tok == Tok::Punct('-') {
            let start = self.next().span;
            let inner = self.nested(start, Self::unary)?;
            let span = start.to(inner.span);
            return Self::node(Ast::Neg(Box::new(inner)), span);
        }
        self.power()
    }

    fn power(&mut self) -> PResult<Node> {
        let base = self.postfix()?;
        let t = self.peek().clone();
        if t.tok != Tok::Punct('^') {
            return Ok(base);
        }
        self.pos += 1;
        self.continue_line();
        let exp = self.nested(t.span, Self::unary)?;
        let span = base.span.to(exp.span);
        Self::node(Ast::Binary('^', Box::new(base), Box::new(exp), t.span), span)
    }

    /// An atom followed by any number of transposes `'` and indices `[...]`.
    fn postfix(&mut self) -> PResult<Node> {
        let mut node = self.atom()?;
        loop {
            let t = self.peek().clone();
            match t.tok {
                Tok::Punct('\'') => {
                    self.pos += 1;
                    let span = node.span.to(t.span);
                    node = Self::node(Ast::Transpose(Box::new(node)), span)?;
                }
                Tok::Punct('[') => {
                    self.pos += 1;
                    let (items, close) = self.delimited(t.span, ']', Self::slice)?;
                    if items.is_empty() {
                        return syntax(t.span.to(close), "an index needs at least one entry: a[i] or a[i, j]");
                    }
                    let span = node.span.to(close);
                    node = Self::node(Ast::Index(Box::new(node), items, t.span.to(close)), span)?;
                }
                _ => return Ok(node),
            }
        }
    }

    /// One entry of an index: `i`, `:`, `lo:`, `:hi` or `lo:hi`.
    fn slice(&mut self) -> PResult<Slice> {
        let start = self.peek().span;
        let end_of_entry = |t: &Tok| matches!(t, Tok::Punct(',' | ']'));
        let lo = if self.peek().tok == Tok::Punct(':') { None } else { Some(self.expr()?) };
        let colon = self.eat(':');
        let hi = if colon && !end_of_entry(&self.peek().tok.clone()) { Some(self.expr()?) } else { None };
        let last = hi.as_ref().or(lo.as_ref()).map_or(start, |n| n.span);
        Ok(Slice { lo, hi, colon, span: start.to(last) })
    }

    fn atom(&mut self) -> PResult<Node> {
        let t = self.next();
        let node = |ast| Self::node(ast, t.span);
        match t.tok {
            Tok::Number(v) => node(Ast::Num(v)),
            Tok::Str(ref s) => node(Ast::Str(s.clone())),
            Tok::Ident(ref name) => {
                if self.peek().tok != Tok::Punct('(') {
                    return node(Ast::Name(name.clone()));
                }
                let open = self.next().span;
                let (args, close) = self.delimited(open, ')', Self::arg)?;
                Self::node(Ast::Call { name: name.clone(), name_span: t.span, args }, t.span.to(close))
            }
            Tok::Punct('(') => {
                self.depth += 1;
                let inner = self.nested(t.span, Self::expr)?;
                self.depth -= 1;
                let close = self.close(')', t.span)?;
                Ok(Node { span: t.span.to(close), ..inner })
            }
            Tok::Punct('[') => {
                let (items, close) = self.delimited(t.span, ']', Self::expr)?;
                Self::node(Ast::List(items), t.span.to(close))
            }
            Tok::Punct(')') => syntax(t.span, "unmatched `)`"),
            other => syntax(t.span, format!("expected an expression, found {}", other.describe())),
        }
    }

    /// A comma-separated list of `item`s up to the bracket `close` that
    /// matches the one at `open` (already consumed); returns the items and
    /// the closing bracket's span.
    fn delimited<T>(&mut self, open: Span, close: char, item: fn(&mut Self) -> PResult<T>) -> PResult<(Vec<T>, Span)> {
        self.depth += 1;
        let mut items = Vec::new();
        if self.peek().tok != Tok::Punct(close) {
            loop {
                items.push(self.nested(open, item)?);
                if !self.eat(',') {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok((items, self.close(close, open)?))
    }

    /// Expects the bracket `c` that closes the one at `open`.
    fn close(&mut self, c: char, open: Span) -> PResult<Span> {
        let t = self.next();
        if t.tok == Tok::Punct(c) {
            return Ok(t.span);
        }
        let opener = if c == ')' { '(' } else { '[' };
        if t.tok == Tok::Eof {
            return syntax(open, format!("this `{opener}` is never closed"));
        }
        syntax(t.span, format!("expected `{c}` to close the `{opener}`, found {}", t.tok.describe()))
    }

    fn arg(&mut self) -> PResult<Arg> {
        let first = self.peek().clone();
        let key = match (&first.tok, self.toks.get(self.pos + 1).map(|t| &t.tok)) {
            (Tok::Ident(k), Some(Tok::Punct('='))) => {
                let k = (k.clone(), first.span);
                self.pos += 2;
                Some(k)
            }
            _ => None,
        };
        let first = self.expr()?;
        let value = if self.eat(':') {
            let second = self.expr()?;
            let span = first.span.to(second.span);
            Self::node(Ast::Range(Box::new(first), Box::new(second)), span)?
        } else {
            first
        };
        Ok(Arg { key, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(n: &Node) -> String {
        match &n.ast {
            Ast::Num(v) => format!("{v}"),
            Ast::Str(s) => format!("{s:?}"),
            Ast::Name(s) => s.clone(),
            Ast::Neg(a) => format!("(-{})", shape(a)),
            Ast::Binary(op, a, b, _) => format!("({} {op} {})", shape(a), shape(b)),
            Ast::Call { name, args, .. } => {
                let args: Vec<String> = args
                    .iter()
                    .map(|a| match &a.key {
                        Some((k, _)) => format!("{k}={}", shape(&a.value)),
                        None => shape(&a.value),
                    })
                    .collect();
                format!("{name}[{}]", args.join(" "))
            }
            Ast::List(items) => format!("[{}]", items.iter().map(shape).collect::<Vec<_>>().join(" ")),
            Ast::Range(a, b) => format!("{}:{}", shape(a), shape(b)),
            Ast::Transpose(a) => format!("{}'", shape(a)),
            Ast::Index(a, items, _) => {
                let end = |n: &Option<Node>| n.as_ref().map(shape).unwrap_or_default();
                let items: Vec<String> = items
                    .iter()
                    .map(|s| if s.colon { format!("{}:{}", end(&s.lo), end(&s.hi)) } else { end(&s.lo) })
                    .collect();
                format!("{}[{}]", shape(a), items.join(","))
            }
        }
    }

    #[test]
    fn precedence_and_associativity() {
        let cases = [
            ("1 - x - y", "((1 - x) - y)"),
            ("-x^2", "(-(x ^ 2))"),
            ("x^-2", "(x ^ (-2))"),
            ("2^3^2", "(2 ^ (3 ^ 2))"),
            ("a @ b + c * d", "((a @ b) + (c * d))"),
            ("exp(-3*x)", "exp[((-3) * x)]"),
            ("(1-x)^2 + 100*(y-x^2)^2", "(((1 - x) ^ 2) + (100 * ((y - (x ^ 2)) ^ 2)))"),
            ("sum(A, 1)", "sum[A 1]"),
            ("f(\"a.csv\", skip=1, cols=0:30, standardize)", "f[\"a.csv\" skip=1 cols=0:30 standardize]"),
            ("x *\n y", "(x * y)"),
            ("(x\n + y)", "(x + y)"),
            ("U @ V'", "(U @ V')"),
            ("-X'^2", "(-(X' ^ 2))"),
            ("X[:, 1:4]'", "X[:,1:4]'"),
            ("W[2, :] + w[0]", "(W[2,:] + w[0])"),
            ("f(x)[1:, :3]", "f[x][1:,:3]"),
        ];
        for (src, want) in cases {
            assert_eq!(shape(&parse_inline(src).unwrap()), want, "{src}");
        }
    }

    #[test]
    fn syntax_errors() {
        let cases = [
            ("(1 + x", "this `(` is never closed"),
            ("1 + x)", "unmatched `)`"),
            ("1 +", "expected an expression, found end of input"),
            ("", "the expression is empty"),
            ("x y", "expected an operator or the end of the line, found `y`"),
        ];
        for (src, want) in cases {
            let (_, kind) = parse_inline(src).unwrap_err();
            assert_eq!(kind.to_string(), want, "{src}");
        }
    }

    #[test]
    fn statements() {
        let src = "# model\nparam w[3] = 0\ndata X = csv(\"x.csv\")\nlet z = X @ w\nminimize sum(z^2)\n";
        let stmts = parse_program(src).unwrap();
        assert_eq!(stmts.len(), 4);
        assert!(matches!(&stmts[0], Stmt::Param { name, dims, .. } if name == "w" && dims.len() == 1));
        assert!(matches!(&stmts[3], Stmt::Minimize { .. }));
        let (_, kind) = parse_program("paramx w = 1").unwrap_err();
        assert!(kind.to_string().contains("expected a statement"));
    }

    #[test]
    fn depth_and_nesting_limits() {
        let sum = |n: usize| vec!["x"; n].join("+");
        assert_eq!(parse_inline(&sum(MAX_DEPTH)).unwrap().depth, MAX_DEPTH);
        let (span, kind) = parse_inline(&sum(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(kind.to_string(), format!("the expression is nested too deeply (more than {MAX_DEPTH} levels)"));
        assert_eq!(span.start, 0);
        let parens = |n: usize| format!("{}x{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(parse_inline(&parens(MAX_NESTING)).unwrap().depth, 1);
        let minus = |n: usize| format!("{}x", "-".repeat(n));
        assert_eq!(parse_inline(&minus(MAX_NESTING)).unwrap().depth, MAX_NESTING + 1);
        for deep in [parens(MAX_NESTING + 1), minus(MAX_NESTING + 1), format!("x{}", "^1".repeat(MAX_NESTING + 1))] {
            let (span, kind) = parse_inline(&deep).unwrap_err();
            assert!(kind.to_string().starts_with("brackets, minus signs or exponents nested more than"), "{kind}");
            assert!(span.start >= MAX_NESTING, "points at the level that is too deep: {span:?}");
        }
    }
}
