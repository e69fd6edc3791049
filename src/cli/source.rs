//! Loading the loss named on the command line, and `--init`.

use std::path::Path;

use majorize::optim::split_pairs;
use majorize::simplify::Simplifier;
use majorize::{Error, Model, Shape, Tensor, lang};

/// Whether the loss argument names a file: an existing file, or a name
/// ending in `.loss`.
pub fn is_file(arg: &str) -> bool {
    Path::new(arg).is_file() || arg.ends_with(".loss")
}

/// Loads `FILE.loss` or an inline expression (see [`is_file`]).
pub fn load_model(arg: &str) -> Result<Model, Error> {
    let path = Path::new(arg);
    if is_file(arg) {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            action: "read",
            path: arg.to_string(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Ok(lang::parse_program(arg, &text, base)?)
    } else {
        Ok(lang::parse_inline(arg)?)
    }
}

/// The `--no-simplify` switch shared by the commands that evaluate or bound.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct SimplifyFlag {
    /// Use the expression as written, without rewriting it first (see `majorize simplify`).
    #[arg(long)]
    pub no_simplify: bool,
}

impl SimplifyFlag {
    /// The model to work on: simplified unless `--no-simplify`.
    pub fn apply(self, model: Model) -> Model {
        if self.no_simplify { model } else { Simplifier::default().run_model(&model).0 }
    }
}

/// Parses one `--init` value: a number or a (nested) bracketed list.
fn parse_value(name: &str, text: &str) -> Result<Tensor, Error> {
    let bad = || Error::Usage(format!("--init {name}={text}: expected a number or a bracketed list of numbers"));
    let text = text.trim();
    if !text.starts_with('[') {
        return text.parse::<f64>().map(Tensor::scalar).map_err(|_| bad());
    }
    let json: serde_json::Value = serde_json::from_str(text).map_err(|_| bad())?;
    let row =
        |v: &serde_json::Value| -> Option<Vec<f64>> { v.as_array()?.iter().map(serde_json::Value::as_f64).collect() };
    if let Some(values) = row(&json) {
        return Ok(Tensor::vector(values));
    }
    let rows: Vec<Vec<f64>> =
        json.as_array().ok_or_else(bad)?.iter().map(row).collect::<Option<_>>().ok_or_else(bad)?;
    let width = rows.first().map_or(0, Vec::len);
    if rows.is_empty() || width == 0 || rows.iter().any(|r| r.len() != width) {
        return Err(bad());
    }
    let n = rows.len();
    Ok(Tensor::new(Shape::Matrix(n, width), rows.into_iter().flatten().collect()))
}

/// Applies `--init NAME=V,...` to the model's initial values. A number sets
/// every element of a tensor parameter.
pub fn apply_init(model: &mut Model, init: Option<&str>) -> Result<(), Error> {
    let Some(init) = init else { return Ok(()) };
    for item in split_pairs(init) {
        let (name, value) =
            item.split_once('=').ok_or_else(|| Error::Usage(format!("--init expects NAME=VALUE, got `{item}`")))?;
        let name = name.trim();
        let Some(index) = model.graph.param_index(name) else {
            let names: Vec<&str> = model.graph.params().iter().map(|p| p.name.as_str()).collect();
            return Err(Error::Usage(format!(
                "--init: no parameter named `{name}` (parameters: {})",
                names.join(", ")
            )));
        };
        let mut value = parse_value(name, value)?;
        let shape = model.graph.params()[index].shape;
        if value.shape() == Shape::Scalar && shape != Shape::Scalar {
            value = Tensor::full(shape, value.item());
        }
        model.set_init(name, value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_values() {
        assert_eq!(parse_value("x", "-1.5").unwrap(), Tensor::scalar(-1.5));
        assert_eq!(parse_value("w", "[1,-2,3]").unwrap(), Tensor::vector(vec![1., -2., 3.]));
        assert_eq!(parse_value("W", "[[1,2],[3,4]]").unwrap().shape(), Shape::Matrix(2, 2));
        assert!(parse_value("W", "[[1,2],[3]]").is_err());
        assert!(parse_value("x", "abc").is_err());
    }
}
