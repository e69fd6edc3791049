//! Loading data tensors from CSV files.
//!
//! Comma-separated files are read with the `csv` crate; a file whose first
//! data line has no comma is read as tab- or space-separated (runs of blanks
//! count as one separator), as the diabetes files are.

use std::path::Path;

use crate::tensor::{Shape, Tensor};

/// Which columns to keep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Columns {
    /// Every column (one column gives a vector).
    All,
    /// One column, as a vector.
    One(usize),
    /// The half-open range `a:b`, as a matrix.
    Range(usize, usize),
}

/// How a benchmark divides every data file's rows into training,
/// validation and test parts. Standardization statistics always come from
/// the training rows, so no part leaks into another.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Split {
    /// Every `k`-th row (rows `k-1, 2k-1, ...`) is a test row, the rest
    /// train; no validation rows. For exchangeable rows, even when a file is
    /// sorted by class.
    Interleaved(usize),
    /// In file order (time): the first rows train, then `valid` (a
    /// fraction of all rows) validate, then the last `test` test; the first
    /// `gap` rows of the validation and of the test part are dropped, so
    /// that rows built from overlapping periods (windows of `gap` days)
    /// never fall in two parts.
    Chronological {
        /// Fraction of the rows for validation (its gap included).
        valid: f64,
        /// Fraction of the rows for testing (the most recent; its gap included).
        test: f64,
        /// Rows dropped at the start of the validation and the test part.
        gap: usize,
    },
}

/// One part of a [`Split`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// The training rows.
    Train,
    /// The validation rows (none for [`Split::Interleaved`]).
    Valid,
    /// The test rows.
    Test,
}

impl Split {
    /// The part of row `i` of `n` (`None`: a row of a gap, in no part).
    pub fn part(self, i: usize, n: usize) -> Option<Part> {
        match self {
            Split::Interleaved(k) => Some(if k > 0 && i % k == k - 1 { Part::Test } else { Part::Train }),
            Split::Chronological { valid, test, gap } => {
                let n_test = (n as f64 * test).round() as usize;
                let n_valid = (n as f64 * valid).round() as usize;
                let first_test = n.saturating_sub(n_test);
                let first_valid = n.saturating_sub(n_test + n_valid);
                let (part, start) = if i >= first_test {
                    (Part::Test, first_test)
                } else if i >= first_valid {
                    (Part::Valid, first_valid)
                } else {
                    return Some(Part::Train);
                };
                (i >= start + gap).then_some(part)
            }
        }
    }
}

/// What to read from a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvOptions {
    /// Lines to skip at the top (headers).
    pub skip: usize,
    /// Columns to keep.
    pub cols: Columns,
    /// Rows to keep (after `skip`), as a half-open range.
    pub rows: Option<(usize, usize)>,
    /// Whether to centre each kept column and divide it by its standard
    /// deviation (population form, as scikit-learn's `StandardScaler`; a
    /// constant column is only centred).
    pub standardize: bool,
    /// Keep only one part of the rows (after `rows`); standardization
    /// statistics then come from the training part.
    pub split: Option<(Split, Part)>,
    /// Refuse a file whose reading may take more than this many bytes (its
    /// text and up to one f64 per two bytes of it), before reading it.
    pub max_bytes: Option<u64>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { skip: 0, cols: Columns::All, rows: None, standardize: false, split: None, max_bytes: None }
    }
}

/// Which part of the `csv(...)` call an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Culprit {
    /// The path.
    Path,
    /// The `cols` argument.
    Cols,
    /// The `rows` argument.
    Rows,
    /// The file's content.
    Content,
}

/// A CSV loading failure.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvError {
    /// What it is about.
    pub culprit: Culprit,
    /// The message.
    pub message: String,
}

fn err<T>(culprit: Culprit, message: String) -> Result<T, CsvError> {
    Err(CsvError { culprit, message })
}

