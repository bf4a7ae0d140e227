//! 生年月日: read however a care office writes it, stored and indexed as
//! `YYYY-MM-DD`, and the age it gives on a day.
//!
//! Accepted: `1950-04-01`, `1950/4/1`, `1950.4.1`, `19500401`,
//! `1950年4月1日`, full-width digits, and the Japanese eras as written on
//! forms: `昭和25年4月1日`, `昭和元年…`, `S25.4.1`, `s25/4/1` (明治 M, 大正 T,
//! 昭和 S, 平成 H, 令和 R).

use jiff::civil::Date;
use unicode_normalization::UnicodeNormalization;

/// The first year of each era, by its kanji and its letter.
const ERAS: [(&str, char, i16); 5] =
    [("明治", 'M', 1868), ("大正", 'T', 1912), ("昭和", 'S', 1926), ("平成", 'H', 1989), ("令和", 'R', 2019)];

/// The earliest birth date accepted (a typo guard, not a statement about anyone).
const EARLIEST_YEAR: i16 = 1868;

/// Why a typed birth date was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BirthDateProblem {
    /// Not a date in any accepted way of writing one.
    Format,
    /// A date, but after `today` or before 1868.
    Range,
}

/// The date a typed value names, checked against `today`.
pub fn parse(raw: &str, today: Date) -> Result<Date, BirthDateProblem> {
    let date = read(raw).ok_or(BirthDateProblem::Format)?;
    if date > today || date.year() < EARLIEST_YEAR {
        return Err(BirthDateProblem::Range);
    }
    Ok(date)
}

/// The date a value names, if it names one (search uses this: a query that
/// reads as a date also asks for that birth date).
pub fn read(raw: &str) -> Option<Date> {
    let text: String = raw.nfkc().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return None;
    }
    let (era_start, rest) = era(&text);
    let rest = rest.trim_end_matches('日');
    let parts: Vec<&str> = rest.split(['-', '/', '.', '年', '月']).collect();
    let numbers: Vec<i16> = match parts.as_slice() {
        // 19500401, only without an era.
        [digits] if era_start.is_none() && digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            vec![digits[..4].parse().ok()?, digits[4..6].parse().ok()?, digits[6..].parse().ok()?]
        }
        [y, m, d] => {
            let year = if era_start.is_some() && *y == "元" { 1 } else { number(y)? };
            vec![year, number(m)?, number(d)?]
        }
        _ => return None,
    };
    let year = match era_start {
        Some(start) if (1..=99).contains(&numbers[0]) => start + numbers[0] - 1,
        Some(_) => return None,
        None if parts.len() == 3 && parts[0].len() != 4 => return None,
        None => numbers[0],
    };
    let month = i8::try_from(numbers[1]).ok()?;
    let day = i8::try_from(numbers[2]).ok()?;
    Date::new(year, month, day).ok()
}

fn number(s: &str) -> Option<i16> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The era a value starts with (its first year) and the rest.
fn era(text: &str) -> (Option<i16>, &str) {
    for (kanji, letter, start) in ERAS {
        if let Some(rest) = text.strip_prefix(kanji) {
            return (Some(start), rest);
        }
        let mut chars = text.chars();
        if chars.next().is_some_and(|c| c.to_ascii_uppercase() == letter) {
            return (Some(start), chars.as_str());
        }
    }
    (None, text)
}

/// Whole years from `birth` to `today` (a birthday counts on its day; 29
/// February birthdays count on 1 March in other years).
pub fn age_on(birth: Date, today: Date) -> i16 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0)
}

/// A stored birth date for people, with the age on `today`:
/// `1950年4月1日（76歳）`, or `1950-04-01 (age 76)` in English; empty when not given.
pub fn shown(stored: &str, today: Date, english: bool) -> String {
    let Ok(date) = stored.parse::<Date>() else { return String::new() };
    let age = age_on(date, today);
    if english {
        format!("{date} (age {age})")
    } else {
        format!("{}年{}月{}日（{age}歳）", date.year(), date.month(), date.day())
    }
}

/// `YYYY-MM-DD`, the stored and indexed form.
pub fn stored(date: Date) -> String {
    date.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i16, m: i8, day: i8) -> Date {
        Date::new(y, m, day).expect("date")
    }

    #[test]
    fn a_birth_date_is_read_however_a_form_writes_it() {
        let want = d(1950, 4, 1);
        for raw in [
            "1950-04-01",
            "1950/4/1",
            "1950.4.1",
            "19500401",
            "1950年4月1日",
            "１９５０年４月１日",
            " 1950 / 04 / 01 ",
            "昭和25年4月1日",
            "S25.4.1",
            "s25/4/1",
            "Ｓ２５．４．１",
        ] {
            assert_eq!(read(raw), Some(want), "{raw}");
        }
        assert_eq!(read("平成元年1月8日"), Some(d(1989, 1, 8)));
        assert_eq!(read("令和2年2月29日"), Some(d(2020, 2, 29)));
        assert_eq!(read("T15.12.24"), Some(d(1926, 12, 24)));
    }

    #[test]
    fn what_is_not_a_date_is_not_read_as_one() {
        for raw in ["", "山田", "1950-13-01", "1950-02-30", "50/4/1", "1950-4", "0312345678", "S0.4.1", "S100.1.1", "1950-04-01-02", "令和"]
        {
            assert_eq!(read(raw), None, "{raw}");
        }
    }

    #[test]
    fn a_birth_date_after_today_or_before_1868_is_out_of_range() {
        let today = d(2026, 12, 2);
        assert_eq!(parse("2026-12-02", today), Ok(today));
        assert_eq!(parse("2026-12-03", today), Err(BirthDateProblem::Range));
        assert_eq!(parse("1867-12-31", today), Err(BirthDateProblem::Range));
        assert_eq!(parse("いつか", today), Err(BirthDateProblem::Format));
    }

    #[test]
    fn age_counts_whole_years_and_turns_on_the_birthday() {
        let birth = d(1950, 4, 1);
        assert_eq!(age_on(birth, d(2026, 3, 31)), 75);
        assert_eq!(age_on(birth, d(2026, 4, 1)), 76);
        assert_eq!(age_on(d(2000, 2, 29), d(2025, 2, 28)), 24);
        assert_eq!(age_on(d(2000, 2, 29), d(2025, 3, 1)), 25);
        assert_eq!(stored(birth), "1950-04-01");
        assert_eq!(shown("1950-04-01", d(2026, 4, 1), false), "1950年4月1日（76歳）");
        assert_eq!(shown("1950-04-01", d(2026, 3, 31), true), "1950-04-01 (age 75)");
        assert_eq!(shown("", d(2026, 3, 31), true), "");
    }
}
