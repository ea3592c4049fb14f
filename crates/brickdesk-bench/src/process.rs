//! What a benchmark reads of its own process from Linux's `/proc`:
//! resident memory, CPU time and context switches.

/// Resident memory of this process (Linux `/proc`), in KiB.
pub fn resident_kib() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// KiB in MiB.
#[allow(clippy::cast_precision_loss)]
pub fn mb(kib: usize) -> f64 {
    kib as f64 / 1024.0
}

/// CPU time and context switches of this process so far (Linux `/proc`).
pub struct ProcessCpu {
    /// User CPU seconds.
    pub user: f64,
    /// System CPU seconds.
    pub system: f64,
    /// Voluntary and involuntary context switches of all its threads.
    pub switches: u64,
}

impl ProcessCpu {
    /// Reads them now (`None` where /proc lacks them).
    pub fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the parenthesised command name; utime and stime are
        // the 12th and 13th of them, in clock ticks (100 per second on Linux).
        let rest = stat.rsplit_once(')')?.1;
        let mut fields = rest.split_whitespace().skip(11);
        let user: f64 = fields.next()?.parse().ok()?;
        let system: f64 = fields.next()?.parse().ok()?;
        // Switches are counted per thread; the runtime's and the database
        // workers' threads live for the whole run, so their sum is comparable.
        let mut switches = 0;
        for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            switches += status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
        Some(Self {
            user: user / 100.0,
            system: system / 100.0,
            switches,
        })
    }
}
