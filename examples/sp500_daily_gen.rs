//! Work in progress (issue 18): writes the daily windows and the SSM loss
//! for a look at their size and speed.
//! `cargo run --release --example sp500_daily_gen -- OUT_DIR [L] [CHANNELS]`

use majorize::bench::sp500_daily::{daily_rows, split, ssm_loss, windows_csv};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("an output directory");
    let len: usize = args.next().map_or(32, |s| s.parse().expect("L"));
    let channels: usize = args.next().map_or(16, |s| s.parse().expect("channels"));
    let text = std::fs::read_to_string("data/sp500_1950_2018.csv").expect("run from the source tree");
    let rows = daily_rows(&text).expect("the data file parses");
    let [train, valid, test] = split(&rows, len, 0.15, 0.15);
    println!("{} days; windows: {} train, {} valid, {} test", rows.len(), train.len(), valid.len(), test.len());
    std::fs::create_dir_all(&out).expect("a directory");
    std::fs::write(format!("{out}/train.csv"), windows_csv(&train)).expect("writable");
    std::fs::write(format!("{out}/ssm.loss"), ssm_loss("train.csv", len, channels)).expect("writable");
}
