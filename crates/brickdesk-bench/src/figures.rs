//! The figures a benchmark measured on each engine, so one run can print
//! where PostgreSQL stands against SQLite: each figure is recorded under
//! the engine being measured, and [`print_ratios`] prints PG ÷ SQLite for
//! every figure measured on both.

use std::sync::Mutex;

/// Whether more or less of a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Times: PG ÷ SQLite above 1 is slower.
    Lower,
    /// Rates: PG ÷ SQLite below 1 is fewer.
    Higher,
}

#[derive(Debug, Clone)]
struct Figure {
    engine: &'static str,
    name: String,
    value: f64,
    unit: &'static str,
    better: Better,
}

static FIGURES: Mutex<Vec<Figure>> = Mutex::new(Vec::new());
static ENGINE: Mutex<&'static str> = Mutex::new("");

/// The engine the next figures are measured on (`SQLite`, `PostgreSQL`).
pub fn measuring_on(engine: &'static str) {
    if let Ok(mut e) = ENGINE.lock() {
        *e = engine;
    }
}

/// Records a figure of the engine being measured.
pub fn record(name: &str, value: f64, unit: &'static str, better: Better) {
    let engine = ENGINE.lock().map(|e| *e).unwrap_or("");
    if let Ok(mut all) = FIGURES.lock() {
        all.push(Figure {
            engine,
            name: name.to_owned(),
            value,
            unit,
            better,
        });
    }
}

/// Records a time in milliseconds.
pub fn record_ms(name: &str, d: std::time::Duration) {
    record(name, d.as_secs_f64() * 1000.0, "ms", Better::Lower);
}

/// Prints, for every figure recorded on both SQLite and PostgreSQL,
/// both values and PG ÷ SQLite (and forgets them).
pub fn print_ratios() {
    let Ok(mut all) = FIGURES.lock() else {
        return;
    };
    let taken: Vec<Figure> = std::mem::take(&mut *all);
    let on = |engine: &str, name: &str| {
        taken
            .iter()
            .find(|f| f.engine == engine && f.name == name)
            .cloned()
    };
    let mut names: Vec<&str> = Vec::new();
    for f in &taken {
        if !names.contains(&f.name.as_str()) {
            names.push(&f.name);
        }
    }
    let rows: Vec<(Figure, Figure)> = names
        .iter()
        .filter_map(|n| Some((on("SQLite", n)?, on("PostgreSQL", n)?)))
        .collect();
    if rows.is_empty() {
        return;
    }
    println!("PostgreSQL ÷ SQLite, this run:");
    for (sqlite, pg) in rows {
        let ratio = if sqlite.value > 0.0 {
            pg.value / sqlite.value
        } else {
            f64::NAN
        };
        let verdict = match sqlite.better {
            Better::Lower if ratio <= 1.5 => "within 1.5×",
            Better::Higher if ratio >= 2.0 / 3.0 => "within 1.5×",
            _ => "OUTSIDE 1.5×",
        };
        println!(
            "  {:<40} SQLite {:>10.2} {u:<5} PostgreSQL {:>10.2} {u:<5} ÷ {ratio:>5.2}  {verdict}",
            sqlite.name,
            sqlite.value,
            pg.value,
            u = sqlite.unit,
        );
    }
}
