//! Lowering the syntax tree to an expression graph: name resolution,
//! parameter initialization, data loading and shape errors with their place.

mod builtins;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::ParseOptions;
use super::ast::{Arg, Ast, Node, Stmt};
use super::data::{Columns, CsvOptions, Culprit, Part, Split, load_csv};
use super::error::{LangError, LangErrorKind, Span, suggest};
use super::init::{Draw, run_seed};
use crate::expr::{ExprError, Func, Graph, Model, NodeId};
use crate::tensor::{Shape, Tensor, memory};

/// The most elements a parameter or a one-hot matrix may have (2^27, 1 GiB of f64).
const MAX_ELEMENTS: usize = 1 << 27;

/// Functions of the language beyond the elementwise primitives and [`BUILTINS`].
const REDUCTIONS: [&str; 4] = ["sum", "mean", "logsumexp", "onehot"];

use builtins::BUILTINS;

/// Whether `name` is a function of the language.
fn is_function(name: &str) -> bool {
    Func::from_name(name).is_some() || REDUCTIONS.contains(&name) || BUILTINS.contains(&name)
}

/// The named constants of the language.
const CONSTANTS: [(&str, f64); 2] = [("pi", std::f64::consts::PI), ("e", std::f64::consts::E)];

/// Whether `name` spells a non-finite number, which the language refuses
/// rather than take for a parameter.
fn is_non_finite_name(name: &str) -> bool {
    ["nan", "inf", "infinity"].contains(&name.to_ascii_lowercase().as_str())
}

pub(super) struct Lower<'a> {
    file: &'a str,
    text: &'a str,
    /// Directory that data paths are relative to.
    base: PathBuf,
    /// Inline form: free identifiers become scalar parameters.
    inline: bool,
    graph: Graph,
    init: Vec<Tensor>,
    scope: HashMap<String, NodeId>,
    /// The part of every data file's rows to load (benchmarks).
    split: Option<(Split, Part)>,
    /// The most bytes parameters and data may take, and what they take so far.
    max_bytes: u64,
    used_bytes: u64,
    /// The seed of random initial values.
    seed: u64,
    /// The data vectors read from a single column of a file (for a hint).
    single_columns: HashMap<NodeId, String>,
}

type LResult<T> = Result<T, LangError>;

impl<'a> Lower<'a> {
    pub(super) fn new(file: &'a str, text: &'a str, base: &Path, inline: bool, options: &ParseOptions) -> Self {
        Lower {
            file,
            text,
            base: base.to_path_buf(),
            inline,
            graph: Graph::new(),
            init: Vec::new(),
            scope: HashMap::new(),
            split: options.split,
            max_bytes: options.max_bytes,
            used_bytes: 0,
            seed: options.seed,
            single_columns: HashMap::new(),
        }
    }

    /// Accounts for `elements` more f64 values (`what` says whose), refused
    /// at `span` when parameters and data would go over the budget.
    fn reserve(&mut self, elements: usize, what: &str, span: Span) -> LResult<()> {
        let bytes = (elements as u64).saturating_mul(8);
        let total = self.used_bytes.saturating_add(bytes);
        if total > self.max_bytes {
            let msg = format!(
                "{what} takes {}, which brings the parameters and data to {}: more than the memory budget of {} \
                 (the memory available; --max-memory sets another)",
                memory::human(bytes),
                memory::human(total),
                memory::human(self.max_bytes)
            );
            return self.fail(span, msg);
        }
        self.used_bytes = total;
        Ok(())
    }

    pub(super) fn error(&self, span: Span, kind: LangErrorKind) -> LangError {
        LangError::new(self.file, self.text, span, kind)
    }

    fn fail<T>(&self, span: Span, msg: impl Into<String>) -> LResult<T> {
        Err(self.error(span, LangErrorKind::Arguments(msg.into())))
    }

