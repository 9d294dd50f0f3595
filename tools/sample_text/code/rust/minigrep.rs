//! minigrep — search files for lines matching a regular expression.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use regex::RegexBuilder;

#[derive(Parser, Debug)]
#[command(name = "minigrep", version, about = "Search for a pattern in files")]
struct Args {
    /// Regular expression to search for
    pattern: String,

    /// Files to search; reads standard input when omitted
    files: Vec<PathBuf>,

    /// Case-insensitive matching
    #[arg(short, long)]
    ignore_case: bool,

    /// Print line numbers
    #[arg(short = 'n', long)]
    line_number: bool,

    /// Only print a count of matching lines per file
    #[arg(short, long)]
    count: bool,

    /// Select non-matching lines
    #[arg(short = 'v', long)]
    invert: bool,
}

fn search<R: BufRead>(reader: R, label: Option<&str>, re: &regex::Regex, args: &Args, out: &mut impl Write) -> io::Result<usize> {
    let mut matches = 0;
    for (idx, line) in reader.lines().enumerate() {
        let line = line?;
        if re.is_match(&line) == args.invert {
            continue;
        }
        matches += 1;
        if args.count {
            continue;
        }
        if let Some(name) = label {
            write!(out, "{name}:")?;
        }
        if args.line_number {
            write!(out, "{}:", idx + 1)?;
        }
        writeln!(out, "{line}")?;
    }
    if args.count {
        match label {
            Some(name) => writeln!(out, "{name}:{matches}")?,
            None => writeln!(out, "{matches}")?,
        }
    }
    Ok(matches)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let re = match RegexBuilder::new(&args.pattern).case_insensitive(args.ignore_case).build() {
        Ok(re) => re,
        Err(e) => {
            eprintln!("minigrep: invalid pattern: {e}");
            return ExitCode::from(2);
        }
    };

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut total = 0;
    let mut had_error = false;

    if args.files.is_empty() {
        total += search(io::stdin().lock(), None, &re, &args, &mut out).unwrap_or(0);
    } else {
        let show_names = args.files.len() > 1;
        for path in &args.files {
            let label = path.display().to_string();
            match File::open(path) {
                Ok(f) => {
                    let name = show_names.then_some(label.as_str());
                    total += search(BufReader::new(f), name, &re, &args, &mut out).unwrap_or(0);
                }
                Err(e) => {
                    eprintln!("minigrep: {label}: {e}");
                    had_error = true;
                }
            }
        }
    }
    let _ = out.flush();
    match (had_error, total) {
        (true, _) => ExitCode::from(2),
        (false, 0) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}
