//! Hyperparameters by name: each optimizer declares its keys with defaults
//! in one table, which serves the command line (`--opt key=value`), the
//! `majorize optimizers` listing and the configs' `Default`.

use std::collections::BTreeMap;
use std::fmt;

use super::OptimError;

/// A hyperparameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number.
    Num(f64),
    /// A flag.
    Bool(bool),
    /// One of a fixed set of words.
    Word(String),
    /// A list of numbers, written `[a,b,c]`.
    List(Vec<f64>),
}

/// A number as people write hyperparameters: `0.001` and `1e-8`, not
/// `0.00000001`.
pub fn show_num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-4..1e7).contains(&v.abs()) { format!("{v:e}") } else { format!("{v}") }
}

/// A hyperparameter's value as text, for reports.
pub trait Show {
    /// The text.
    fn show(&self) -> String;
}

impl Show for f64 {
    fn show(&self) -> String {
        show_num(*self)
    }
}

impl Show for bool {
    fn show(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(v) => write!(f, "{}", show_num(*v)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Word(w) => write!(f, "{w}"),
            Value::List(v) => {
                let items: Vec<String> = v.iter().map(|&x| show_num(x)).collect();
                write!(f, "[{}]", items.join(","))
            }
        }
    }
}

/// The default of a key, in a `const` table.
#[derive(Clone, Copy, Debug)]
pub enum KeyDefault {
    /// A number.
    Num(f64),
    /// A flag.
    Bool(bool),
    /// A word, with the allowed words.
    Word(&'static str, &'static [&'static str]),
    /// A list of numbers.
    List(&'static [f64]),
    /// Free text, such as a file's path (stored as a [`Value::Word`]).
    Path(&'static str),
}

/// One hyperparameter: its name, default and meaning.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// The name (PyTorch's where there is one).
    pub name: &'static str,
    /// The default.
    pub default: KeyDefault,
    /// What it means.
    pub help: &'static str,
}

impl Key {
    /// The default as a [`Value`].
    pub fn default_value(&self) -> Value {
        match self.default {
            KeyDefault::Num(v) => Value::Num(v),
            KeyDefault::Bool(b) => Value::Bool(b),
            KeyDefault::Word(w, _) | KeyDefault::Path(w) => Value::Word(w.to_string()),
            KeyDefault::List(l) => Value::List(l.to_vec()),
        }
    }
}

/// A full set of hyperparameters for one optimizer: every key of its table,
/// set or defaulted.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    optimizer: String,
    values: BTreeMap<&'static str, Value>,
}

/// Splits `a=1,b=[1,2],c=x` at the commas outside brackets.
pub fn split_pairs(s: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter().map(str::trim).filter(|s| !s.is_empty()).collect()
}

impl Options {
    /// The defaults of `keys`.
    pub fn defaults(optimizer: &str, keys: &[Key]) -> Self {
        Options { optimizer: optimizer.to_string(), values: keys.iter().map(|k| (k.name, k.default_value())).collect() }
    }

    /// The defaults of `keys`, overridden by `key=value` pairs.
    ///
    /// # Errors
    /// [`OptimError::UnknownKey`] or [`OptimError::BadValue`].
    pub fn parse(optimizer: &str, keys: &[Key], pairs: &[(&str, &str)]) -> Result<Self, OptimError> {
        let mut opts = Self::defaults(optimizer, keys);
        for &(k, v) in pairs {
            opts.set_text(keys, k, v)?;
        }
        Ok(opts)
    }

    /// Sets `key` from its text form.
    ///
    /// # Errors
    /// [`OptimError::UnknownKey`] or [`OptimError::BadValue`].
    pub fn set_text(&mut self, keys: &[Key], key: &str, text: &str) -> Result<(), OptimError> {
        let Some(spec) = keys.iter().find(|k| k.name == key) else {
            let names: Vec<&str> = keys.iter().map(|k| k.name).collect();
            return Err(OptimError::UnknownKey {
                optimizer: self.optimizer.clone(),
                key: key.to_string(),
                keys: if names.is_empty() { "none".into() } else { names.join(", ") },
            });
        };
        let bad = |kind: &str| OptimError::BadValue {
            optimizer: self.optimizer.clone(),
            key: key.to_string(),
            value: text.to_string(),
            kind: kind.to_string(),
        };
        let t = text.trim();
        let value = match spec.default {
            KeyDefault::Num(_) => Value::Num(parse_num(t).ok_or_else(|| bad("number"))?),
            KeyDefault::Bool(_) => Value::Bool(match t {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => return Err(bad("boolean (true or false)")),
            }),
            KeyDefault::Word(_, allowed) => {
                if !allowed.contains(&t) {
                    return Err(bad(&format!("choice among {}", allowed.join(", "))));
                }
                Value::Word(t.to_string())
            }
            KeyDefault::Path(_) if t.is_empty() => return Err(bad("file name")),
            KeyDefault::Path(_) => Value::Word(t.to_string()),
            KeyDefault::List(_) => {
                let inner = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(t);
                let items: Option<Vec<f64>> =
                    inner.split([',', ';', ' ']).filter(|s| !s.is_empty()).map(parse_num).collect();
                match items {
                    Some(v) if !v.is_empty() => Value::List(v),
                    _ => return Err(bad("list of numbers such as [0.5,0.9,0.99]")),
                }
            }
        };
        self.values.insert(spec.name, value);
        Ok(())
    }

    /// The optimizer these options belong to.
    pub fn optimizer(&self) -> &str {
        &self.optimizer
    }

    /// A number.
    ///
    /// # Panics
    /// If the key is not a number key of this optimizer (a programming error).
    #[track_caller]
    pub fn num(&self, key: &str) -> f64 {
        match self.values.get(key) {
            Some(Value::Num(v)) => *v,
            other => panic!("{}: `{key}` is not a number key ({other:?})", self.optimizer),
        }
    }

    /// A flag.
    ///
    /// # Panics
    /// If the key is not a flag of this optimizer.
    #[track_caller]
    pub fn flag(&self, key: &str) -> bool {
        match self.values.get(key) {
            Some(Value::Bool(b)) => *b,
            other => panic!("{}: `{key}` is not a flag ({other:?})", self.optimizer),
        }
    }

    /// A word.
    ///
    /// # Panics
    /// If the key is not a word key of this optimizer.
    #[track_caller]
    pub fn word(&self, key: &str) -> &str {
        match self.values.get(key) {
            Some(Value::Word(w)) => w,
            other => panic!("{}: `{key}` is not a word key ({other:?})", self.optimizer),
        }
    }

    /// A list.
    ///
    /// # Panics
    /// If the key is not a list key of this optimizer.
    #[track_caller]
    pub fn list(&self, key: &str) -> &[f64] {
        match self.values.get(key) {
            Some(Value::List(v)) => v,
            other => panic!("{}: `{key}` is not a list key ({other:?})", self.optimizer),
        }
    }

    /// Every key and its value, for reports.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// An error saying that `key` must be `allowed`.
    pub fn invalid(&self, key: &str, allowed: &str) -> OptimError {
        let value = self.values.get(key).map_or_else(String::new, ToString::to_string);
        OptimError::Invalid {
            optimizer: self.optimizer.clone(),
            key: key.to_string(),
            value,
            allowed: allowed.to_string(),
        }
    }

    /// Checks that the number `key` satisfies `ok`, else names `allowed`.
    ///
    /// # Errors
    /// [`OptimError::Invalid`].
    pub fn check(&self, key: &str, ok: impl Fn(f64) -> bool, allowed: &str) -> Result<f64, OptimError> {
        let v = self.num(key);
        if v.is_nan() || !ok(v) { Err(self.invalid(key, allowed)) } else { Ok(v) }
    }
}

fn parse_num(t: &str) -> Option<f64> {
    match t {
        "inf" | "infinity" => Some(f64::INFINITY),
        _ => t.parse::<f64>().ok().filter(|v| !v.is_nan()),
    }
}

/// Common range checks, named as they read in error messages.
pub mod range {
    /// `v >= 0` and finite.
    pub fn non_negative(v: f64) -> bool {
        (0.0..f64::INFINITY).contains(&v)
    }
    /// `v > 0` and finite.
    pub fn positive(v: f64) -> bool {
        v > 0.0 && v.is_finite()
    }
    /// `0 <= v < 1`.
    pub fn unit(v: f64) -> bool {
        (0.0..1.0).contains(&v)
    }
    /// `0 <= v <= 1`.
    pub fn closed_unit(v: f64) -> bool {
        (0.0..=1.0).contains(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[Key] = &[
        Key { name: "lr", default: KeyDefault::Num(1e-3), help: "" },
        Key { name: "nesterov", default: KeyDefault::Bool(false), help: "" },
        Key { name: "mode", default: KeyDefault::Word("global", &["global", "per_tensor"]), help: "" },
        Key { name: "momentum", default: KeyDefault::List(&[0.9]), help: "" },
    ];

    #[test]
    fn parse_defaults_and_errors() {
        let o = Options::parse("t", KEYS, &[("lr", "0.1"), ("nesterov", "true"), ("momentum", "[0.5,0.9]")]).unwrap();
        assert_eq!(o.num("lr"), 0.1);
        assert!(o.flag("nesterov"));
        assert_eq!(o.word("mode"), "global");
        assert_eq!(o.list("momentum"), &[0.5, 0.9]);
        assert!(matches!(Options::parse("t", KEYS, &[("lrr", "1")]), Err(OptimError::UnknownKey { .. })));
        assert!(matches!(Options::parse("t", KEYS, &[("lr", "x")]), Err(OptimError::BadValue { .. })));
        assert!(matches!(Options::parse("t", KEYS, &[("mode", "local")]), Err(OptimError::BadValue { .. })));
        assert!(o.check("lr", range::unit, "in [0, 1)").is_ok());
        let err = Options::parse("t", KEYS, &[("lr", "2")]).unwrap().check("lr", range::unit, "in [0, 1)").unwrap_err();
        assert_eq!(err.to_string(), "t: `lr` = 2 is invalid: it must be in [0, 1)");
        assert_eq!(split_pairs("a=1, b=[1,2],c=x"), vec!["a=1", "b=[1,2]", "c=x"]);
    }
}
