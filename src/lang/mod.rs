//! The loss language.
//!
//! This layer owns the lexer, the parser (with `file:line:column` errors,
//! [`LangError`]), CSV data loading and the lowering of a program to a
//! [`Model`]. It uses the `tensor` and `expr` layers.
//!
//! A program names parameters, data and named subexpressions, then says what
//! to minimize:
//!
//! ```text
//! data X = csv("data/breast_cancer.csv", skip=1, cols=0:30, standardize)
//! data y = csv("data/breast_cancer.csv", skip=1, cols=30)
//! param w[30] = 0
//! param b = 0
//! let z = X @ w + b
//! minimize mean(softplus(z) - y * z) + 1e-3 * sum(w^2)
//! ```
//!
//! The inline form is one expression whose free identifiers become scalar
//! parameters (initialized to 0):
//!
//! ```
//! let model = majorize::lang::parse_inline("(1-x)^2 + 100*(y-x^2)^2").unwrap();
//! let names: Vec<_> = model.graph.params().iter().map(|p| p.name.as_str()).collect();
//! assert_eq!(names, ["x", "y"]);
//! let err = majorize::lang::parse_inline("sofplus(x)").unwrap_err();
//! assert_eq!(err.to_string(), "<expr>:1:1: unknown function `sofplus`; did you mean `softplus`?");
//! ```

mod ast;
mod data;
mod error;
mod init;
mod lexer;
mod lower;
mod parser;

use std::collections::HashMap;
use std::path::Path;

pub use data::{Columns, CsvOptions, Part, Split, load_csv};
pub use error::{LangError, LangErrorKind, Location, Span, suggest};

use crate::expr::{Model, NodeId};

/// The file name errors in inline expressions report.
pub const INLINE_NAME: &str = "<expr>";

/// Parses an inline expression: its free identifiers become scalar
/// parameters, initialized to 0, in order of first appearance.
///
/// # Errors
/// A [`LangError`] located in the expression.
pub fn parse_inline(text: &str) -> Result<Model, LangError> {
    let lower = lower::Lower::new(INLINE_NAME, text, Path::new("."), true, &ParseOptions::default());
    let node = parser::parse_inline(text).map_err(|(span, kind)| lower.error(span, kind))?;
    lower.inline_model(&node)
}

/// Parses a program read from `file` (used in messages); data paths are
/// relative to `base_dir`.
///
/// # Errors
/// A [`LangError`] located in the program.
pub fn parse_program(file: &str, text: &str, base_dir: &Path) -> Result<Model, LangError> {
    Ok(parse_program_with(file, text, base_dir, &ParseOptions::default())?.model)
}

/// How to load a program.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParseOptions {
    /// Load only one part of every data file's rows (benchmarks),
    /// standardized with the training rows' statistics.
    pub split: Option<(Split, Part)>,
    /// The most bytes the parameters and data may take together; a program
    /// that declares more is refused, at the declaration that goes over,
    /// before anything is allocated.
    pub max_bytes: u64,
    /// The seed of the random initial values (`normal`, `uniform`): 0 is
    /// the program's own draws; another seed redraws every parameter
    /// (seeds of initialization in a benchmark).
    pub seed: u64,
}

impl Default for ParseOptions {
    /// No split; the memory the process may use; seed 0.
    fn default() -> Self {
        ParseOptions { split: None, max_bytes: crate::tensor::memory::default_budget(), seed: 0 }
    }
}

/// A parsed program with the node of every name it binds (parameters, data
/// and `let`s), so that a caller can read a named subexpression such as a
/// model's predictions.
#[derive(Clone, Debug)]
pub struct Program {
    /// The model.
    pub model: Model,
    /// The node of each name, in the model's graph.
    pub names: HashMap<String, NodeId>,
}

/// [`parse_program`] with options (a split of the data rows, a memory
/// budget), keeping the names.
///
/// # Errors
/// A [`LangError`] located in the program.
pub fn parse_program_with(
    file: &str,
    text: &str,
    base_dir: &Path,
    options: &ParseOptions,
) -> Result<Program, LangError> {
    let lower = lower::Lower::new(file, text, base_dir, false, options);
    let stmts = parser::parse_program(text).map_err(|(span, kind)| lower.error(span, kind))?;
    let (model, names) = lower.program(&stmts)?;
    Ok(Program { model, names })
}
