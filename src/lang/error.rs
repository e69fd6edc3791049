//! Located errors of the loss language, rendered as
//! `file:line:column: message` with the offending line and a caret.

use std::fmt;

use crate::expr::ExprError;

/// A byte range in a source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// What went wrong, without the location.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LangErrorKind {
    /// The text does not follow the grammar.
    #[error("{0}")]
    Syntax(String),
    /// A call to a function the language does not have.
    #[error("unknown function `{name}`{hint}")]
    UnknownFunction {
        /// The name called.
        name: String,
        /// A suggestion, or empty.
        hint: String,
    },
    /// A name that is neither a parameter, data nor a `let`.
    #[error("unknown name `{name}`{hint}")]
    UnknownName {
        /// The name used.
        name: String,
        /// A suggestion, or empty.
        hint: String,
    },
    /// A function called with the wrong arguments.
    #[error("{0}")]
    Arguments(String),
    /// A graph error (shapes, axes, duplicate names) at this place.
    #[error(transparent)]
    Expr(#[from] ExprError),
    /// A graph error with a hint on how to fix it.
    #[error("{0}{1}")]
    Hinted(ExprError, String),
    /// A data file that cannot be read or does not hold the numbers asked for.
    #[error("{0}")]
    Data(String),
}

/// An error with its place in a source text.
#[derive(Debug, Clone, PartialEq)]
pub struct LangError {
    /// What went wrong.
    pub kind: LangErrorKind,
    /// Where (boxed, to keep `Result`s small).
    pub location: Box<Location>,
}

/// The place of a [`LangError`].
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The file name (or `<expr>` for an inline expression).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The text of the offending line.
    pub source_line: String,
    /// Number of characters to underline (at least 1).
    pub width: usize,
}

impl LangError {
    /// Locates `kind` at `span` of `text`, read from `file`.
    pub fn new(file: &str, text: &str, span: Span, kind: LangErrorKind) -> Self {
        let start = span.start.min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let end = span.end.clamp(start, line_end);
        let width = text[start..end].chars().count().max(1);
        let location = Location {
            file: file.to_string(),
            line,
            column,
            source_line: text[line_start..line_end].to_string(),
            width,
        };
        LangError { kind, location: Box::new(location) }
    }

    /// The full message: the located one-line message, then the offending
    /// line with a caret under the place.
    pub fn render(&self) -> String {
        let loc = &self.location;
        let pad = loc.source_line.chars().take(loc.column - 1).map(|c| if c == '\t' { '\t' } else { ' ' });
        format!("{self}\n  {}\n  {}{}", loc.source_line, pad.collect::<String>(), "^".repeat(loc.width))
    }
}

impl fmt::Display for LangError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loc = &self.location;
        write!(f, "{}:{}:{}: {}", loc.file, loc.line, loc.column, self.kind)
    }
}

impl std::error::Error for LangError {}

/// The closest of `candidates` to `name`, as a hint, if it is close.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, c)| d <= 2.max(c.len() / 3) && d < c.len().max(name.len()))
        .min();
    best.map(|(_, c)| format!("; did you mean `{c}`?")).unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_column_and_caret() {
        let text = "param w = 0\nminimize sofplus(w)\n";
        let start = text.find("sofplus").unwrap();
        let kind =
            LangErrorKind::UnknownFunction { name: "sofplus".into(), hint: suggest("sofplus", ["softplus", "exp"]) };
        let e = LangError::new("m.loss", text, Span::new(start, start + 7), kind);
        assert_eq!(e.to_string(), "m.loss:2:10: unknown function `sofplus`; did you mean `softplus`?");
        assert_eq!(e.render().lines().nth(2).unwrap(), "           ^^^^^^^");
    }

    #[test]
    fn suggestions_only_when_close() {
        assert_eq!(suggest("xyz", ["softplus"]), "");
        assert_eq!(suggest("tnah", ["tanh", "sin"]), "; did you mean `tanh`?");
    }
}