/// The 1-based character column where field `j` of `line` starts (fields
/// split at commas, or at runs of blanks).
fn field_column(line: &str, j: usize, comma: bool) -> usize {
    let mut start = 0;
    let mut field = 0;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    if !comma {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        start = i;
    }
    while i < chars.len() && field < j {
        let sep = if comma { chars[i] == ',' } else { chars[i].is_whitespace() };
        if sep {
            if !comma {
                while i + 1 < chars.len() && chars[i + 1].is_whitespace() {
                    i += 1;
                }
            }
            field += 1;
            start = i + 1;
        }
        i += 1;
    }
    // Skip the blanks a trimmed cell starts with.
    while start < chars.len() && chars[start].is_whitespace() && comma {
        start += 1;
    }
    start + 1
}

/// Opens `path` for reading after refusing what cannot be read as data: a
/// FIFO, a device or a directory (which would block, or never end), and a
/// file larger than `max_bytes`.
fn read_data_file(path: &Path, max_bytes: Option<u64>) -> Result<String, CsvError> {
    let shown = path.display();
    let meta = std::fs::metadata(path).or_else(|e| err(Culprit::Path, format!("cannot read `{shown}`: {e}")))?;
    if !meta.is_file() {
        let msg =
            format!("`{shown}` is not a regular file (a directory, a pipe or a device): data must come from a file");
        return err(Culprit::Path, msg);
    }
    // The text, and up to one f64 per two bytes of it.
    if let Some(max) = max_bytes.filter(|&m| meta.len().saturating_mul(5) > m) {
        let msg = format!(
            "`{shown}` is {}: reading it may take five times that, more than the memory budget left for data ({}; --max-memory sets another)",
            crate::tensor::memory::human(meta.len()),
            crate::tensor::memory::human(max)
        );
        return err(Culprit::Path, msg);
    }
    std::fs::read_to_string(path).or_else(|e| err(Culprit::Path, format!("cannot read `{shown}`: {e}")))
}

/// Reads the rows of numbers of a CSV (or blank-separated) file. Every cell
/// must be a finite number (`nan`, `inf` and `1e999` are refused at
/// `file:line:column`).
fn read_rows(path: &Path, skip: usize, max_bytes: Option<u64>) -> Result<Vec<Vec<f64>>, CsvError> {
    let shown = path.display();
    let text = read_data_file(path, max_bytes)?;
    let lines: Vec<&str> = text.lines().collect();
    let first = text.lines().skip(skip).find(|l| !l.trim().is_empty()).unwrap_or("");
    let comma = first.contains(',');
    let mut rows = Vec::new();
    let mut push_row = |line_no: usize, fields: Vec<&str>| -> Result<(), CsvError> {
        let row = fields
            .iter()
            .enumerate()
            .map(|(j, cell)| {
                let cell = cell.trim();
                let at = || {
                    let col = lines.get(line_no - 1).map_or(1, |l| field_column(l, j, comma));
                    format!("{shown}:{line_no}:{col}")
                };
                match cell.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    Ok(_) => err(
                        Culprit::Content,
                        format!("{}: `{cell}` is not a finite number (data must be finite)", at()),
                    ),
                    Err(_) => err(Culprit::Content, format!("{}: `{cell}` is not a number", at())),
                }
            })
            .collect::<Result<Vec<f64>, _>>()?;
        if let Some(prev) = rows.first().map(Vec::len).filter(|&n: &usize| n != row.len()) {
            let msg = format!("{shown}:{line_no}: this row has {} columns, but the rows above have {prev}", row.len());
            return err(Culprit::Content, msg);
        }
        rows.push(row);
        Ok(())
    };
    if comma {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        for (i, record) in reader.records().enumerate() {
            let record = record.or_else(|e| err(Culprit::Content, format!("`{shown}`: {e}")))?;
            let line_no = record.position().map_or(i + 1, |p| p.line() as usize);
            if i < skip || record.iter().all(str::is_empty) {
                continue;
            }
            push_row(line_no, record.iter().collect())?;
        }
    } else {
        for (i, line) in text.lines().enumerate().skip(skip) {
            if !line.trim().is_empty() {
                push_row(i + 1, line.split_whitespace().collect())?;
            }
        }
    }
    if rows.is_empty() {
        return err(Culprit::Content, format!("`{shown}` has no data rows after skipping {skip} lines"));
    }
    Ok(rows)
}

