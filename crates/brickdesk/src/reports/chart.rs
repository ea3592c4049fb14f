//! A report's chart as SVG, drawn by plotters: one line per series over
//! the periods, money on the vertical axis, the series' totals in the
//! legend. Text is measured with the DejaVu font the PDFs use, so no
//! system font is needed.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::domain::{Currency, Money};

/// One line of the chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend (with its total).
    pub label: String,
    /// One value per period, in minor units.
    pub values: Vec<i64>,
    /// Its colour, as `(r, g, b)`.
    pub rgb: (u8, u8, u8),
}

/// The chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("drawing the chart failed: {0}")]
pub struct ChartError(String);

fn fonts() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // DejaVu is valid OpenType; a failure would leave plotters' own
        // error on the first text, which `draw` reports.
        let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    });
}

/// Whole currency units for an axis (`£1,200`), from minor units.
fn axis_money(minor: f64, currency: Currency) -> String {
    let scale = 10i64.pow(currency.decimal_places()) as f64;
    let whole = (minor / scale).round() as i64;
    let text = Money::from_minor(whole * scale as i64, currency).to_string();
    // The axis is in whole units: drop the zero fraction.
    let places = currency.decimal_places() as usize;
    match currency.suffix() {
        _ if places == 0 => text,
        Some(_) => text.replacen(&format!(",{}", "0".repeat(places)), "", 1),
        None => text.replacen(&format!(".{}", "0".repeat(places)), "", 1),
    }
}

/// Draws `series` over `periods` (their labels) as an SVG document of
/// `width` × `height`; `title` names it for screen readers.
pub fn line_chart(
    title: &str,
    periods: &[String],
    series: &[Series],
    currency: Currency,
    (width, height): (u32, u32),
) -> Result<String, ChartError> {
    fonts();
    let err = |e: &dyn std::fmt::Display| ChartError(e.to_string());
    let n = periods.len().max(1);
    let all = series.iter().flat_map(|s| s.values.iter().copied());
    let low = all.clone().min().unwrap_or(0).min(0) as f64;
    let high = all.max().unwrap_or(0).max(0) as f64;
    let pad = ((high - low) * 0.08).max(100.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(78)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), (low - pad)..(high + pad))
            .map_err(|e| err(&e))?;
        let label_at = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                periods.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(13))
            .x_label_formatter(&label_at)
            .y_labels(6)
            .y_label_formatter(&|y| axis_money(*y, currency))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(LineSeries::new(
                [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                RGBColor(120, 120, 120).stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
        for s in series {
            let color = RGBColor(s.rgb.0, s.rgb.1, s.rgb.2);
            let points: Vec<(f64, f64)> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64, *v as f64))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(|e| err(&e))?
                .label(s.label.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 4), (x + 14, y + 4)], color.filled())
                });
            if points.len() <= 60 {
                chart
                    .draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))
                    .map_err(|e| err(&e))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    let escaped = attribute_text(title);
    Ok(svg.replacen(
        "<svg ",
        &format!(r#"<svg role="img" aria-label="{escaped}" class="chart" "#),
        1,
    ))
}

/// `title` made safe inside an attribute.
fn attribute_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_has_its_title_labels_and_legend() {
        let periods: Vec<String> = ["Jan 2026", "Feb 2026", "Mar 2026"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let svg = line_chart(
            "Profit by month & more",
            &periods,
            &[Series {
                label: "Profit £12.00".into(),
                values: vec![100, -200, 1_300],
                rgb: (0, 128, 0),
            }],
            Currency::GBP,
            (600, 300),
        )
        .expect("chart");
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Profit by month &amp; more\""));
        assert!(svg.contains("Feb 2026"));
        assert!(svg.contains("Profit £12.00"));
        assert!(svg.contains("£10"), "{svg}");
    }

    #[test]
    fn axis_amounts_are_whole_units() {
        assert_eq!(axis_money(120_000.0, Currency::GBP), "£1,200");
        assert_eq!(axis_money(-50_000.0, Currency::GBP), "-£500");
        let sek = Currency::parse("SEK").expect("SEK");
        assert_eq!(axis_money(1_000_000.0, sek), "10\u{a0}000\u{a0}kr");
    }
}
