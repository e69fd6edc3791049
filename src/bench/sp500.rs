//! The S&P 500 forecasting data: weekly features from the daily index.
//!
//! From `data/sp500_1950_2018.csv` (daily open, high, low, close, volume)
//! this builds one row per calendar week (Monday to Sunday), from 1962,
//! when the daily high and low become informative. Each row holds features
//! known at the week's last close and, last, the target: the next week's
//! log return. Nothing in a row looks ahead of its week's last close.
//!
//! | column | meaning |
//! |---|---|
//! | `week` | the week's last trading day, as YYYYMMDD |
//! | `r0` .. `r3` | the log return of this week and the 3 before |
//! | `mom13` | log return over the last 13 weeks |
//! | `ma52` | log of the close over its 52-week moving average |
//! | `vol20` | root mean square of the last 20 daily log returns |
//! | `range` | log of the week's high over its low |
//! | `close_loc` | where the close sits in the week's range, in [-0.5, 0.5] |
//! | `volume` | log of the week's mean daily volume over the 4 weeks before |
//! | `target` | next week's log return |

use std::fmt::Write as _;
use std::path::Path;

use super::BenchError;

/// One trading day.
#[derive(Clone, Copy, Debug)]
pub(super) struct Day {
    /// YYYYMMDD.
    pub date: i64,
    /// Days since 1970-01-01.
    pub days: i64,
    /// The day's high.
    pub high: f64,
    /// The day's low.
    pub low: f64,
    /// The adjusted close.
    pub close: f64,
    /// Shares traded.
    pub volume: f64,
}

/// One calendar week of trading days.
#[derive(Clone, Debug)]
struct Week {
    last_date: i64,
    high: f64,
    low: f64,
    close: f64,
    mean_volume: f64,
    /// Index of the week's last day in the daily series.
    last_day: usize,
}

/// The header of the weekly table.
pub const HEADER: &str = "week,r0,r1,r2,r3,mom13,ma52,vol20,range,close_loc,volume,target";

/// The first year of the weekly table.
pub const FIRST_YEAR: i64 = 1962;

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The days of the daily CSV (Date,Open,High,Low,Close,Adj.Close,Volume).
pub(super) fn parse_days(text: &str) -> Result<Vec<Day>, String> {
    let mut days = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let bad = |what: &str| format!("line {}: {what}", i + 1);
        if f.len() < 7 {
            return Err(bad("expected Date,Open,High,Low,Close,Adj.Close,Volume"));
        }
        let ymd: Vec<i64> = f[0].split('-').map(str::parse).collect::<Result<_, _>>().map_err(|_| bad("bad date"))?;
        if ymd.len() != 3 {
            return Err(bad("bad date"));
        }
        let num = |j: usize| f[j].trim().parse::<f64>().map_err(|_| bad("bad number"));
        days.push(Day {
            date: ymd[0] * 10_000 + ymd[1] * 100 + ymd[2],
            days: days_from_civil(ymd[0], ymd[1], ymd[2]),
            high: num(2)?,
            low: num(3)?,
            close: num(5)?,
            volume: num(6)?,
        });
    }
    Ok(days)
}

/// Groups days into Monday-to-Sunday weeks (1970-01-05 was a Monday).
fn weeks(days: &[Day]) -> Vec<Week> {
    let mut out: Vec<Week> = Vec::new();
    let mut current: Option<i64> = None;
    let mut count = 0.0;
    for (i, d) in days.iter().enumerate() {
        let id = (d.days - 4).div_euclid(7);
        if current == Some(id) {
            let w = out.last_mut().expect("a current week");
            w.high = w.high.max(d.high);
            w.low = w.low.min(d.low);
            w.close = d.close;
            w.last_date = d.date;
            w.last_day = i;
            count += 1.0;
            w.mean_volume += (d.volume - w.mean_volume) / count;
        } else {
            current = Some(id);
            count = 1.0;
            out.push(Week {
                last_date: d.date,
                high: d.high,
                low: d.low,
                close: d.close,
                mean_volume: d.volume,
                last_day: i,
            });
        }
    }
    out
}