    fn expr_err(&self, span: Span) -> impl Fn(ExprError) -> LangError + '_ {
        move |e| self.error(span, LangErrorKind::Expr(e))
    }

    /// The model whose objective is the inline expression `node`.
    pub(super) fn inline_model(mut self, node: &Node) -> LResult<Model> {
        let loss = self.expr(node)?;
        self.finish(loss, node.span)
    }

    /// The model of a whole program, and the node of every name it binds.
    pub(super) fn program(mut self, stmts: &[Stmt]) -> LResult<(Model, HashMap<String, NodeId>)> {
        let mut objective: Option<(NodeId, Span)> = None;
        for stmt in stmts {
            match stmt {
                Stmt::Param { name, name_span, dims, init } => {
                    let shape = self.shape(dims, *name_span)?;
                    self.reserve(shape.len(), &format!("the parameter `{name}` ({shape})"), *name_span)?;
                    let value = self.initial_value(name, init, shape)?;
                    let id = self.graph.param(name, shape).map_err(self.expr_err(*name_span))?;
                    self.init.push(value);
                    self.bind(name, *name_span, id)?;
                }
                Stmt::Data { name, name_span, source } => {
                    let from_file = !matches!(source.ast, Ast::List(_));
                    let value = if from_file {
                        self.csv(source)?
                    } else {
                        list_tensor(source).map_err(|(span, m)| self.error(span, LangErrorKind::Arguments(m)))?
                    };
                    self.reserve(value.shape().len(), &format!("the data `{name}` ({})", value.shape()), source.span)?;
                    let vector = matches!(value.shape(), Shape::Vector(_));
                    let id = self.graph.data(name, value).map_err(self.expr_err(*name_span))?;
                    if from_file && vector {
                        self.single_columns.insert(id, name.clone());
                    }
                    self.bind(name, *name_span, id)?;
                }
                Stmt::Let { name, name_span, value } => {
                    let id = self.expr(value)?;
                    self.bind(name, *name_span, id)?;
                }
                Stmt::Minimize { value, keyword } => {
                    if objective.is_some() {
                        return self.fail(*keyword, "a model has only one `minimize` statement");
                    }
                    objective = Some((self.expr(value)?, value.span));
                }
            }
        }
        let end = Span::new(self.text.len(), self.text.len());
        let Some((loss, span)) = objective else {
            return self.fail(end, "no `minimize` statement: say what to minimize");
        };
        let names = std::mem::take(&mut self.scope);
        Ok((self.finish(loss, span)?, names))
    }

    fn finish(self, loss: NodeId, span: Span) -> LResult<Model> {
        let shape = self.graph.shape(loss);
        if shape != Shape::Scalar {
            let hint = " (reduce it with sum(...) or mean(...))";
            let kind = LangErrorKind::Arguments(format!("`minimize` needs a scalar, but this has shape {shape}{hint}"));
            return Err(self.error(span, kind));
        }
        Model::new(self.graph, loss, self.init).map_err(|e| LangError::new(self.file, self.text, span, e.into()))
    }

    fn bind(&mut self, name: &str, span: Span, id: NodeId) -> LResult<()> {
        if self.scope.contains_key(name) {
            return Err(self.error(span, ExprError::Duplicate(name.to_string()).into()));
        }
        if is_function(name) {
            return self.fail(span, format!("`{name}` is a function name and cannot be redefined"));
        }
        if let Some((_, v)) = CONSTANTS.iter().find(|(c, _)| *c == name) {
            return self.fail(span, format!("`{name}` is the constant {v} and cannot be redefined"));
        }
        if is_non_finite_name(name) {
            return self.fail(span, format!("`{name}` cannot be a name: it reads as a non-finite number"));
        }
        self.scope.insert(name.to_string(), id);
        Ok(())
    }

    /// A constant, refused where it is not finite (`1/0`, `1e300 * 1e300`).
    fn finite(&self, v: f64, span: Span) -> LResult<f64> {
        if v.is_finite() {
            Ok(v)
        } else {
            self.fail(span, format!("this constant is {v}: every number must be finite"))
        }
    }

    fn int(&self, node: &Node, what: &str, min: i64) -> LResult<i64> {
        match node.const_value() {
            Some(v) if v.fract() == 0.0 && v >= min as f64 && v < 1e15 => Ok(v as i64),
            _ => self.fail(node.span, format!("{what} must be an integer >= {min}")),
        }
    }

    fn shape(&self, dims: &[Node], span: Span) -> LResult<Shape> {
        let d: Vec<usize> =
            dims.iter().map(|n| self.int(n, "a dimension", 1).map(|v| v as usize)).collect::<Result<_, _>>()?;
        if d.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n)).is_none_or(|n| n > MAX_ELEMENTS) {
            return self.fail(span, format!("a tensor has at most {MAX_ELEMENTS} elements"));
        }
        match d[..] {
            [] => Ok(Shape::Scalar),
            [n] => Ok(Shape::Vector(n)),
            [r, c] => Ok(Shape::Matrix(r, c)),
            _ => self.fail(span, "a tensor has at most 2 dimensions"),
        }
    }

    fn initial_value(&self, param_name: &str, init: &Node, shape: Shape) -> LResult<Tensor> {
        if let Some(v) = init.const_value() {
            return Ok(Tensor::full(shape, self.finite(v, init.span)?));
        }
        match &init.ast {
            Ast::List(_) => {
                let t = list_tensor(init).map_err(|(span, m)| self.error(span, LangErrorKind::Arguments(m)))?;
                if t.shape().len() == shape.len() && (t.shape() == shape || shape.rank() <= 1) {
                    return Ok(t.reshape(shape));
                }
                self.fail(init.span, format!("this list has shape {}, but the parameter has shape {shape}", t.shape()))
            }
            Ast::Call { name, args, .. } if name == "normal" || name == "uniform" => {
                let vals: Vec<f64> =
                    args.iter().filter(|a| a.key.is_none()).filter_map(|a| a.value.const_value()).collect();
                if vals.len() != 2 || args.len() != 2 {
                    return self.fail(init.span, format!("`{name}` takes two numbers: {name}(a, b)"));
                }
                let draw =
                    if name == "normal" { Draw::Normal(vals[0], vals[1]) } else { Draw::Uniform(vals[0], vals[1]) };
                let draw = draw.check().or_else(|m| self.fail(init.span, m))?;
                Ok(draw.sample(shape, run_seed(param_name, self.seed)))
            }
            _ => {
                self.fail(init.span, "the initial value must be a number, a list, normal(mean, std) or uniform(lo, hi)")
            }
        }
    }

    fn csv(&self, source: &Node) -> LResult<Tensor> {
        let Ast::Call { name, args, .. } = &source.ast else {
            return self.fail(source.span, "data must come from csv(\"path\", ...)");
        };
        if name != "csv" {
            return self.fail(source.span, format!("data must come from csv(\"path\", ...), not `{name}`"));
        }
        let mut path: Option<(&str, Span)> = None;
        let room = self.max_bytes.saturating_sub(self.used_bytes);
        let mut opts = CsvOptions { split: self.split, max_bytes: Some(room), ..CsvOptions::default() };
        let (mut cols_span, mut rows_span) = (source.span, source.span);
        for Arg { key, value } in args {
            match (key.as_ref().map(|(k, s)| (k.as_str(), *s)), &value.ast) {
                (None, Ast::Str(p)) if path.is_none() => path = Some((p, value.span)),
                (None, Ast::Name(flag)) if flag == "standardize" => opts.standardize = true,
                (Some(("skip", _)), _) => opts.skip = self.int(value, "`skip`", 0)? as usize,
                (Some(("cols", _)), Ast::Range(a, b)) => {
                    opts.cols =
                        Columns::Range(self.int(a, "a column", 0)? as usize, self.int(b, "a column", 0)? as usize);
                    cols_span = value.span;
                }
                (Some(("cols", _)), _) => {
                    opts.cols = Columns::One(self.int(value, "a column", 0)? as usize);
                    cols_span = value.span;
                }
                (Some(("rows", _)), Ast::Range(a, b)) => {
                    opts.rows = Some((self.int(a, "a row", 0)? as usize, self.int(b, "a row", 0)? as usize));
                    rows_span = value.span;
                }
                (Some((k, s)), _) => {
                    let hint = suggest(k, ["skip", "cols", "rows", "standardize"]);
                    return self.fail(s, format!("unknown csv option `{k}`{hint} (options: skip=N, cols=a:b or cols=j, rows=a:b, standardize)"));
                }
                _ => {
                    return self.fail(
                        value.span,
                        "csv takes a path string, then skip=N, cols=a:b or cols=j, rows=a:b, standardize",
                    );
                }
            }
        }
        let Some((p, path_span)) = path else {
            return self.fail(source.span, "csv needs a path: csv(\"data/file.csv\", ...)");
        };
        let full = if Path::new(p).is_absolute() { PathBuf::from(p) } else { self.base.join(p) };
        load_csv(&full, &opts).map_err(|e| {
            let span = match e.culprit {
                Culprit::Path => path_span,
                Culprit::Cols => cols_span,
                Culprit::Rows => rows_span,
                Culprit::Content => source.span,
            };
            self.error(span, LangErrorKind::Data(e.message))
        })
    }

    pub(super) fn expr(&mut self, node: &Node) -> LResult<NodeId> {
        // A constant expression is refused where it is not finite, and kept
        // as written otherwise: folding `2.171^2 + 2.16` in f64 would change
        // the function by its rounding (the bounds and the simplifier fold
        // only what is exact).
        if let Some(v) = node.const_value() {
            let v = self.finite(v, node.span)?;
            if matches!(node.ast, Ast::Num(_) | Ast::Name(_)) {
                return Ok(self.graph.constant(v));
            }
            if let Ast::Neg(a) = &node.ast
                && matches!(a.ast, Ast::Num(_) | Ast::Name(_))
            {
                return Ok(self.graph.constant(v));
            }
        }
        match &node.ast {
            Ast::Num(v) => Ok(self.graph.constant(*v)),
            Ast::Name(name) => self.name(name, node.span),
            Ast::Neg(a) => {
                let a = self.expr(a)?;
                Ok(self.graph.neg(a))
            }
            Ast::Binary('^', base, exp, op_span) => {
                let Some(p) = exp.const_value() else {
                    return self.power(base, exp, *op_span);
                };
                if !p.is_finite() {
                    return self.fail(*op_span, format!("the exponent {p} is not finite"));
                }
                let b = self.expr(base)?;
                Ok(self.graph.powf(b, p))
            }
            Ast::Binary(op, a, b, op_span) => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                let hint = self.column_hint(a, b);
                let g = &mut self.graph;
                let r = match op {
                    '+' => g.add(a, b),
                    '-' => g.sub(a, b),
                    '*' => g.mul(a, b),
                    '/' => g.div(a, b),
                    _ => g.matmul(a, b),
                };
                r.map_err(|e| match (e, hint) {
                    (e @ ExprError::Shape { .. }, Some(hint)) => self.error(*op_span, LangErrorKind::Hinted(e, hint)),
                    (e, _) => self.error(*op_span, LangErrorKind::Expr(e)),
                })
            }
            Ast::Transpose(a) => {
                let a = self.expr(a)?;
                Ok(self.graph.transpose(a))
            }
            Ast::Index(base, items, brackets) => self.index(base, items, *brackets),
            Ast::Call { name, name_span, args } => self.call(name, *name_span, args, node.span),
            Ast::Str(_) => self.fail(node.span, "a string is only allowed as the path of csv(...)"),
            Ast::List(_) => self.fail(
                node.span,
                "a list is only allowed as a parameter's initial value or as data (`data c = [1, 2]`)",
            ),
            Ast::Range(..) => self.fail(node.span, "a range a:b is only allowed in csv(...)"),
        }
    }

    /// The hint for a shape error between `a` and `b` where one is a data
    /// vector read from a single column of a file.
    fn column_hint(&self, a: NodeId, b: NodeId) -> Option<String> {
        let name = [a, b].into_iter().find_map(|id| self.single_columns.get(&id))?;
        Some(format!(
            " (`{name}` was read from one column, which gives a vector; read it with cols=j:j+1 to get a one-column matrix)"
        ))
    }

    fn name(&mut self, name: &str, span: Span) -> LResult<NodeId> {
        if let Some(&id) = self.scope.get(name) {
            return Ok(id);
        }
        if is_function(name) {
            return self.fail(span, format!("`{name}` is a function: call it as {name}(...)"));
        }
        if let Some(&(_, v)) = CONSTANTS.iter().find(|(c, _)| *c == name) {
            return Ok(self.graph.constant(v));
        }
        if is_non_finite_name(name) {
            return self
                .fail(span, format!("`{name}` is not a number the language accepts: every number must be finite"));
        }
        if self.inline {
            let id = self.graph.param(name, Shape::Scalar).map_err(self.expr_err(span))?;
            self.init.push(Tensor::scalar(0.0));
            self.scope.insert(name.to_string(), id);
            return Ok(id);
        }
        let hint = suggest(name, self.scope.keys().map(String::as_str));
        Err(self.error(span, LangErrorKind::UnknownName { name: name.to_string(), hint }))
    }

    fn call(&mut self, name: &str, name_span: Span, args: &[Arg], span: Span) -> LResult<NodeId> {
        if let Some(arg) = args.iter().find(|a| a.key.is_some()) {
            let (k, s) = arg.key.as_ref().expect("found");
            return self.fail(*s, format!("`{name}` takes no named argument `{k}`"));
        }
        let n = args.len();
        let arity = |lo: usize, hi: usize, usage: &str| {
            if n < lo || n > hi {
                self.fail(span, format!("wrong number of arguments: usage is {usage}"))
            } else {
                Ok(())
            }
        };
        if let Some(f) = Func::from_name(name) {
            arity(1, 1, &format!("{name}(x)"))?;
            let a = self.expr(&args[0].value)?;
            return Ok(self.graph.func(f, a));
        }
        let axis = |this: &Self| -> LResult<Option<usize>> {
            args.get(1).map(|a| this.int(&a.value, "an axis", 0).map(|v| v as usize)).transpose()
        };
        match name {
            "sum" | "mean" | "logsumexp" => {
                arity(1, 2, &format!("{name}(A) or {name}(A, axis)"))?;
                let ax = axis(self)?;
                let a = self.expr(&args[0].value)?;
                let g = &mut self.graph;
                let r = match name {
                    "sum" => g.sum(a, ax),
                    "mean" => g.mean(a, ax),
                    _ => g.logsumexp(a, ax),
                };
                r.map_err(self.expr_err(span))
            }
            "onehot" => {
                arity(2, 2, "onehot(labels, n)")?;
                let classes = self.int(&args[1].value, "the number of classes", 1)? as usize;
                let labels = self.expr(&args[0].value)?;
                let elements = self.graph.shape(labels).len().saturating_mul(classes);
                if elements > MAX_ELEMENTS {
                    return self
                        .fail(args[1].value.span, format!("a one-hot matrix has at most {MAX_ELEMENTS} elements"));
                }
                self.reserve(elements, "this one-hot matrix", span)?;
                self.graph.onehot(labels, classes).map_err(self.expr_err(args[0].value.span))
            }
            _ if BUILTINS.contains(&name) => self.builtin(name, args, span),
            "csv" => self.fail(name_span, "csv(...) is only allowed in a `data` statement"),
            "normal" | "uniform" => {
                self.fail(name_span, format!("{name}(...) is only allowed as a parameter's initial value"))
            }
            _ => {
                let names = Func::ALL.iter().map(|f| f.name()).chain(REDUCTIONS).chain(BUILTINS);
                let hint = suggest(name, names);
                Err(self.error(name_span, LangErrorKind::UnknownFunction { name: name.to_string(), hint }))
            }
        }
    }
}

