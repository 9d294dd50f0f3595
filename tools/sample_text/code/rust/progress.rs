//! A dependency-free terminal progress bar.

use std::io::{self, Write};
use std::time::{Duration, Instant};

pub struct ProgressBar {
    total: u64,
    current: u64,
    width: usize,
    label: String,
    started: Instant,
    last_draw: Option<Instant>,
    min_interval: Duration,
}

impl ProgressBar {
    pub fn new(total: u64, label: impl Into<String>) -> Self {
        Self {
            total: total.max(1),
            current: 0,
            width: 40,
            label: label.into(),
            started: Instant::now(),
            last_draw: None,
            min_interval: Duration::from_millis(50),
        }
    }

    pub fn width(mut self, width: usize) -> Self {
        self.width = width.max(10);
        self
    }

    pub fn inc(&mut self, delta: u64) {
        self.current = (self.current + delta).min(self.total);
        let due = self.last_draw.map_or(true, |t| t.elapsed() >= self.min_interval);
        if due || self.current == self.total {
            self.draw();
        }
    }

    fn eta(&self) -> Option<Duration> {
        if self.current == 0 {
            return None;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = self.current as f64 / elapsed;
        Some(Duration::from_secs_f64((self.total - self.current) as f64 / rate))
    }

    fn draw(&mut self) {
        let frac = self.current as f64 / self.total as f64;
        let filled = (frac * self.width as f64).round() as usize;
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(self.width - filled));
        let eta = self
            .eta()
            .map(|d| format!("{:02}:{:02}", d.as_secs() / 60, d.as_secs() % 60))
            .unwrap_or_else(|| "--:--".into());
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{} {bar} {:>5.1}% eta {eta}", self.label, frac * 100.0);
        let _ = err.flush();
        self.last_draw = Some(Instant::now());
    }

    pub fn finish(mut self) {
        self.current = self.total;
        self.draw();
        eprintln!(" done in {:.1?}", self.started.elapsed());
    }
}

fn main() {
    let files = 250;
    let mut bar = ProgressBar::new(files, "indexing").width(30);
    for _ in 0..files {
        std::thread::sleep(Duration::from_millis(8));
        bar.inc(1);
    }
    bar.finish();
}