/// The weekly feature table as CSV text, from the daily CSV's text.
///
/// # Errors
/// A message naming the line of the daily file that does not parse.
pub fn weekly_table(daily_csv: &str) -> Result<String, String> {
    let days = parse_days(daily_csv)?;
    let w = weeks(&days);
    let ln = f64::ln;
    let ret = |t: usize| ln(w[t].close / w[t - 1].close);
    let mut out = String::from(HEADER);
    out.push('\n');
    for t in 52..w.len().saturating_sub(1) {
        if w[t].last_date / 10_000 < FIRST_YEAR {
            continue;
        }
        let ma52 = w[t - 51..=t].iter().map(|x| x.close).sum::<f64>() / 52.0;
        let end = w[t].last_day;
        let daily: Vec<f64> = (end - 19..=end).map(|i| ln(days[i].close / days[i - 1].close)).collect();
        let vol20 = (daily.iter().map(|r| r * r).sum::<f64>() / 20.0).sqrt();
        let span = w[t].high - w[t].low;
        let close_loc = if span > 0.0 { (w[t].close - w[t].low) / span - 0.5 } else { 0.0 };
        let past_volume = w[t - 4..t].iter().map(|x| x.mean_volume).sum::<f64>() / 4.0;
        let row = [
            ret(t),
            ret(t - 1),
            ret(t - 2),
            ret(t - 3),
            ln(w[t].close / w[t - 13].close),
            ln(w[t].close / ma52),
            vol20,
            ln(w[t].high / w[t].low),
            close_loc,
            ln(w[t].mean_volume / past_volume),
            ret(t + 1),
        ];
        let _ = write!(out, "{}", w[t].last_date);
        for v in row {
            let _ = write!(out, ",{v:.10e}");
        }
        out.push('\n');
    }
    Ok(out)
}

/// Writes the weekly table for `daily` to `out` unless it is there already
/// with the same content.
///
/// # Errors
/// [`BenchError`] if a file cannot be read, parsed or written.
pub fn prepare(daily: &Path, out: &Path) -> Result<(), BenchError> {
    let io = |action: &'static str, p: &Path, e: &dyn std::fmt::Display| BenchError::Io {
        action,
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let text = std::fs::read_to_string(daily).map_err(|e| io("read", daily, &e))?;
    let table = weekly_table(&text).map_err(|e| io("parse", daily, &e))?;
    if std::fs::read_to_string(out).ok().as_deref() != Some(table.as_str()) {
        std::fs::write(out, table).map_err(|e| io("write", out, &e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        // 1970-01-05 was a Monday: it starts week 0, and 1970-01-04 ends week -1.
        assert_eq!((days_from_civil(1970, 1, 5) - 4).div_euclid(7), 0);
        assert_eq!((days_from_civil(1970, 1, 4) - 4).div_euclid(7), -1);
        assert_eq!((days_from_civil(1970, 1, 11) - 4).div_euclid(7), 0);
    }

    #[test]
    fn features_of_a_synthetic_series() {
        // 60 weeks of 5 days, the close growing by a factor e^0.01 a day, so
        // every weekly log return is 0.05 and every daily one 0.01.
        let mut text = String::from("Date,Open,High,Low,Close,Adj.Close,Volume\n");
        let mut day = days_from_civil(1999, 12, 27); // a Monday
        let mut k = 0;
        for _ in 0..60 {
            for _ in 0..5 {
                let c = (0.01 * f64::from(k)).exp();
                let (y, m, d) = civil(day);
                text.push_str(&format!("{y}-{m:02}-{d:02},{c},{},{},{c},{c},1000\n", c * 1.01, c * 0.99));
                day += 1;
                k += 1;
            }
            day += 2;
        }
        let table = weekly_table(&text).unwrap();
        let rows: Vec<Vec<f64>> =
            table.lines().skip(1).map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
        assert_eq!(rows.len(), 60 - 52 - 1);
        for r in &rows {
            for j in [1, 2, 3, 4, 11] {
                assert!((r[j] - 0.05).abs() < 1e-9, "weekly return {}", r[j]);
            }
            assert!((r[5] - 0.65).abs() < 1e-9, "13-week momentum {}", r[5]);
            assert!((r[7] - 0.01).abs() < 1e-9, "daily volatility {}", r[7]);
            assert!(r[10].abs() < 1e-12, "volume ratio {}", r[10]);
        }
    }

    /// The inverse of `days_from_civil`, for the synthetic series.
    fn civil(z: i64) -> (i64, i64, i64) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (yoe + era * 400 + i64::from(m <= 2), m, d)
    }
}
