//! Line plots to PNG or SVG, with an embedded font.

use std::sync::Once;

use super::BenchError;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One line of a plot.
pub struct Series {
    /// The legend label.
    pub name: String,
    /// The points, in x order; non-finite ones are skipped.
    pub points: Vec<(f64, f64)>,
    /// Palette index.
    pub color: usize,
    /// Drawn thicker, to stand out.
    pub bold: bool,
}

/// What to draw.
pub struct Plot<'a> {
    /// The title.
    pub title: &'a str,
    /// The x axis label.
    pub x_label: &'a str,
    /// The y axis label.
    pub y_label: &'a str,
    /// The lines.
    pub series: Vec<Series>,
    /// Logarithmic y axis (non-positive values are skipped, values more than
    /// [`LOG_DECADES`] decades below the largest are drawn at that floor).
    pub log_y: bool,
}

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/DejaVuSans.ttf");
        // The font is embedded and valid; a failure would only lose the labels.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, bytes);
    });
}

/// Writes the plot to `path` (`.png` or `.svg`).
///
/// # Errors
/// [`BenchError::PlotFormat`] for another extension, [`BenchError::Io`] if
/// the file cannot be written.
pub fn write(path: &str, plot: &Plot<'_>) -> Result<(), BenchError> {
    register_font();
    let io =
        |e: &dyn std::fmt::Display| BenchError::Io { action: "write", path: path.to_string(), message: e.to_string() };
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".png") {
        let root = BitMapBackend::new(path, (1100, 720)).into_drawing_area();
        draw(&root, plot).map_err(|e| io(&e))?;
        root.present().map_err(|e| io(&e))
    } else if lower.ends_with(".svg") {
        let root = SVGBackend::new(path, (1100, 720)).into_drawing_area();
        draw(&root, plot).map_err(|e| io(&e))?;
        root.present().map_err(|e| io(&e))
    } else {
        Err(BenchError::PlotFormat(path.to_string()))
    }
}

/// How many decades below the largest value a log-scale plot shows; smaller
/// values are drawn at that floor (the y label says so).
pub const LOG_DECADES: f64 = 40.0;

fn keep(p: &(f64, f64), log_y: bool) -> bool {
    p.0.is_finite() && p.1.is_finite() && (!log_y || p.1 > 0.0)
}

/// The points as drawn: for a log scale, `log10(max(y, floor))` on a linear
/// axis (plotters' own log axis can loop for ever over hundreds of decades).
fn drawn(plot: &Plot<'_>) -> (Vec<Vec<(f64, f64)>>, Option<f64>) {
    let scale = |y: f64| if plot.log_y { y.log10() } else { y };
    let mut lines: Vec<Vec<(f64, f64)>> = plot
        .series
        .iter()
        .map(|s| s.points.iter().filter(|p| keep(p, plot.log_y)).map(|&(x, y)| (x, scale(y))).collect())
        .collect();
    if !plot.log_y {
        return (lines, None);
    }
    let top = lines.iter().flatten().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let floor = top - LOG_DECADES;
    let mut clamped = false;
    for p in lines.iter_mut().flatten().filter(|p| p.1 < floor) {
        p.1 = floor;
        clamped = true;
    }
    (lines, clamped.then_some(floor))
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (lines, floor) = drawn(plot);
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in lines.iter().flatten() {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        let pad = if plot.log_y || y0 == 0.0 { 1.0 } else { y0.abs() * 0.1 };
        (y0, y1) = (y0 - pad, y1 + pad);
    }
    let pad = (y1 - y0) * 0.05;
    let y_desc = match floor {
        Some(f) => format!("{} (log scale; below {:.0e} drawn at it)", plot.y_label, 10f64.powf(f)),
        None if plot.log_y => format!("{} (log scale)", plot.y_label),
        None => plot.y_label.to_string(),
    };
    let span = y1 - y0;
    let log_label =
        |v: &f64| if span > 3.0 { format!("{:.0e}", 10f64.powf(*v)) } else { format!("{:.2e}", 10f64.powf(*v)) };
    let mut chart = ChartBuilder::on(root)
        .caption(plot.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0 - pad..y1 + pad)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(plot.x_label).y_desc(y_desc).label_style(("sans-serif", 15));
    if plot.log_y {
        mesh.y_label_formatter(&log_label);
    }
    mesh.draw()?;
    for (s, line) in plot.series.iter().zip(lines) {
        let color = Palette99::pick(s.color).to_rgba();
        let width = if s.bold { 4 } else { 2 };
        chart
            .draw_series(LineSeries::new(line, color.stroke_width(width)))?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot(points: Vec<(f64, f64)>) -> Plot<'static> {
        let series = vec![Series { name: "a".into(), points, color: 0, bold: false }];
        Plot { title: "t", x_label: "x", y_label: "loss", series, log_y: true }
    }

    #[test]
    fn log_scale_clamps_far_decades_to_the_floor() {
        let p = plot(vec![(0.0, 10.0), (1.0, 1e-100), (2.0, 0.0), (3.0, 5e-324)]);
        let (lines, floor) = drawn(&p);
        let floor = floor.expect("values below the floor");
        assert_eq!(floor, 1.0 - LOG_DECADES);
        assert_eq!(lines[0], vec![(0.0, 1.0), (1.0, floor), (3.0, floor)]);
        let narrow = plot(vec![(0.0, 2.0), (1.0, 1.0)]);
        assert_eq!(drawn(&narrow), (vec![vec![(0.0, 2f64.log10()), (1.0, 0.0)]], None));
    }

    #[test]
    fn hundreds_of_decades_and_subnormals_still_draw() {
        let dir = std::env::temp_dir().join(format!("majorize-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("wide.png");
        let p = plot((0..50).map(|i| (i as f64, 10f64.powi(-7 * i))).chain([(50.0, 5e-324)]).collect());
        write(path.to_str().unwrap(), &p).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