/// Loads a tensor from a CSV file.
pub fn load_csv(path: &Path, opts: &CsvOptions) -> Result<Tensor, CsvError> {
    let mut rows = read_rows(path, opts.skip, opts.max_bytes)?;
    let ncols = rows[0].len();
    if let Some((a, b)) = opts.rows {
        if a >= b || b > rows.len() {
            let msg = format!("rows {a}:{b} are out of range: the file has {} data rows", rows.len());
            return err(Culprit::Rows, msg);
        }
        rows = rows.drain(a..b).collect();
    }
    let (a, b) = match opts.cols {
        Columns::All => (0, ncols),
        Columns::One(j) => (j, j + 1),
        Columns::Range(a, b) => (a, b),
    };
    if a >= b || b > ncols {
        let what = match opts.cols {
            Columns::One(j) => format!("column {j} is"),
            _ => format!("columns {a}:{b} are"),
        };
        let msg = format!("{what} out of range: the file has {ncols} columns (numbered from 0)");
        return err(Culprit::Cols, msg);
    }
    let width = b - a;
    let mut data: Vec<f64> = rows.iter().flat_map(|r| r[a..b].iter().copied()).collect();
    let n = rows.len();
    let part_of = |i: usize| opts.split.map_or(Some(Part::Train), |(s, _)| s.part(i, n));
    if opts.standardize {
        let fit: Vec<bool> = (0..n).map(|i| part_of(i) == Some(Part::Train)).collect();
        standardize_columns(&mut data, width, &fit);
    }
    if let Some((_, part)) = opts.split {
        let keep: Vec<usize> = (0..n).filter(|&i| part_of(i) == Some(part)).collect();
        if keep.is_empty() {
            return err(Culprit::Rows, format!("the {part:?} part of this split has no rows (the file has {n})"));
        }
        data = keep.iter().flat_map(|&i| data[i * width..(i + 1) * width].to_vec()).collect();
        rows.truncate(keep.len());
    }
    let vector = matches!(opts.cols, Columns::One(_)) || (opts.cols == Columns::All && width == 1);
    let shape = if vector { Shape::Vector(rows.len()) } else { Shape::Matrix(rows.len(), width) };
    Ok(Tensor::new(shape, data))
}

