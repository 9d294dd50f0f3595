//! A recursive-descent parser and evaluator for arithmetic expressions.
//!
//! Grammar:
//!   expr   := term (('+' | '-') term)*
//!   term   := factor (('*' | '/' | '%') factor)*
//!   factor := unary ('^' factor)?
//!   unary  := '-' unary | atom
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
            CalcError::UnexpectedChar(c) => write!(f, "unexpected character '{c}'"),
            CalcError::UnexpectedEnd => write!(f, "unexpected end of input"),
            CalcError::DivisionByZero => write!(f, "division by zero"),
            CalcError::TrailingInput => write!(f, "trailing input after expression"),
        }
    }
}

impl std::error::Error for CalcError {}

struct Parser<'a> {
    chars: Peekable<Chars<'a>>,
}

type Result<T> = std::result::Result<T, CalcError>;

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
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
        let mut value = self.factor()?;
        while let Some(op @ ('*' | '/' | '%')) = self.peek() {
            self.chars.next();
            let rhs = self.factor()?;
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

    fn factor(&mut self) -> Result<f64> {
        let base = self.unary()?;
        if self.peek() == Some('^') {
            self.chars.next();
            return Ok(base.powf(self.factor()?)); // right associative
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<f64> {
        if self.peek() == Some('-') {
            self.chars.next();
            return Ok(-self.unary()?);
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<f64> {
        match self.peek() {
            Some('(') => {
                self.chars.next();
                let v = self.expr()?;
                match self.peek() {
                    Some(')') => { self.chars.next(); Ok(v) }
                    Some(c) => Err(CalcError::UnexpectedChar(c)),
                    None => Err(CalcError::UnexpectedEnd),
                }
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let mut s = String::new();
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
    if p.peek().is_some() {
        return Err(CalcError::TrailingInput);
    }
    Ok(v)
}
