//! Statistikdatabasen's CSV download as it comes: title lines above the header and footnotes
//! below it, `,` `;` or tab between quoted fields, UTF-8 (with or without BOM) or Latin-1
//! (Windows-1252), one column per dimension followed by value columns that are either one per
//! measure (`Folkmängd`) or one per year (`2024`, `Folkmängd 2024`, `Inflyttningar 1968`).

use std::collections::HashMap;

use super::{value, Category, Cell, Dimension, Format, Role, ScbError, ScbTable};

/// Parses a Statistikdatabasen CSV file.
pub(super) fn parse(bytes: &[u8]) -> Result<ScbTable, Vec<ScbError>> {
    let text = decode(bytes);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let (delimiter, width) = detect(&lines).ok_or_else(|| {
        vec![ScbError::new(
            "no header line with two or more columns found",
        )]
    })?;
    let split_line = |l: &str| split(l, delimiter);
    let header_at = lines
        .iter()
        .position(|l| !l.trim().is_empty() && split_line(l).len() == width)
        .ok_or_else(|| vec![ScbError::new("no header line found")])?;
    let title = lines[..header_at]
        .iter()
        .map(|l| l.trim().trim_matches('"').trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let headers: Vec<String> = split_line(lines[header_at])
        .into_iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();

    let mut errors = Vec::new();
    // Data rows: every line of the header's width after it. A line of another width before the
    // first blank line is a broken row; after a blank line it is a footnote.
    let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
    let mut after_blank = false;
    for line in &lines[header_at + 1..] {
        if line.trim().is_empty() {
            after_blank = !rows.is_empty();
            continue;
        }
        let fields = split_line(line);
        if fields.len() == width {
            rows.push((rows.len() as u64 + 1, fields));
        } else if !after_blank {
            errors.push(
                ScbError::new(format!(
                    "row has {} field{}, the header has {width} (wrong separator or a missing value?)",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" }
                ))
                .at(rows.len() as u64 + 1),
            );
        }
    }
    if rows.is_empty() {
        errors.push(ScbError::new("no data rows below the header"));
        return Err(errors);
    }

    // The value columns are the trailing ones: those named by a year, or holding only numbers
    // (and SCB's symbols) under a header that is not a dimension's name.
    let is_value_column = |i: usize| {
        let h = &headers[i];
        if Role::of(h, h) != Role::Other {
            return false;
        }
        split_time(h).is_some() || rows.iter().all(|(_, f)| value(&f[i]).is_ok())
    };
    let first_value = (0..width).find(|&i| is_value_column(i) && (i..width).all(is_value_column));
    let Some(first_value) = first_value.filter(|&v| v > 0) else {
        errors.push(ScbError::new(format!(
            "cannot tell dimension columns from value columns in the header ({}): expected e.g. \"region\",\"ålder\",\"kön\",\"2024\"",
            headers.join(", ")
        )));
        return Err(errors);
    };

    let mut dimensions: Vec<Dimension> = headers[..first_value]
        .iter()
        .map(|h| Dimension {
            code: h.clone(),
            label: h.clone(),
            role: Role::of(h, h),
            categories: Vec::new(),
        })
        .collect();
    // Each value column: (contents, time) from its header.
    let value_columns: Vec<(Option<String>, Option<String>)> = headers[first_value..]
        .iter()
        .map(|h| match split_time(h) {
            Some((contents, time)) => (contents, Some(time)),
            None => (Some(h.clone()), None),
        })
        .collect();
    let has_time_column = dimensions.iter().any(|d| d.role == Role::Time);
    let times_in_header = value_columns.iter().any(|(_, t)| t.is_some());
    if has_time_column && times_in_header {
        errors.push(ScbError::new(
            "the table has a time column and years in the value columns' names; expected one of them",
        ));
        return Err(errors);
    }
    let contents_dim = value_columns.iter().any(|(c, _)| c.is_some()).then(|| {
        dimensions.push(Dimension {
            code: "ContentsCode".into(),
            label: "tabellinnehåll".into(),
            role: Role::Contents,
            categories: Vec::new(),
        });
        dimensions.len() - 1
    });
    let time_dim = times_in_header.then(|| {
        dimensions.push(Dimension {
            code: "Tid".into(),
            label: "år".into(),
            role: Role::Time,
            categories: Vec::new(),
        });
        dimensions.len() - 1
    });

    let mut index: Vec<HashMap<String, usize>> = vec![HashMap::new(); dimensions.len()];
    let mut intern = |dims: &mut Vec<Dimension>, d: usize, c: Category| -> usize {
        let key = c.code.clone();
        *index[d].entry(key).or_insert_with(|| {
            dims[d].categories.push(c);
            dims[d].categories.len() - 1
        })
    };

    let mut cells = Vec::with_capacity(rows.len() * value_columns.len());
    for (row, fields) in &rows {
        let mut base = Vec::with_capacity(dimensions.len());
        for (d, raw) in fields[..first_value].iter().enumerate() {
            let raw = raw.trim();
            let category = if dimensions[d].role == Role::Region {
                region(raw)
            } else {
                Category {
                    code: raw.to_string(),
                    label: raw.to_string(),
                }
            };
            base.push(intern(&mut dimensions, d, category));
        }
        for (k, (contents, time)) in value_columns.iter().enumerate() {
            let raw = &fields[first_value + k];
            let parsed = match value(raw) {
                Ok(v) => v,
                Err(message) => {
                    errors.push(
                        ScbError::new(message)
                            .at(*row)
                            .field(&headers[first_value + k])
                            .value(raw.trim()),
                    );
                    continue;
                }
            };
            let mut categories = base.clone();
            if let Some(d) = contents_dim {
                let c = contents.clone().unwrap_or_default();
                categories.push(intern(
                    &mut dimensions,
                    d,
                    Category {
                        code: c.clone(),
                        label: c,
                    },
                ));
            }
            if let (Some(d), Some(t)) = (time_dim, time) {
                categories.push(intern(
                    &mut dimensions,
                    d,
                    Category {
                        code: t.clone(),
                        label: t.clone(),
                    },
                ));
            }
            cells.push(Cell {
                categories,
                value: parsed,
                row: *row,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ScbTable {
        format: Format::PxwebCsv,
        title: (!title.is_empty()).then_some(title),
        dimensions,
        cells,
    })
}

/// UTF-8 (a BOM is dropped), or else Windows-1252, the encoding of Statistikdatabasen's
/// classic "CSV (Latin-1)" download.
pub(super) fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

/// A Windows-1252 byte as a char (Latin-1 except 0x80–0x9F).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The separator and header width: for each of `;`, tab and `,`, the most common number of
/// fields among lines with at least two; the separator whose most common width is shared by
/// the most lines wins (title lines and footnotes are a minority).
fn detect(lines: &[&str]) -> Option<(u8, usize)> {
    let mut best: Option<(usize, u8, usize)> = None;
    for d in [b';', b'\t', b','] {
        let mut counts: HashMap<usize, usize> = HashMap::new();
        for l in lines.iter().filter(|l| !l.trim().is_empty()) {
            let n = split(l, d).len();
            if n >= 2 {
                *counts.entry(n).or_default() += 1;
            }
        }
        if let Some((&width, &lines_with)) = counts.iter().max_by_key(|(w, n)| (**n, **w)) {
            if best.is_none_or(|(score, _, _)| lines_with > score) {
                best = Some((lines_with, d, width));
            }
        }
    }
    best.map(|(_, d, w)| (d, w))
}

/// Splits one line at `delimiter` outside double quotes; quotes are removed (`""` is a quote).
fn split(line: &str, delimiter: u8) -> Vec<String> {
    let delimiter = char::from(delimiter);
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == delimiter && !quoted => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out.push(field);
    out
}

/// `Folkmängd 2024` → (`Folkmängd`, `2024`); `2024` → (none, `2024`); also `2026M01`, `2024K1`.
fn split_time(header: &str) -> Option<(Option<String>, String)> {
    let h = header.trim();
    let (rest, last) = match h.rsplit_once(' ') {
        Some((rest, last)) => (Some(rest.trim()), last),
        None => (None, h),
    };
    let b = last.as_bytes();
    let year = b.len() >= 4 && b[..4].iter().all(u8::is_ascii_digit);
    let tail_ok = match &b[4.min(b.len())..] {
        [] => true,
        [b'M', m1, m2] => m1.is_ascii_digit() && m2.is_ascii_digit(),
        [b'K', q] => q.is_ascii_digit(),
        _ => false,
    };
    (year && tail_ok).then(|| {
        (
            rest.filter(|r| !r.is_empty()).map(str::to_string),
            last.to_string(),
        )
    })
}

/// `1489 Alingsås` → code `1489`, label `Alingsås`; `1489A0010` → both `1489A0010`.
fn region(raw: &str) -> Category {
    if let Some((code, name)) = raw.split_once(' ') {
        if code.chars().any(|c| c.is_ascii_digit())
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Category {
                code: code.to_string(),
                label: name.trim().to_string(),
            };
        }
    }
    Category {
        code: raw.to_string(),
        label: raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_in_headers() {
        assert_eq!(
            split_time("Folkmängd 2024"),
            Some((Some("Folkmängd".into()), "2024".into()))
        );
        assert_eq!(split_time("2024"), Some((None, "2024".into())));
        assert_eq!(split_time("2026M01"), Some((None, "2026M01".into())));
        assert_eq!(split_time("Folkmängd"), None);
        assert_eq!(split_time("ålder"), None);
    }

    #[test]
    fn regions_with_names() {
        assert_eq!(region("1489 Alingsås").code, "1489");
        assert_eq!(region("1489 Alingsås").label, "Alingsås");
        assert_eq!(region("1489A0010").code, "1489A0010");
        assert_eq!(region("Riket").code, "Riket");
    }

    #[test]
    fn latin1_and_quotes() {
        assert_eq!(decode(b"\"\xe5r\";\"k\xf6n\""), "\"år\";\"kön\"");
        assert_eq!(split("\"a;b\";c", b';'), vec!["a;b", "c"]);
        assert_eq!(split("\"say \"\"hi\"\"\",x", b','), vec!["say \"hi\"", "x"]);
    }
}
