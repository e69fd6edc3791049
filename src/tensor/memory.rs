//! How much memory the process may use, and sizes for messages: so that a
//! loss too large for the machine is refused with its figure before
//! anything is allocated, instead of aborting when an allocation fails.

/// The memory this process may use, in bytes: the smaller of the
/// system's available memory (`MemAvailable` in `/proc/meminfo`) and the
/// room left under the cgroup's limit; `None` where neither is known.
pub fn available() -> Option<u64> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let meminfo = read("/proc/meminfo").and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    // cgroup v2, then v1: the limit minus what is in use.
    let limit = read("/sys/fs/cgroup/memory.max")
        .or_else(|| read("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
        .and_then(|t| t.trim().parse::<u64>().ok());
    let used = read("/sys/fs/cgroup/memory.current")
        .or_else(|| read("/sys/fs/cgroup/memory/memory.usage_in_bytes"))
        .and_then(|t| t.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let cgroup = limit.filter(|&l| l < (1 << 60)).map(|l| l.saturating_sub(used));
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The default budget: what [`available`] says, or 16 GiB where nothing is
/// known.
pub fn default_budget() -> u64 {
    available().unwrap_or(16 << 30)
}

/// `bytes` for a message: `80.0 GB`, `12.3 MB`, `512 bytes`.
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.1} kB", b / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", b / 1e6),
        1_000_000_000..1_000_000_000_000 => format!("{:.1} GB", b / 1e9),
        _ => format!("{:.1} TB", b / 1e12),
    }
}

/// A size such as `8G`, `500M`, `1.5GB`, `64k` or a number of bytes
/// (decimal units: k = 1e3, M = 1e6, G = 1e9, T = 1e12; a trailing `B` or
/// `iB` is allowed, with powers of 1024 for `iB`).
///
/// # Errors
/// A message naming the accepted forms.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a size: write bytes, or a number with k, M, G or T (e.g. 8G, 500M)");
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let v: f64 = number.parse().map_err(|_| bad())?;
    let binary = unit.ends_with("iB") || unit.ends_with("ib");
    let unit = unit.trim_end_matches("iB").trim_end_matches("ib").trim_end_matches(['B', 'b']);
    let base: f64 = if binary { 1024.0 } else { 1000.0 };
    let scale = match unit {
        "" => 1.0,
        "k" | "K" => base,
        "m" | "M" => base.powi(2),
        "g" | "G" => base.powi(3),
        "t" | "T" => base.powi(4),
        _ => return Err(bad()),
    };
    let bytes = v * scale;
    if !(1.0..1.8e19).contains(&bytes) {
        return Err(bad());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("8G"), Ok(8_000_000_000));
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("500M"), Ok(500_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        for bad in ["", "G", "-1G", "1X", "nan", "1e999"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(human(80_000_000_000), "80.0 GB");
        assert_eq!(human(512), "512 bytes");
        assert!(available().is_none_or(|b| b > 0));
    }
}
