//! Property tests for the value parsers: what a person or a CRM writes comes back as the same
//! value, and no input makes a parser panic.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

use crmkit::numbers::thousands;
use crmkit::values::date::{self as dates, DateParse, Order};
use crmkit::values::phone;
use crmkit::values::{boolean, number as parse};

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..2100, 1u32..=12, 1u32..=31)
        .prop_filter_map("a real day", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
}

proptest! {
    #[test]
    fn numbers_read_back_as_written(int in 0u64..10_000_000_000, cents in 0u32..100, negative: bool) {
        let plain = format!("{}{int}.{cents:02}", if negative { "-" } else { "" });
        let (value, _) = parse::number(&plain, '.').expect("a plain number parses");
        let again = parse::number(&value.to_text(), '.').expect("canonical text parses").0;
        prop_assert_eq!(value.to_text(), again.to_text());
        // Thousands separators, a currency sign and accounting brackets do not change it.
        let dressed = if negative {
            format!("(${}.{cents:02})", thousands(int))
        } else {
            format!("${}.{cents:02}", thousands(int))
        };
        let (same, _) = parse::number(&dressed, '.').expect("a dressed number parses");
        prop_assert_eq!(same.to_text(), value.to_text());
    }

    #[test]
    fn comma_decimals_read_like_point_decimals(int in 0u64..1_000_000, frac in 0u32..1000) {
        let point = parse::number(&format!("{int}.{frac:03}"), '.').unwrap().0;
        let comma = parse::number(&format!("{int},{frac:03}"), ',').unwrap().0;
        prop_assert_eq!(point.to_text(), comma.to_text());
    }

    #[test]
    fn dates_read_back_in_the_format_they_were_written(d in any_date()) {
        prop_assert_eq!(dates::read_date(&d.format("%Y-%m-%d").to_string(), &[]), Some(d));
        let us = d.format("%m/%d/%Y").to_string();
        prop_assert_eq!(dates::read_date(&us, &["%m/%d/%Y".to_string()]), Some(d));
        prop_assert_eq!(dates::any_date(&d.format("%Y-%m-%d").to_string()), Some(d));
    }

    #[test]
    fn the_profiler_reads_a_date_as_its_day(d in any_date()) {
        match dates::parse(&d.format("%Y-%m-%d").to_string()) {
            DateParse::Date(v) => prop_assert_eq!(dates::date(v.days), Some(d)),
            other => prop_assert!(false, "{d} read as {other:?}"),
        }
        // A day above 12 written first can only be day-first.
        if d.day() > 12 {
            match dates::parse(&d.format("%d/%m/%Y").to_string()) {
                DateParse::Date(v) => {
                    prop_assert_eq!(v.order, Order::DayFirst);
                    prop_assert_eq!(dates::date(v.days), Some(d));
                }
                other => prop_assert!(false, "{d} read as {other:?}"),
            }
        }
        prop_assert_eq!(dates::date(dates::days(d)), Some(d));
    }

    #[test]
    fn no_input_makes_a_parser_panic(s in "\\PC{0,40}") {
        let _ = parse::number(&s, '.');
        let _ = parse::number(&s, ',');
        let _ = dates::any_date(&s);
        let _ = dates::read_date(&s, &["%d/%m/%Y".to_string()]);
        let _ = dates::read_datetime(&s, &[]);
        let _ = boolean::boolean(&s);
        let _ = phone::parse(&s);
        let _ = dates::parse(&s);
    }
}
