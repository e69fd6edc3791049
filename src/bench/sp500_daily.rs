//! The daily S&P 500 data for the state-space study (issue 18, work in
//! progress): per trading day, features known at its close; windows of the
//! last `L` days; a chronological split with a gap of `L` days between
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

use super::sp500::{Day, parse_days};

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

/// Windows of `len` days in three chronological parts, in proportions
/// `1 - valid - test`, `valid`, `test` of the windows, with the `len`
/// windows after each boundary dropped: a window's days then all lie in
/// its own part, and no day's target is a feature of another part.
///
/// # Panics
/// If `len` is 0 or the fractions are not in `[0, 1)` with a sum below 1.
pub fn split(rows: &[DailyRow], len: usize, valid: f64, test: f64) -> [Vec<Window>; 3] {
    assert!(len > 0 && (0.0..1.0).contains(&valid) && (0.0..1.0).contains(&test) && valid + test < 1.0);
    let n = rows.len().saturating_sub(len - 1);
    let window = |end: usize| Window {
        date: rows[end].date,
        days: rows[end + 1 - len..=end].iter().map(|r| r.features).collect(),
        target: rows[end].target,
    };
    // Window k ends at row k + len - 1.
    let first_valid = ((1.0 - valid - test) * n as f64).round() as usize;
    let first_test = ((1.0 - test) * n as f64).round() as usize;
    let part = |from: usize, to: usize| -> Vec<Window> { (from..to).map(|k| window(k + len - 1)).collect() };
    [
        part(0, first_valid.min(n)),
        part((first_valid + len).min(first_test), first_test.min(n)),
        part((first_test + len).min(n), n),
    ]
}

/// The windows as CSV: `date`, then day 0's features (oldest), day 1's,
/// ..., and `target` last.
pub fn windows_csv(windows: &[Window]) -> String {
    use std::fmt::Write as _;
    let len = windows.first().map_or(0, |w| w.days.len());
    let mut out = String::from("date");
    for t in 0..len {
        for f in FEATURES {
            let _ = write!(out, ",{f}_{t}");
        }
    }
    out.push_str(",target\n");
    for w in windows {
        let _ = write!(out, "{}", w.date);
        for x in w.days.iter().flatten() {
            let _ = write!(out, ",{x:.10e}");
        }
        let _ = writeln!(out, ",{:.10e}", w.target);
    }
    out
}

/// The selective state-space loss (Mamba-style, one state per channel, no
/// convolution) over windows of `len` days in `csv`, with `channels`
/// channels: per day `u_t` (5 features), `x_t = u_t W_x`, `delta_t =
/// softplus(u_t W_d + b_d)`, `a_t = exp(-delta_t exp(log_A))`, `b_t = u_t
/// W_b`, `c_t = u_t W_c`, `h_t = a_t h_{t-1} + delta_t b_t x_t`, and on the
/// last day `y = swish(c_t h_t)`, `pred = y w + b`; squared error.
pub fn ssm_loss(csv: &str, len: usize, channels: usize) -> String {
    use std::fmt::Write as _;
    let f = FEATURES.len();
    let d = channels;
    let mut s = format!(
        "# A selective state-space model (Mamba-style) on windows of {len} trading days of the S&P 500,\n\
         # next-day log return, squared error. Generated by majorize::bench::sp500_daily::ssm_loss.\n\
         data X = csv(\"{csv}\", skip=1, cols=1:{last}, standardize)\n\
         data y = csv(\"{csv}\", skip=1, cols={last})\n\
         param Wx[{f}, {d}] = normal(0, 0.4)\nparam Wd[{f}, {d}] = normal(0, 0.4)\nparam bd[{d}] = -1\n\
         param logA[{d}] = 0\nparam Wb[{f}, {d}] = normal(0, 0.4)\nparam Wc[{f}, {d}] = normal(0, 0.4)\n\
         param w[{d}] = normal(0, 0.05)\nparam b = 0\nlet A = exp(logA)\n",
        last = 1 + f * len
    );
    for t in 0..len {
        let _ = writeln!(s, "let u{t} = X[:, {}:{}]", f * t, f * (t + 1));
        let _ = writeln!(s, "let d{t} = softplus(u{t} @ Wd + bd)");
        let input = format!("d{t} * (u{t} @ Wb) * (u{t} @ Wx)");
        if t == 0 {
            let _ = writeln!(s, "let h0 = {input}");
        } else {
            let _ = writeln!(s, "let h{t} = exp(-d{t} * A) * h{} + {input}", t - 1);
        }
    }
    let l = len - 1;
    let _ = writeln!(s, "let pred = swish((u{l} @ Wc) * h{l}) @ w + b\nminimize mean((pred - y)^2)");
    s
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
        let [train, valid, test] = split(&rows, len, 0.15, 0.15);
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
    fn no_look_ahead_changing_the_future_changes_no_training_or_validation_data() {
        let text = file();
        let rows = daily_rows(&text).unwrap();
        let [train, valid, test] = split(&rows, 32, 0.15, 0.15);
        // Scale every price and volume from the test part's first window's
        // first day on: the future, as the training and validation data see it.
        let first_test_day = rows[rows.iter().position(|r| r.date == test[0].date).unwrap() + 1 - 32].date;
        let mut changed = String::new();
        for (i, line) in text.lines().enumerate() {
            let f: Vec<&str> = line.split(',').collect();
            let date: Option<i64> = f[0].replace('-', "").parse().ok();
            if i > 0 && date.is_some_and(|d| d >= first_test_day) {
                let s = |j: usize, k: f64| (f[j].parse::<f64>().unwrap() * k).to_string();
                changed.push_str(&format!(
                    "{},{},{},{},{},{},{}\n",
                    f[0],
                    s(1, 1.5),
                    s(2, 1.7),
                    s(3, 1.3),
                    s(4, 1.5),
                    s(5, 1.5),
                    s(6, 3.0)
                ));
            } else {
                changed.push_str(line);
                changed.push('\n');
            }
        }
        let rows2 = daily_rows(&changed).unwrap();
        let [train2, valid2, test2] = split(&rows2, 32, 0.15, 0.15);
        assert_eq!(train, train2);
        assert_eq!(valid, valid2);
        assert_ne!(test, test2, "the change reached the test part");
    }

    #[test]
    fn the_generated_loss_parses_and_has_finite_gradients() {
        let rows = daily_rows(&file()).unwrap();
        let [train, _, _] = split(&rows, 8, 0.15, 0.15);
        let dir = std::env::temp_dir().join(format!("majorize-ssm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("w.csv"), windows_csv(&train[..200])).unwrap();
        let text = ssm_loss("w.csv", 8, 4);
        let model = crate::lang::parse_program("ssm.loss", &text, &dir).unwrap_or_else(|e| panic!("{}", e.render()));
        let (f, g) = crate::Evaluator::new(&model.graph, model.loss).value_and_grad(&model.init);
        assert!(f.is_finite() && g.iter().all(crate::Tensor::is_finite), "{f}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
