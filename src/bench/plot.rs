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
    /// Logarithmic y axis (non-positive values are skipped).
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

fn keep(p: &(f64, f64), log_y: bool) -> bool {
    p.0.is_finite() && p.1.is_finite() && (!log_y || p.1 > 0.0)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let pts = || plot.series.iter().flat_map(|s| s.points.iter().filter(|p| keep(p, plot.log_y)));
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in pts() {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        (x0, x1, y0, y1) = (0.0, 1.0, 1.0, 2.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        let pad = if y0 == 0.0 { 1.0 } else { y0.abs() * 0.1 };
        (y0, y1) = (y0 - if plot.log_y { 0.0 } else { pad }, y1 + pad);
    }
    let mut builder = ChartBuilder::on(root);
    builder.caption(plot.title, ("sans-serif", 24)).margin(16).x_label_area_size(48).y_label_area_size(80);
    macro_rules! body {
        ($chart:ident) => {{
            let log_label = |v: &f64| format!("{v:.0e}");
            let mut mesh = $chart.configure_mesh();
            mesh.x_desc(plot.x_label).y_desc(plot.y_label).label_style(("sans-serif", 15));
            if plot.log_y {
                mesh.y_label_formatter(&log_label);
            }
            mesh.draw()?;
            for s in &plot.series {
                let color = Palette99::pick(s.color).to_rgba();
                let width = if s.bold { 4 } else { 2 };
                let line: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| keep(p, plot.log_y)).collect();
                $chart
                    .draw_series(LineSeries::new(line, color.stroke_width(width)))?
                    .label(s.name.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width)));
            }
            $chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 15))
                .draw()?;
        }};
    }
    if plot.log_y {
        let mut chart = builder.build_cartesian_2d(x0..x1, (y0 * 0.9..y1 * 1.1).log_scale())?;
        body!(chart);
    } else {
        let pad = (y1 - y0) * 0.05;
        let mut chart = builder.build_cartesian_2d(x0..x1, y0 - pad..y1 + pad)?;
        body!(chart);
    }
    Ok(())
}
