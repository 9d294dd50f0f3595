use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};
use std::str::FromStr;

/// An amount of money stored as an integer number of cents to avoid
/// floating point rounding errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_cents(cents: i64) -> Self {
        Money(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Splits the amount into `n` parts that differ by at most one cent
    /// and always sum to the original amount.
    pub fn split(self, n: u32) -> Vec<Money> {
        assert!(n > 0, "cannot split into zero parts");
        let n = n as i64;
        let base = self.0.div_euclid(n);
        let remainder = self.0.rem_euclid(n);
        (0..n).map(|i| Money(base + i64::from(i < remainder))).collect()
    }

    /// Applies a percentage in basis points (1/100 of a percent), rounding half up.
    pub fn percent_bp(self, basis_points: i64) -> Money {
        let raw = self.0 as i128 * basis_points as i128;
        Money(((raw + 5_000 * raw.signum()) / 10_000) as i64)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.checked_add(rhs.0).expect("money overflow"))
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.checked_sub(rhs.0).expect("money overflow"))
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}${}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Money {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (neg, s) = s.strip_prefix('-').map_or((false, s), |rest| (true, rest));
        let s = s.trim_start_matches('$').replace(',', "");
        let (whole, frac) = s.split_once('.').unwrap_or((&s, "0"));
        if frac.len() > 2 {
            return Err(format!("too many decimal places in {s:?}"));
        }
        let whole: i64 = whole.parse().map_err(|e| format!("bad amount {s:?}: {e}"))?;
        let frac: i64 = format!("{frac:0<2}").parse().map_err(|e| format!("bad cents {s:?}: {e}"))?;
        let cents = whole * 100 + frac;
        Ok(Money(if neg { -cents } else { cents }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let m: Money = "$1,234.5".parse().unwrap();
        assert_eq!(m.cents(), 123_450);
        assert_eq!(m.to_string(), "$1234.50");
        assert_eq!("-0.07".parse::<Money>().unwrap().to_string(), "-$0.07");
    }

    #[test]
    fn split_preserves_total() {
        let parts = Money::from_cents(1000).split(3);
        assert_eq!(parts, vec![Money(334), Money(333), Money(333)]);
        assert_eq!(parts.into_iter().sum::<Money>(), Money(1000));
    }
}
