//! Loading the loss named on the command line, and `--init`.

use std::path::Path;

use majorize::optim::split_pairs;
use majorize::simplify::Simplifier;
use majorize::{Error, Model, Pass, Shape, Tensor, lang, memory};

/// Whether the loss argument names a file: an existing file, or a name
/// ending in `.loss`.
pub fn is_file(arg: &str) -> bool {
    Path::new(arg).is_file() || arg.ends_with(".loss")
}

/// The `--max-memory` option shared by the commands that load a loss.
#[derive(clap::Args, Debug, Clone)]
pub struct MemoryFlag {
    /// The memory a loss may use (parameters, data and the passes over it), e.g. 8G or 500M;
    /// default: what the system has available. A loss that needs more is refused before anything
    /// is allocated.
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

impl MemoryFlag {
    /// The budget in bytes.
    pub fn budget(&self) -> Result<u64, Error> {
        match &self.max_memory {
            Some(text) => memory::parse_size(text).map_err(|m| Error::Usage(format!("--max-memory: {m}"))),
            None => Ok(memory::default_budget()),
        }
    }
}

/// Loads `FILE.loss` or an inline expression (see [`is_file`]), with the
/// parameters and data within `budget` bytes.
pub fn load_model(arg: &str, budget: u64) -> Result<Model, Error> {
    let path = Path::new(arg);
    let io = |message: String| Error::Io { action: "read", path: arg.to_string(), message };
    if is_file(arg) {
        // A FIFO or a device would block or never end.
        let meta = std::fs::metadata(path).map_err(|e| io(e.to_string()))?;
        if !meta.is_file() {
            return Err(io("not a regular file (a directory, a pipe or a device)".into()));
        }
        if meta.len() > budget {
            return Err(io(format!("it is {}, more than the memory budget", memory::human(meta.len()))));
        }
        let text = std::fs::read_to_string(path).map_err(|e| io(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let options = lang::ParseOptions { max_bytes: budget, ..lang::ParseOptions::default() };
        return Ok(lang::parse_program_with(arg, &text, base, &options)?.model);
    }
    // `rosenbrock` for `rosenbrock.loss` would be a one-parameter expression.
    let with_ext = format!("{arg}.loss");
    if Path::new(&with_ext).is_file() {
        return Err(Error::Usage(format!(
            "`{arg}` reads as an inline expression, but there is a file `{with_ext}`: did you mean `{with_ext}`?"
        )));
    }
    Ok(lang::parse_inline(arg)?)
}

/// Refuses a pass that would need more than `budget` bytes, with the
/// figure and the largest intermediate.
pub fn check_footprint(model: &Model, pass: Pass, budget: u64) -> Result<(), Error> {
    let f = model.footprint(pass);
    if f.bytes <= budget {
        return Ok(());
    }
    let largest = f
        .largest
        .map(|(id, shape)| {
            let mut text = model.graph.display(id);
            if text.chars().count() > 60 {
                text = text.chars().take(57).collect::<String>() + "...";
            }
            format!(" (the largest intermediate, `{text}`, has shape {shape}: {} numbers)", shape.len())
        })
        .unwrap_or_default();
    Err(Error::Usage(format!(
        "this loss needs about {}{largest}, more than the memory budget of {} (the memory available; --max-memory sets another)",
        memory::human(f.bytes),
        memory::human(budget)
    )))
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

/// Parses one `--init` value: a finite number or a (nested) bracketed list
/// of finite numbers.
fn parse_value(name: &str, text: &str) -> Result<Tensor, Error> {
    let bad = || Error::Usage(format!("--init {name}={text}: expected a number or a bracketed list of numbers"));
    let text = text.trim();
    let t = if !text.starts_with('[') {
        text.parse::<f64>().map(Tensor::scalar).map_err(|_| bad())?
    } else {
        let json: serde_json::Value = serde_json::from_str(text).map_err(|_| bad())?;
        let row = |v: &serde_json::Value| -> Option<Vec<f64>> {
            v.as_array()?.iter().map(serde_json::Value::as_f64).collect()
        };
        if let Some(values) = row(&json) {
            Tensor::vector(values)
        } else {
            let rows: Vec<Vec<f64>> =
                json.as_array().ok_or_else(bad)?.iter().map(row).collect::<Option<_>>().ok_or_else(bad)?;
            let width = rows.first().map_or(0, Vec::len);
            if rows.is_empty() || width == 0 || rows.iter().any(|r| r.len() != width) {
                return Err(bad());
            }
            let n = rows.len();
            Tensor::new(Shape::Matrix(n, width), rows.into_iter().flatten().collect())
        }
    };
    if !t.is_finite() {
        return Err(Error::Usage(format!("--init {name}={text}: every value must be a finite number")));
    }
    if t.shape().is_empty() {
        return Err(bad());
    }
    Ok(t)
}

/// Applies `--init NAME=V,...` to the model's initial values. A number sets
/// every element of a tensor parameter. Each name once; an empty list is
/// an error.
pub fn apply_init(model: &mut Model, init: Option<&str>) -> Result<(), Error> {
    let Some(init) = init else { return Ok(()) };
    let items = split_pairs(init);
    if items.is_empty() {
        return Err(Error::Usage("--init is empty: give NAME=VALUE,... (or leave it out)".into()));
    }
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        let (name, value) =
            item.split_once('=').ok_or_else(|| Error::Usage(format!("--init expects NAME=VALUE, got `{item}`")))?;
        let name = name.trim();
        if seen.contains(&name) {
            return Err(Error::Usage(format!("--init sets `{name}` twice")));
        }
        seen.push(name);
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
        for bad in ["nan", "inf", "-inf", "1e999", "[1, 1e999]", "[]"] {
            assert!(parse_value("x", bad).is_err(), "{bad}");
        }
    }
}
