//! The daily S&P 500 study: a selective state-space model (Mamba-style)
//! forecasting the next day's return, every optimizer side by side.
//!
//! The data: per trading day, features known at its close; windows of the
//! last `L` days; a chronological split with a gap of `L` windows between
//! parts, so that no window straddles two.
//!
//! | feature | meaning |
//! |---|---|
//! | `r1` | the day's log return, `ln(C_t / C_{t-1})` |
//! | `range` | `ln(H_t / L_t)` |
//! | `dvol` | `ln(V_t / V_{t-1})` (0 where a volume is 0) |
//! | `r5`, `r20` | `ln(C_t / C_{t-5})`, `ln(C_t / C_{t-20})` |
//!
//! The target of day `t` is the next day's log return `ln(C_{t+1} / C_t)`.

mod baselines;
mod model;
pub mod report;
pub mod study;
mod text;

use std::fmt::Write as _;
use std::path::Path;

pub use baselines::{Sanity, autoregression};
pub use model::{Size, ssm_loss};
pub use study::{StudyOptions, run};

use super::BenchError;
use super::sp500::{Day, parse_days};
use crate::lang::{Part, Split};

/// The features per day, in order.
pub const FEATURES: [&str; 5] = ["r1", "range", "dvol", "r5", "r20"];

/// The first year of the daily table (as the weekly one: the daily high
/// and low become informative in 1962).
pub const FIRST_YEAR: i64 = 1962;

/// One trading day's features and target.
#[derive(Clone, Debug, PartialEq)]
pub struct DailyRow {
    /// YYYYMMDD.
    pub date: i64,
    /// [`FEATURES`], known at the day's close.
    pub features: [f64; 5],
    /// The next day's log return.
    pub target: f64,
}

/// The daily rows from 1962 to the day before the last (which has no
/// target).
///
/// # Errors
/// A message naming the line of the daily file that does not parse.
pub fn daily_rows(daily_csv: &str) -> Result<Vec<DailyRow>, String> {
    let days: Vec<Day> = parse_days(daily_csv)?;
    let ln = f64::ln;
    let mut out = Vec::new();
    for t in 20..days.len().saturating_sub(1) {
        let d = &days[t];
        if d.date / 10_000 < FIRST_YEAR {
            continue;
        }
        let dvol = if d.volume > 0.0 && days[t - 1].volume > 0.0 { ln(d.volume / days[t - 1].volume) } else { 0.0 };
        out.push(DailyRow {
            date: d.date,
            features: [
                ln(d.close / days[t - 1].close),
                ln(d.high / d.low),
                dvol,
                ln(d.close / days[t - 5].close),
                ln(d.close / days[t - 20].close),
            ],
            target: ln(days[t + 1].close / d.close),
        });
    }
    Ok(out)
}

/// A window: the features of `len` consecutive days (oldest first) and the
/// last day's target.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// The last day, YYYYMMDD.
    pub date: i64,
    /// `len` rows of [`FEATURES`].
    pub days: Vec<[f64; 5]>,
    /// The next day's log return after the last day.
    pub target: f64,
}

/// The windows of `len` days ending at every row from the `len`-th on.
pub fn windows(rows: &[DailyRow], len: usize) -> Vec<Window> {
    if len == 0 || rows.len() < len {
        return Vec::new();
    }
    (len - 1..rows.len())
        .map(|end| Window {
            date: rows[end].date,
            days: rows[end + 1 - len..=end].iter().map(|r| r.features).collect(),
            target: rows[end].target,
        })
        .collect()
}

/// The split of the study's windows of `len` days: the last 15% test, the
/// 15% before validation, the first `len` windows of each dropped.
pub fn study_split(len: usize) -> Split {
    Split::Chronological { valid: 0.15, test: 0.15, gap: len }
}

/// The windows of `len` days in their three parts of `split` (train,
/// validation, test), as the language loads the rows of
/// [`windows_csv`]: with a gap of `len` windows, a window's days all lie
/// in its own part, and no day's target is a feature of another part.
pub fn split(rows: &[DailyRow], len: usize, split: Split) -> [Vec<Window>; 3] {
    let all = windows(rows, len);
    let n = all.len();
    let mut parts: [Vec<Window>; 3] = Default::default();
    for (i, w) in all.into_iter().enumerate() {
        match split.part(i, n) {
            Some(Part::Train) => parts[0].push(w),
            Some(Part::Valid) => parts[1].push(w),
            Some(Part::Test) => parts[2].push(w),
            None => {}
        }
    }
    parts
}

/// The header of [`windows_csv`] for windows of `len` days.
fn header(len: usize) -> String {
    let mut out = String::from("date");
    for t in 0..len {
        for f in FEATURES {
            let _ = write!(out, ",{f}_{t}");
        }
    }
    out.push_str(",target_pct");
    out
}

