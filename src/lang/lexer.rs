//! Tokens of the loss language.

use super::error::{LangErrorKind, Span};

/// A token kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Number(f64),
    Str(String),
    /// One of `( ) [ ] , = : + - * / ^ @ '`.
    Punct(char),
    Newline,
    Eof,
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Number(v) => format!("number `{v}`"),
            Tok::Str(s) => format!("string \"{s}\""),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Newline => "end of line".into(),
            Tok::Eof => "end of input".into(),
        }
    }
}

/// A token with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Splits `text` into tokens; `#` starts a comment that runs to the end of
/// the line.
pub fn lex(text: &str) -> Result<Vec<Token>, (Span, LangErrorKind)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = text[i..].chars().next().expect("in bounds");
        let start = i;
        match c {
            '\n' => {
                out.push(Token { tok: Tok::Newline, span: Span::new(i, i + 1) });
                i += 1;
            }
            c if c.is_whitespace() => i += c.len_utf8(),
            '#' => i = text[i..].find('\n').map_or(text.len(), |n| i + n),
            '(' | ')' | '[' | ']' | ',' | '=' | ':' | '+' | '-' | '*' | '/' | '^' | '@' | '\'' => {
                out.push(Token { tok: Tok::Punct(c), span: Span::new(i, i + 1) });
                i += 1;
            }
            '"' => {
                let Some(len) = text[i + 1..].find(['"', '\n']).filter(|&n| bytes[i + 1 + n] == b'"') else {
                    return Err((Span::new(i, i + 1), LangErrorKind::Syntax("unterminated string".into())));
                };
                out.push(Token {
                    tok: Tok::Str(text[i + 1..i + 1 + len].to_string()),
                    span: Span::new(i, i + len + 2),
                });
                i += len + 2;
            }
            c if c.is_ascii_digit() || (c == '.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) => {
                i = scan_number(bytes, i);
                let s = &text[start..i];
                let span = Span::new(start, i);
                let v: f64 = s.parse().map_err(|_| (span, LangErrorKind::Syntax(format!("malformed number `{s}`"))))?;
                out.push(Token { tok: Tok::Number(checked_number(s, v).map_err(|m| (span, m))?), span });
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len =
                    text[i..].find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_')).unwrap_or(text.len() - i);
                out.push(Token { tok: Tok::Ident(text[i..i + len].to_string()), span: Span::new(i, i + len) });
                i += len;
            }
            other if !other.is_ascii() => {
                let span = Span::new(i, i + other.len_utf8());
                let msg = format!(
                    "non-ASCII character `{other}` (U+{:04X}): names are ASCII letters, digits and `_`, and `^` writes a power",
                    u32::from(other)
                );
                return Err((span, LangErrorKind::Syntax(msg)));
            }
            other => {
                let span = Span::new(i, i + other.len_utf8());
                return Err((span, LangErrorKind::Syntax(format!("unexpected character `{other}`"))));
            }
        }
    }
    out.push(Token { tok: Tok::Eof, span: Span::new(text.len(), text.len()) });
    Ok(out)
}

/// A literal's value, refused where the double cannot hold it: beyond the
/// largest finite double (it would be infinite), or a nonzero literal below
/// the smallest (it would be 0).
fn checked_number(text: &str, v: f64) -> Result<f64, LangErrorKind> {
    if !v.is_finite() {
        return Err(LangErrorKind::Syntax(format!(
            "the number `{text}` is too large for a double (at most about 1.8e308)"
        )));
    }
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    if v == 0.0 && mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return Err(LangErrorKind::Syntax(format!("the number `{text}` is too small for a double (it would be 0)")));
    }
    Ok(v)
}

/// The end of the number starting at `i`: digits, an optional fraction and
/// an optional exponent.
fn scan_number(b: &[u8], mut i: usize) -> usize {
    let digits = |b: &[u8], mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    i = digits(b, i);
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            i = digits(b, j);
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers_names_strings_and_comments() {
        assert_eq!(
            kinds("w2 = 1e-3*.5 # note\n\"a.csv\""),
            vec![
                Tok::Ident("w2".into()),
                Tok::Punct('='),
                Tok::Number(1e-3),
                Tok::Punct('*'),
                Tok::Number(0.5),
                Tok::Newline,
                Tok::Str("a.csv".into()),
                Tok::Eof
            ]
        );
        assert_eq!(kinds("2.5E+2")[0], Tok::Number(250.0));
        assert!(lex("x $ y").is_err());
        assert!(lex("\"open").is_err());
        assert_eq!(kinds("1e-310")[0], Tok::Number(1e-310));
    }

    #[test]
    fn numbers_a_double_cannot_hold_and_non_ascii_names_are_refused() {
        let err = |s: &str| lex(s).unwrap_err();
        let (span, kind) = err("2 * 1e999");
        assert_eq!((span.start, span.end), (4, 9));
        assert!(kind.to_string().contains("too large"), "{kind}");
        assert!(err("1e-400 + x").1.to_string().contains("too small"));
        assert_eq!(kinds("0e-999")[0], Tok::Number(0.0));
        for (text, at) in [("x² + 1", 1), ("ｘ + 1", 0), ("σ(x)", 0), ("a + é", 4)] {
            let (span, kind) = err(text);
            assert_eq!(span.start, at, "{text}");
            assert!(kind.to_string().contains("non-ASCII"), "{kind}");
        }
    }
}
