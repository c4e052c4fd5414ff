//! Reading single values as written in tables and layers: counts, numbers, years, dates and
//! yes/no flags. Each returns a plain-words message on failure; the caller adds file, row,
//! field and value.

use chrono::NaiveDate;

/// A number; a decimal comma (`0,62`, as Swedish spreadsheets write it) is accepted.
pub(crate) fn number(raw: &str) -> Result<f64, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("empty value".into());
    }
    let owned;
    let t = if t.matches(',').count() == 1 && !t.contains('.') {
        owned = t.replace(',', ".");
        owned.as_str()
    } else {
        t
    };
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err("not a number".into()),
    }
}

/// A count of persons, migrants or dwellings: a whole number ≥ 0 (`12`, `12.0`).
pub(crate) fn count(raw: &str) -> Result<f64, String> {
    let v = number(raw).map_err(|e| format!("{e}: expected a whole number ≥ 0"))?;
    if v < 0.0 {
        return Err("negative count: expected a whole number ≥ 0".into());
    }
    if v.fract() != 0.0 {
        return Err("fractional count: expected a whole number ≥ 0".into());
    }
    Ok(v)
}

/// A non-negative number that may be fractional (departures per hour).
pub(crate) fn non_negative(raw: &str) -> Result<f64, String> {
    let v = number(raw).map_err(|e| format!("{e}: expected a number ≥ 0"))?;
    if v < 0.0 {
        return Err("negative value: expected a number ≥ 0".into());
    }
    Ok(v)
}

/// A calendar year: an integer from 1800 to 2200.
pub(crate) fn year(raw: &str) -> Result<i32, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("empty year".into());
    }
    let y: i32 = t
        .parse()
        .map_err(|_| "year is not an integer (expected e.g. 2018)".to_string())?;
    if !(1800..=2200).contains(&y) {
        return Err("year out of range 1800–2200".into());
    }
    Ok(y)
}

/// An ISO date `YYYY-MM-DD`; GDAL's own rendering `YYYY/MM/DD` and a trailing time
/// (`2021-03-04T00:00:00`, `2021/03/04 00:00:00`) are accepted too.
pub(crate) fn date(raw: &str) -> Result<NaiveDate, String> {
    let t = raw.trim();
    let day = t.get(..10).unwrap_or(t);
    let rest = t.get(10..).unwrap_or("");
    let time_ok = rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ');
    let parsed = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(day, "%Y/%m/%d"));
    match parsed {
        Ok(d) if time_ok => Ok(d),
        _ => Err("not a date (expected YYYY-MM-DD)".into()),
    }
}

/// A yes/no flag: `1`/`0`, `true`/`false`, `ja`/`nej`, `yes`/`no`; empty means no.
pub(crate) fn boolean(raw: &str) -> Result<bool, String> {
    match raw.trim().to_lowercase().as_str() {
        "1" | "true" | "t" | "ja" | "j" | "yes" | "y" => Ok(true),
        "0" | "false" | "f" | "nej" | "n" | "no" | "" => Ok(false),
        _ => Err("not a yes/no value (expected 1/0, true/false, ja/nej)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_whole_and_non_negative() {
        assert_eq!(count("12"), Ok(12.0));
        assert_eq!(count(" 12.0 "), Ok(12.0));
        assert!(count("-1").unwrap_err().starts_with("negative"));
        assert!(count("1.5").unwrap_err().starts_with("fractional"));
        assert!(count("1,5").unwrap_err().starts_with("fractional"));
        assert!(count("..").unwrap_err().starts_with("not a number"));
        assert!(count("").unwrap_err().starts_with("empty"));
        assert!(count("NaN").is_err());
    }

    #[test]
    fn decimal_comma_is_read() {
        assert_eq!(number("0,62"), Ok(0.62));
        assert!(number("1,234,5").is_err());
    }

    #[test]
    fn years_are_integers() {
        assert_eq!(year("2018"), Ok(2018));
        assert!(year("2018.5").is_err());
        assert!(year("tjugo").is_err());
        assert!(year("20180").is_err());
    }

    #[test]
    fn dates_in_iso_and_gdal_spelling() {
        let d = NaiveDate::from_ymd_opt(2021, 3, 4).unwrap();
        assert_eq!(date("2021-03-04"), Ok(d));
        assert_eq!(date("2021/03/04"), Ok(d));
        assert_eq!(date("2021/03/04 00:00:00"), Ok(d));
        assert!(date("2021-02-30").is_err());
        assert!(date("4 mars").is_err());
        assert!(date("2021-03-04x").is_err());
    }

    #[test]
    fn flags() {
        assert_eq!(boolean("ja"), Ok(true));
        assert_eq!(boolean("Nej"), Ok(false));
        assert_eq!(boolean(""), Ok(false));
        assert!(boolean("kanske").is_err());
    }
}