/// The windows as CSV: `date`, then day 0's features (oldest), day 1's,
/// ..., and last the target in percent (`100` times the log return).
pub fn windows_csv(windows: &[Window]) -> String {
    let len = windows.first().map_or(0, |w| w.days.len());
    let mut out = header(len);
    out.push('\n');
    for w in windows {
        let _ = write!(out, "{}", w.date);
        for x in w.days.iter().flatten() {
            let _ = write!(out, ",{x:.10e}");
        }
        let _ = writeln!(out, ",{:.10e}", 100.0 * w.target);
    }
    out
}

/// The windows file of `len` days, relative to `bench/`.
pub fn windows_file(len: usize) -> String {
    format!("data/sp500_daily_{len}.csv")
}

/// Writes the windows file of `len` days below `root/bench/` from
/// `root/data/sp500_1950_2018.csv`, unless it is there with the same
/// content (written to a temporary name first, so that a reader never
/// sees half a file); returns the daily rows.
///
/// # Errors
/// [`BenchError`] if a file cannot be read, parsed or written.
pub fn prepare(root: &Path, len: usize) -> Result<Vec<DailyRow>, BenchError> {
    let io = |action: &'static str, p: &Path, e: &dyn std::fmt::Display| BenchError::Io {
        action,
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let daily = root.join("data/sp500_1950_2018.csv");
    let text = std::fs::read_to_string(&daily).map_err(|e| io("read", &daily, &e))?;
    let rows = daily_rows(&text).map_err(|e| io("parse", &daily, &e))?;
    let out = root.join("bench").join(windows_file(len));
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("create", dir, &e))?;
    }
    let table = windows_csv(&windows(&rows, len));
    if std::fs::read_to_string(&out).ok().as_deref() != Some(table.as_str()) {
        let tmp = out.with_extension(format!("csv.{}.tmp", std::process::id()));
        std::fs::write(&tmp, table).map_err(|e| io("write", &tmp, &e))?;
        std::fs::rename(&tmp, &out).map_err(|e| io("write", &out, &e))?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sp500_1950_2018.csv");
        std::fs::read_to_string(path).expect("the data file")
    }

    #[test]
    fn features_follow_their_formulas() {
        let text = file();
        let rows = daily_rows(&text).unwrap();
        assert!(rows.iter().all(|r| r.date / 10_000 >= FIRST_YEAR));
        assert!(rows.iter().all(|r| r.features.iter().all(|x| x.is_finite()) && r.target.is_finite()));
        // Day by day: r1 of the next row is this row's target.
        for w in rows.windows(2) {
            assert_eq!(w[1].features[0], w[0].target, "{}", w[1].date);
        }
        // r5 is the sum of five daily returns.
        for w in rows.windows(5) {
            let sum: f64 = w.iter().map(|r| r.features[0]).sum();
            assert!((w[4].features[3] - sum).abs() <= 1e-12, "{}", w[4].date);
        }
    }

    #[test]
    fn parts_do_not_overlap_and_windows_stay_in_their_part() {
        let rows = daily_rows(&file()).unwrap();
        let len = 32;
        let [train, valid, test] = split(&rows, len, study_split(len));
        let n = rows.len() - len + 1;
        assert_eq!(train.len() + valid.len() + test.len() + 2 * len, n);
        let index = |date: i64| rows.iter().position(|r| r.date == date).unwrap();
        let (last_train, first_valid) = (index(train.last().unwrap().date), index(valid[0].date));
        let (last_valid, first_test) = (index(valid.last().unwrap().date), index(test[0].date));
        // A window covers rows end - len + 1 ..= end; the first day of the
        // next part's first window comes after the previous part's last day.
        assert!(first_valid + 1 - len > last_train, "{last_train} {first_valid}");
        assert!(first_test + 1 - len > last_valid, "{last_valid} {first_test}");
        assert!(train.iter().chain(&valid).chain(&test).all(|w| w.days.len() == len));
    }

    #[test]
    fn the_generated_loss_parses_and_has_finite_gradients() {
        let rows = daily_rows(&file()).unwrap();
        let dir = std::env::temp_dir().join(format!("majorize-ssm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("w.csv"), windows_csv(&windows(&rows, 8)[..200])).unwrap();
        let text = ssm_loss("w.csv", Size { len: 8, channels: 4, hidden: 6 });
        let model = crate::lang::parse_program("ssm.loss", &text, &dir).unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(model.num_scalars(), Size { len: 8, channels: 4, hidden: 6 }.parameters());
        let (f, g) = crate::Evaluator::new(&model.graph, model.loss).value_and_grad(&model.init);
        assert!(f.is_finite() && g.iter().all(crate::Tensor::is_finite), "{f}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn the_windows_file_holds_every_window_and_the_target_in_percent() {
        let rows = daily_rows(&file()).unwrap();
        let all = windows(&rows, 4);
        assert_eq!(all.len(), rows.len() - 3);
        let text = windows_csv(&all[..3]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0].split(',').count(), 1 + 4 * FEATURES.len() + 1);
        let last: f64 = lines[1].rsplit(',').next().unwrap().parse().unwrap();
        assert!((last - 100.0 * all[0].target).abs() <= 1e-9 * (1.0 + last.abs()));
        // The windows of one part: consecutive rows of the daily table.
        assert_eq!(all[1].days[..3], all[0].days[1..]);
    }
}
