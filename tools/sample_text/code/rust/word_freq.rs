//! Reads text from stdin and prints the most frequent words.
//!
//!     cat book.txt | word_freq 15

use std::collections::HashMap;
use std::env;
use std::io::{self, Read};

fn normalize(word: &str) -> Option<String> {
    let trimmed = word.trim_matches(|c: char| !c.is_alphanumeric());
    if trimmed.is_empty() {
        None
    } else {
        Some(trimmed.to_lowercase())
    }
}

fn count_words(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split_whitespace().filter_map(normalize) {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

fn top_n(counts: &HashMap<String, usize>, n: usize) -> Vec<(&str, usize)> {
    let mut pairs: Vec<(&str, usize)> = counts.iter().map(|(w, &c)| (w.as_str(), c)).collect();
    // highest count first, alphabetical for ties so output is deterministic
    pairs.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    pairs.truncate(n);
    pairs
}

fn main() -> io::Result<()> {
    let n = env::args()
        .nth(1)
        .map(|s| s.parse().unwrap_or_else(|_| {
            eprintln!("word_freq: invalid count {s:?}, using 10");
            10
        }))
        .unwrap_or(10);

    let mut text = String::new();
    io::stdin().read_to_string(&mut text)?;
    let counts = count_words(&text);
    let total: usize = counts.values().sum();

    println!("{total} words, {} unique", counts.len());
    let top = top_n(&counts, n);
    let width = top.iter().map(|(w, _)| w.len()).max().unwrap_or(0);
    for (word, count) in top {
        let pct = 100.0 * count as f64 / total as f64;
        println!("{word:<width$}  {count:>6}  {pct:5.2}%");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_and_case_are_ignored() {
        let c = count_words("Hello, hello! HELLO? world.");
        assert_eq!(c["hello"], 3);
        assert_eq!(c["world"], 1);
    }

    #[test]
    fn ties_are_alphabetical() {
        let c = count_words("b a c a b");
        assert_eq!(top_n(&c, 2), vec![("a", 2), ("b", 2)]);
    }
}
