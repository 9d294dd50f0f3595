//! Application-wide error type and helpers.

use std::fmt;
use std::io;
use std::num::ParseIntError;
use std::path::PathBuf;

#[derive(Debug)]
pub enum AppError {
    Io { path: Option<PathBuf>, source: io::Error },
    Parse { line: usize, message: String },
    InvalidNumber(ParseIntError),
    NotFound(String),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Io { path: Some(p), source } => write!(f, "{}: {source}", p.display()),
            AppError::Io { path: None, source } => write!(f, "I/O error: {source}"),
            AppError::Parse { line, message } => write!(f, "parse error on line {line}: {message}"),
            AppError::InvalidNumber(e) => write!(f, "invalid number: {e}"),
            AppError::NotFound(what) => write!(f, "{what} not found"),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Io { source, .. } => Some(source),
            AppError::InvalidNumber(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for AppError {
    fn from(source: io::Error) -> Self {
        AppError::Io { path: None, source }
    }
}

impl From<ParseIntError> for AppError {
    fn from(e: ParseIntError) -> Self {
        AppError::InvalidNumber(e)
    }
}

/// Extension trait to attach a file path to I/O errors.
pub trait IoContext<T> {
    fn with_path(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::result::Result<T, io::Error> {
    fn with_path(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| AppError::Io { path: Some(path.into()), source })
    }
}

/// Reads a file of one integer per line, reporting precise errors.
pub fn read_numbers(path: &str) -> Result<Vec<i64>> {
    let text = std::fs::read_to_string(path).with_path(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            l.trim().parse::<i64>().map_err(|e| AppError::Parse {
                line: i + 1,
                message: format!("{e} ({l:?})"),
            })
        })
        .collect()
}

pub fn report(err: &AppError) {
    eprintln!("error: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        eprintln!("  caused by: {s}");
        source = s.source();
    }
}