/// Standardizes each column with the mean and deviation of the rows marked
/// in `fit`.
fn standardize_columns(data: &mut [f64], width: usize, fit: &[bool]) {
    let n = fit.iter().filter(|&&f| f).count().max(1) as f64;
    for j in 0..width {
        let col = || data.iter().skip(j).step_by(width).zip(fit).filter(|(_, f)| **f).map(|(v, _)| v);
        let mean = col().sum::<f64>() / n;
        let var = col().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        for v in data.iter_mut().skip(j).step_by(width) {
            *v = (*v - mean) / sd;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("majorize-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn columns_rows_and_standardize() {
        let p = write("a.csv", "h1,h2,h3\n1,2,3\n4,5,6\n7,8,9\n");
        let opts = |cols, rows, standardize| CsvOptions { skip: 1, cols, rows, standardize, ..CsvOptions::default() };
        let t = load_csv(&p, &opts(Columns::Range(0, 2), None, false)).unwrap();
        assert_eq!(t.shape(), Shape::Matrix(3, 2));
        assert_eq!(t.data(), &[1., 2., 4., 5., 7., 8.]);
        let y = load_csv(&p, &opts(Columns::One(2), Some((1, 3)), false)).unwrap();
        assert_eq!(y, Tensor::vector(vec![6., 9.]));
        let s = load_csv(&p, &opts(Columns::One(0), None, true)).unwrap();
        // (1, 4, 7): mean 4, population sd sqrt(6)
        let sd = 6f64.sqrt();
        assert_eq!(s.data(), &[-3. / sd, 0.0, 3. / sd]);
        let e = load_csv(&p, &opts(Columns::Range(1, 4), None, false)).unwrap_err();
        assert_eq!(e.culprit, Culprit::Cols);
    }

    #[test]
    fn splits_standardize_with_training_statistics() {
        let p = write("s.csv", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
        let load = |split, part, standardize| {
            let o = CsvOptions { split: Some((split, part)), standardize, ..CsvOptions::default() };
            load_csv(&p, &o).unwrap().into_data()
        };
        let every5 = Split::Interleaved(5);
        assert_eq!(load(every5, Part::Test, false), vec![5., 10.]);
        assert_eq!(load(every5, Part::Train, false), vec![1., 2., 3., 4., 6., 7., 8., 9.]);
        let time = Split::Chronological { valid: 0.2, test: 0.3, gap: 0 };
        assert_eq!(load(time, Part::Train, false), vec![1., 2., 3., 4., 5.]);
        assert_eq!(load(time, Part::Valid, false), vec![6., 7.]);
        assert_eq!(load(time, Part::Test, false), vec![8., 9., 10.]);
        // Test rows are standardized with the training rows' mean 3 and
        // population sd sqrt(2): no look-ahead.
        let sd = 2f64.sqrt();
        assert_eq!(load(time, Part::Test, true), vec![5. / sd, 6. / sd, 7. / sd]);
        // A gap of one row drops the first row of validation and of test.
        let gapped = Split::Chronological { valid: 0.2, test: 0.3, gap: 1 };
        assert_eq!(load(gapped, Part::Train, false), vec![1., 2., 3., 4., 5.]);
        assert_eq!(load(gapped, Part::Valid, false), vec![7.]);
        assert_eq!(load(gapped, Part::Test, false), vec![9., 10.]);
        let empty = CsvOptions { split: Some((time, Part::Valid)), rows: Some((0, 2)), ..CsvOptions::default() };
        assert_eq!(load_csv(&p, &empty).unwrap_err().culprit, Culprit::Rows);
    }

    #[test]
    fn blank_separated_and_bad_cells() {
        let p = write("b.txt", "1  2\n3 4\n");
        assert_eq!(load_csv(&p, &CsvOptions::default()).unwrap().data(), &[1., 2., 3., 4.]);
        let q = write("c.csv", "1,2\n3,x\n");
        let e = load_csv(&q, &CsvOptions::default()).unwrap_err();
        assert_eq!(e.culprit, Culprit::Content);
        assert!(e.message.ends_with("c.csv:2:3: `x` is not a number"), "{}", e.message);
        let r = write("d.csv", "1,2\n3\n");
        assert!(load_csv(&r, &CsvOptions::default()).unwrap_err().message.contains("has 1 columns"));
        // Non-finite cells, at their line and column, in both formats.
        for (name, text, want) in [
            ("n.csv", "1, 2\n3,  nan\n", "n.csv:2:5: `nan` is not a finite number"),
            ("i.csv", "1,inf\n", "i.csv:1:3: `inf` is not a finite number"),
            ("h.txt", "1 2\n  3   1e999\n", "h.txt:2:7: `1e999` is not a finite number"),
        ] {
            let e = load_csv(&write(name, text), &CsvOptions::default()).unwrap_err();
            assert!(e.message.ends_with(&format!("{want} (data must be finite)")), "{}", e.message);
        }
        // Not a regular file, and too large for the budget.
        let dir = std::env::temp_dir();
        assert!(load_csv(&dir, &CsvOptions::default()).unwrap_err().message.contains("not a regular file"));
        let small = CsvOptions { max_bytes: Some(20), ..CsvOptions::default() };
        assert!(load_csv(&p, &small).unwrap_err().message.contains("more than the memory budget"));
        let missing = load_csv(Path::new("/nonexistent/x.csv"), &CsvOptions::default()).unwrap_err();
        assert_eq!(missing.culprit, Culprit::Path);
    }
}