/// The tensor of a (possibly nested) list of constant numbers.
fn list_tensor(node: &Node) -> Result<Tensor, (Span, String)> {
    let Ast::List(items) = &node.ast else {
        return Err((node.span, "expected a list".into()));
    };
    if items.is_empty() {
        return Err((node.span, "a list needs at least one element".into()));
    }
    if items.iter().all(|i| matches!(i.ast, Ast::List(_))) {
        let rows: Vec<Tensor> = items.iter().map(list_tensor).collect::<Result<_, _>>()?;
        let width = rows[0].shape().len();
        if let Some((row, bad)) = items.iter().zip(&rows).find(|(_, r)| r.shape() != Shape::Vector(width)) {
            return Err((row.span, format!("every row must be a flat list of {width} numbers, not {}", bad.shape())));
        }
        let data = rows.into_iter().flat_map(Tensor::into_data).collect();
        return Ok(Tensor::new(Shape::Matrix(items.len(), width), data));
    }
    let values = items
        .iter()
        .map(|i| match i.const_value() {
            Some(v) if v.is_finite() => Ok(v),
            Some(v) => Err((i.span, format!("this list element is {v}: every number must be finite"))),
            None => Err((i.span, "list elements must be numbers".to_string())),
        })
        .collect::<Result<Vec<f64>, _>>()?;
    Ok(Tensor::vector(values))
}
