//! A recursive-descent parser and evaluator for arithmetic expressions.
//!
//! Grammar:
//!   expr   := term (('+' | '-') term)*
//!   term   := unary (('*' | '/' | '%') unary)*
//!   unary  := '-' unary | power
//!   power  := atom ('^' unary)?
//!   atom   := NUMBER | '(' expr ')'

use std::fmt;
use std::iter::Peekable;
use std::str::Chars;

#[derive(Debug, PartialEq)]
pub enum CalcError {
    UnexpectedChar(char),
    UnexpectedEnd,
    DivisionByZero,
    TrailingInput,
}

impl fmt::Display for CalcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedChar(c) => write!(f, "unexpected character '{c}'"),
            Self::UnexpectedEnd => f.write_str("unexpected end of input"),
            Self::DivisionByZero => f.write_str("division by zero"),
            Self::TrailingInput => f.write_str("trailing input after expression"),
        }
    }
}

impl std::error::Error for CalcError {}

type Result<T> = std::result::Result<T, CalcError>;

struct Parser<'a> {
    chars: Peekable<Chars<'a>>,
}

impl<'a> Parser<'a> {
    /// Skips whitespace and returns the next significant character.
    fn peek(&mut self) -> Option<char> {
        while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
        self.chars.peek().copied()
    }

    fn expr(&mut self) -> Result<f64> {
        let mut value = self.term()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.chars.next();
            let rhs = self.term()?;
            value = if op == '+' { value + rhs } else { value - rhs };
        }
        Ok(value)
    }

    fn term(&mut self) -> Result<f64> {
        let mut value = self.unary()?;
        while let Some(op @ ('*' | '/' | '%')) = self.peek() {
            self.chars.next();
            let rhs = self.unary()?;
            if op != '*' && rhs == 0.0 {
                return Err(CalcError::DivisionByZero);
            }
            value = match op {
                '*' => value * rhs,
                '/' => value / rhs,
                _ => value % rhs,
            };
        }
        Ok(value)
    }

    fn unary(&mut self) -> Result<f64> {
        if self.peek() == Some('-') {
            self.chars.next();
            return Ok(-self.unary()?);
        }
        let base = self.atom()?;
        if self.peek() == Some('^') {
            self.chars.next();
            return Ok(base.powf(self.unary()?)); // right associative, binds tighter than '-'
        }
        Ok(base)
    }
    fn atom(&mut self) -> Result<f64> {
        match self.peek() {
            Some('(') => {
                self.chars.next();
                let v = self.expr()?;
                match self.peek() {
                    Some(')') => self.chars.next().map(|_| v).ok_or(CalcError::UnexpectedEnd),
                    Some(c) => Err(CalcError::UnexpectedChar(c)),
                    None => Err(CalcError::UnexpectedEnd),
                }
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let mut s = String::with_capacity(8);
                while let Some(d) = self.chars.next_if(|d| d.is_ascii_digit() || *d == '.') {
                    s.push(d);
                }
                s.parse().map_err(|_| CalcError::UnexpectedChar('.'))
            }
            Some(c) => Err(CalcError::UnexpectedChar(c)),
            None => Err(CalcError::UnexpectedEnd),
        }
    }
}

/// Evaluates `input`, e.g. `eval("2 * (3 + 4) ^ 2")` returns `Ok(98.0)`.
pub fn eval(input: &str) -> Result<f64> {
    let mut p = Parser { chars: input.chars().peekable() };
    let v = p.expr()?;
    match p.peek() {
        Some(_) => Err(CalcError::TrailingInput),
        None => Ok(v),
    }
}
