//! The `datetime` parameter: an instant, a date, a year or an interval with open ends (`..`).
//!
//! Each `demand` feature describes one calendar year, so it is valid from 1 January 00:00:00
//! to 31 December 23:59:59 (UTC) of that year, and a query selects it when the two intervals
//! meet. A bare year (`2030`) is accepted as an extension of RFC 3339 and means that whole
//! year. Times are whole seconds since the Unix epoch.

use chrono::{DateTime, NaiveDate};

/// A closed interval of time in seconds since the epoch, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSpan {
    /// First second.
    pub start: i64,
    /// Last second.
    pub end: i64,
}

/// A `datetime` query: an interval whose ends may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeQuery {
    /// Start, `None` when open (`..`).
    pub start: Option<i64>,
    /// End, `None` when open.
    pub end: Option<i64>,
}

impl TimeSpan {
    /// The calendar year `year`, 1 January 00:00:00 to 31 December 23:59:59 UTC.
    pub fn year(year: i32) -> Option<Self> {
        let start = day_start(NaiveDate::from_ymd_opt(year, 1, 1)?);
        let end = day_start(NaiveDate::from_ymd_opt(year, 12, 31)?) + 86_399;
        Some(Self { start, end })
    }

    /// True when this span and the query share at least one second.
    pub fn meets(&self, q: &TimeQuery) -> bool {
        q.start.is_none_or(|s| self.end >= s) && q.end.is_none_or(|e| self.start <= e)
    }

    /// RFC 3339 text of the start.
    pub fn start_text(&self) -> String {
        rfc3339(self.start)
    }

    /// RFC 3339 text of the end.
    pub fn end_text(&self) -> String {
        rfc3339(self.end)
    }
}

impl TimeQuery {
    /// The intersection of two queries (both must hold).
    pub fn and(self, other: TimeQuery) -> TimeQuery {
        TimeQuery {
            start: match (self.start, other.start) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            end: match (self.end, other.end) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }
}

fn day_start(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default()
}

fn rfc3339(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// One end of an interval (or a single value): the span it covers, or `None` for open.
fn parse_token(t: &str) -> Result<Option<TimeSpan>, String> {
    let t = t.trim();
    if t.is_empty() || t == ".." {
        return Ok(None);
    }
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        let y: i32 = t.parse().map_err(|_| format!("'{t}' is not a year"))?;
        return TimeSpan::year(y)
            .map(Some)
            .ok_or_else(|| format!("'{t}' is not a year"));
    }
    if t.len() == 10 {
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            let start = day_start(d);
            return Ok(Some(TimeSpan {
                start,
                end: start + 86_399,
            }));
        }
    }
    let dt = DateTime::parse_from_rfc3339(t).map_err(|_| {
        format!("'{t}' is not an RFC 3339 date-time (2030-12-31T00:00:00Z), a date (2030-12-31) or a year (2030)")
    })?;
    let s = dt.timestamp();
    Ok(Some(TimeSpan { start: s, end: s }))
}

/// Parses a `datetime` value: `2030`, `2030-12-31`, `2030-12-31T00:00:00Z`, or an interval
/// `start/end` of those where either end may be `..` or empty.
pub fn parse_datetime(value: &str) -> Result<TimeQuery, String> {
    match value.split_once('/') {
        None => {
            let span = parse_token(value)?.ok_or("a single '..' is not a time")?;
            Ok(TimeQuery {
                start: Some(span.start),
                end: Some(span.end),
            })
        }
        Some((a, b)) => {
            if b.contains('/') {
                return Err("an interval has exactly one '/'".into());
            }
            let start = parse_token(a)?.map(|s| s.start);
            let end = parse_token(b)?.map(|s| s.end);
            if let (Some(s), Some(e)) = (start, end) {
                if s > e {
                    return Err("the interval ends before it starts".into());
                }
            }
            Ok(TimeQuery { start, end })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year(y: i32) -> TimeSpan {
        TimeSpan::year(y).unwrap()
    }

    #[test]
    fn a_year_selects_that_year_only() {
        let q = parse_datetime("2030").unwrap();
        assert!(year(2030).meets(&q));
        assert!(!year(2029).meets(&q));
        assert!(!year(2031).meets(&q));
    }

    #[test]
    fn instants_dates_and_intervals() {
        let q = parse_datetime("2030-06-15T12:00:00Z").unwrap();
        assert!(year(2030).meets(&q));
        assert!(!year(2031).meets(&q));
        let q = parse_datetime("2025/2027").unwrap();
        assert!(!year(2024).meets(&q));
        assert!(year(2025).meets(&q) && year(2027).meets(&q));
        assert!(!year(2028).meets(&q));
        let q = parse_datetime("2028-01-01T00:00:00Z/..").unwrap();
        assert!(!year(2027).meets(&q) && year(2028).meets(&q) && year(2100).meets(&q));
        let q = parse_datetime("../2026-12-31").unwrap();
        assert!(year(2026).meets(&q) && !year(2027).meets(&q));
        // QGIS's open upper bound.
        let q = parse_datetime("2026-01-01T00:00:00Z/9999-12-31T00:00:00Z").unwrap();
        assert!(year(2026).meets(&q) && !year(2025).meets(&q));
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(parse_datetime("next year").is_err());
        assert!(parse_datetime("2030/2020").is_err());
        assert!(parse_datetime("..").is_err());
        assert!(parse_datetime("2020/2021/2022").is_err());
    }
}
