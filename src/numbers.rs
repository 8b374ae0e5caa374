//! Numbers as people read them: thousands separators, counted nouns, shares and figures.
//!
//! Every message, table and report formats its figures here, so `1,480 rows` reads the same
//! in the terminal, in metric details stored for reports and in the rendered report.

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A figure rounded to a whole number, with thousands separators and its sign: `-1,235`.
pub fn whole(v: f64) -> String {
    let n = v.round() as i64;
    let digits = thousands(n.unsigned_abs());
    if n < 0 { format!("-{digits}") } else { digits }
}

/// `1 row`, `1,480 rows`: a count with thousands separators and its noun, plural when needed.
pub fn plural(n: u64, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        thousands(n),
        if n == 1 { singular } else { plural }
    )
}

/// `556 of 2,034 records`: a part of a whole, the noun agreeing with the whole.
pub fn part_of(part: u64, whole: u64, singular: &str, plural: &str) -> String {
    format!(
        "{} of {}",
        thousands(part),
        self::plural(whole, singular, plural)
    )
}

/// A figure compared with a threshold, as printed: up to four decimals, no float noise
/// (`0.3333333` -> `0.3333`, `2.0` -> `2`).
pub fn decimal(v: f64) -> String {
    let r = (v * 10_000.0).round() / 10_000.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// A figure to one decimal without float noise: `41.25` -> `41.3`, `7.0` -> `7`,
/// `12345.6` -> `12,345.6`.
pub fn one_decimal(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        whole(r)
    } else {
        let tenths = ((r.abs() * 10.0).round() as u64) % 10;
        let int = r.abs().trunc() as u64;
        let sign = if r < 0.0 { "-" } else { "" };
        format!("{sign}{}.{tenths}", thousands(int))
    }
}

/// A share as a percentage to one decimal: `0.0249` -> `2.5%`, `1` -> `100%`; a share that
/// only rounds to 0% or 100% says so (`<0.1%`, `>99.9%`), so a column missing one value in
/// ten thousand never reads as complete.
pub fn pct(share: f64) -> String {
    let text = one_decimal(share * 100.0);
    match text.as_str() {
        "100" if share < 1.0 => ">99.9%".into(),
        "0" if share > 0.0 => "<0.1%".into(),
        _ => format!("{text}%"),
    }
}

/// A share in a table column: always one decimal (`78.0%`) so a column's figures line up,
/// except exactly none or all (`0%`, `100%`); the same guard as [`pct`] near the ends.
pub fn pct_column(share: f64) -> String {
    match pct(share).as_str() {
        "0%" | "100%" | "<0.1%" | ">99.9%" => pct(share),
        text if text.contains('.') => text.to_string(),
        text => format!("{}.0%", text.trim_end_matches('%')),
    }
}

/// A share as a whole percentage, for evidence where a decimal adds nothing: `0.874` -> `87%`.
pub fn pct_whole(share: f64) -> String {
    format!("{}%", whole(share * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(whole(-1234.6), "-1,235");
        assert_eq!(whole(0.4), "0");
    }

    #[test]
    fn plurals_agree_with_the_count() {
        assert_eq!(plural(1, "row", "rows"), "1 row");
        assert_eq!(plural(0, "row", "rows"), "0 rows");
        assert_eq!(plural(3056, "row", "rows"), "3,056 rows");
        assert_eq!(
            part_of(556, 2034, "record", "records"),
            "556 of 2,034 records"
        );
        assert_eq!(part_of(1, 1, "record", "records"), "1 of 1 record");
    }

    #[test]
    fn decimals_and_shares() {
        assert_eq!(one_decimal(41.25), "41.3");
        assert_eq!(one_decimal(7.0), "7");
        assert_eq!(one_decimal(12345.61), "12,345.6");
        assert_eq!(one_decimal(-0.25), "-0.3");
        assert_eq!(pct(0.0249), "2.5%");
        assert_eq!(pct(1.0), "100%");
        assert_eq!(pct(0.0), "0%");
        assert_eq!(pct(0.99996), ">99.9%");
        assert_eq!(pct(0.0004), "<0.1%");
        assert_eq!(pct_whole(0.874), "87%");
        assert_eq!(pct_column(0.78), "78.0%");
        assert_eq!(pct_column(0.9755), "97.6%");
        assert_eq!(pct_column(1.0), "100%");
        assert_eq!(pct_column(0.99999), ">99.9%");
    }
}
