//! `majorize bound`: the Taylor enclosure of a one-variable expression.

use clap::Args;
use majorize::bound::{self, Enclosure, MAX_DEGREE};
use majorize::{Error, Evaluator, Tensor, lang};
use serde_json::{Value, json};

use majorize::bench::plot;

use super::{output, source};

/// Arguments of `majorize bound`.
#[derive(Args, Debug)]
pub struct BoundArgs {
    /// A one-variable expression, such as '1.5*exp(3*x) - 25*x^2'.
    #[arg(allow_hyphen_values = true)]
    pub expr: String,
    /// The expansion point x0.
    #[arg(long, value_name = "X0", allow_hyphen_values = true)]
    pub at: f64,
    /// The trust region LO,HI (it must contain X0).
    #[arg(long, value_name = "LO,HI", allow_hyphen_values = true)]
    pub over: String,
    /// The degree k of the enclosure (0 to 6).
    #[arg(long, default_value_t = 2, value_name = "K", allow_hyphen_values = true)]
    pub degree: usize,
    /// Print one JSON object: {"coefficients": [c0, ..., [lo, hi]], ...}.
    #[arg(long)]
    pub json: bool,
    /// Draw f and its upper and lower polynomial bounds over the region (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<String>,
    #[command(flatten)]
    pub simplify: source::SimplifyFlag,
}

fn parse_region(text: &str) -> Result<(f64, f64), Error> {
    let bad = || Error::Usage(format!("--over expects LO,HI (two numbers), got `{text}`"));
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    let lo: f64 = a.trim().parse().map_err(|_| bad())?;
    let hi: f64 = b.trim().parse().map_err(|_| bad())?;
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(Error::Usage(format!("--over {text}: the ends must be finite with LO <= HI")));
    }
    Ok((lo, hi))
}

/// A coefficient for JSON: a number when its enclosure is that one double,
/// else `[lo, hi]` (`null` for an infinite end); the last one always as
/// `[lo, hi]`.
fn coefficient(e: &Enclosure, i: usize) -> Value {
    let c = e.coefficients[i];
    match e.exact(i) {
        Some(v) if i < e.degree() => json!(v),
        _ => json!([output::number(c.lo()), output::number(c.hi())]),
    }
}

/// The same for text: the number, or `[lo, hi]` (`-inf`, `inf` for infinite ends).
fn coefficient_text(e: &Enclosure, i: usize) -> String {
    let c = e.coefficients[i];
    match e.exact(i) {
        Some(v) if i < e.degree() => output::num_text(v),
        _ => format!("[{}, {}]", output::num_text(c.lo()), output::num_text(c.hi())),
    }
}

/// Runs `majorize bound`.
pub fn run(args: &BoundArgs) -> Result<(), Error> {
    let model = lang::parse_inline(&args.expr)?;
    let names: Vec<&str> = model.graph.params().iter().map(|p| p.name.as_str()).collect();
    if names.len() != 1 {
        let what =
            if names.is_empty() { "no variable".to_string() } else { format!("the variables {}", names.join(", ")) };
        return Err(Error::Usage(format!("bound needs an expression in one variable; `{}` has {what}", args.expr)));
    }
    if !args.at.is_finite() {
        return Err(Error::Usage(format!("--at must be a finite number, got {}", args.at)));
    }
    let (lo, hi) = parse_region(&args.over)?;
    if !(lo <= args.at && args.at <= hi) {
        return Err(Error::Usage(format!("--over {lo},{hi} must contain --at {}", args.at)));
    }
    if args.degree > MAX_DEGREE {
        return Err(Error::Usage(format!("--degree must be between 0 and {MAX_DEGREE}, got {}", args.degree)));
    }
    let (e, simplified) = if args.simplify.no_simplify {
        (bound::taylor_bounds(&model.graph, model.loss, args.at, (lo, hi), args.degree), false)
    } else {
        bound::taylor_bounds_simplified(&model.graph, model.loss, args.at, (lo, hi), args.degree)
    };
    if args.json {
        let k = e.degree();
        let coefs: Vec<Value> = (0..=k).map(|i| coefficient(&e, i)).collect();
        let out = json!({
            "coefficients": coefs,
            "variable": names[0],
            "x0": args.at,
            "over": [lo, hi],
            "degree": k,
            "finite": e.is_finite(),
            "simplified": simplified,
        });
        outln!("{out}");
    } else {
        print_text(&e, names[0]);
    }
    if !e.is_finite() {
        eprintln!("warning: no finite enclosure over this region (a domain boundary, a pole or a kink of degree >= 2)");
        if lo < args.at && args.at < hi {
            eprintln!(
                "note: at a kink at x0 (abs, relu, max, min, clip) only one-sided enclosures exist: try --over {},{hi} or --over {lo},{}",
                args.at, args.at
            );
        }
    }
    if let Some(path) = &args.plot {
        draw(path, &args.expr, &model, &e, (lo, hi))?;
    }
    Ok(())
}

fn print_text(e: &Enclosure, var: &str) {
    let k = e.degree();
    let mut terms = Vec::new();
    for i in 0..=k {
        let coef = coefficient_text(e, i);
        terms.push(match i {
            0 => coef,
            1 => format!("{coef} z"),
            _ => format!("{coef} z^{i}"),
        });
    }
    outln!("f({var}0 + z) in {}", terms.join(" + "));
    outln!(
        "for z in [{}, {}] ({var}0 = {})",
        output::num_text(e.region.lo()),
        output::num_text(e.region.hi()),
        output::num_text(e.x0)
    );
}

fn draw(path: &str, expr: &str, model: &majorize::Model, e: &Enclosure, (lo, hi): (f64, f64)) -> Result<(), Error> {
    let mut ev = Evaluator::new(&model.graph, model.loss);
    let xs: Vec<f64> = (0..=400).map(|i| lo + (hi - lo) * f64::from(i) / 400.0).collect();
    let f: Vec<(f64, f64)> = xs.iter().map(|&x| (x, ev.forward(&[Tensor::scalar(x)]).item())).collect();
    let up: Vec<(f64, f64)> = xs.iter().map(|&x| (x, e.upper(x))).collect();
    let down: Vec<(f64, f64)> = xs.iter().map(|&x| (x, e.lower(x))).collect();
    let series = vec![
        plot::Series { name: "f".into(), points: f, color: 0, bold: true },
        plot::Series { name: "upper bound".into(), points: up, color: 1, bold: false },
        plot::Series { name: "lower bound".into(), points: down, color: 4, bold: false },
    ];
    let title = format!("{expr}: degree {} enclosure at {}", e.degree(), e.x0);
    Ok(plot::write(path, &plot::Plot { title: &title, x_label: "x", y_label: "f(x)", series, log_y: false })?)
}
