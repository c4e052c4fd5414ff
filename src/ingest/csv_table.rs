//! Reading a CSV table as planners and SCB write them: `,` or `;` separated (SCB's own export
//! uses `;`), UTF-8 with or without a byte-order mark, å ä ö in headers and values, columns
//! found by name through the manifest's column mapping.

use std::path::{Path, PathBuf};

use csv::StringRecord;

use super::gdal_source::list_or_none;
use super::{Findings, Problem};
use crate::config::TableSource;

/// A CSV file read into memory, its separator detected and its header parsed.
pub(crate) struct CsvFile {
    /// Path for messages.
    pub file: PathBuf,
    text: String,
    delimiter: u8,
    /// Header names, trimmed.
    pub headers: Vec<String>,
}

/// Whether a column must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Missing is a problem.
    Required,
    /// Missing is fine (a default applies).
    Optional,
}

/// One column we look for: our name and whether it must be there.
pub(crate) type Wanted<'a> = (&'a str, Need);

/// Where each wanted column is in the file (`None`: optional and absent).
pub(crate) struct Columns {
    index: Vec<Option<usize>>,
    names: Vec<String>,
}

impl Columns {
    /// Columns found elsewhere (a GDAL layer's fields).
    pub fn from_parts(index: Vec<Option<usize>>, names: Vec<String>) -> Self {
        Self { index, names }
    }
    /// Position of the `i`-th wanted column in the file.
    pub fn get(&self, i: usize) -> Option<usize> {
        self.index.get(i).copied().flatten()
    }
    /// The file's name of the `i`-th wanted column.
    pub fn name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }
}

impl CsvFile {
    /// Reads `file`. A missing or unreadable file, UTF-16 text or a file without a header line
    /// is a problem; text that is not UTF-8 is read as Latin-1 (Windows-1252) with a warning.
    pub fn open(file: &Path, found: &mut Findings) -> Option<Self> {
        let bytes = match crate::embedded::read(file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                found.problem(Problem::new(file, "file not found"));
                return None;
            }
            Err(e) => {
                found.problem(Problem::new(file, format!("cannot read file: {e}")));
                return None;
            }
        };
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            found.problem(Problem::new(
                file,
                "is UTF-16 text; save it as CSV UTF-8 (comma or semicolon separated)",
            ));
            return None;
        }
        let bytes = bytes
            .strip_prefix(&[0xEF, 0xBB, 0xBF])
            .unwrap_or(bytes.as_slice());
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t.to_string(),
            Err(_) => {
                found.warning(Problem::new(
                    file,
                    "is not UTF-8; read as Latin-1 (Windows-1252); save it as CSV UTF-8 to be sure å, ä, ö are right",
                ));
                bytes.iter().map(|&b| char::from(b)).collect()
            }
        };
        let Some(first_line) = text.lines().find(|l| !l.trim().is_empty()) else {
            found.problem(Problem::new(file, "is empty (no header line)"));
            return None;
        };
        let delimiter = detect_delimiter(first_line);
        let mut this = Self {
            file: file.to_path_buf(),
            text,
            delimiter,
            headers: Vec::new(),
        };
        let headers = match this.reader().headers() {
            Ok(h) => h.iter().map(clean_header).collect(),
            Err(e) => {
                found.problem(Problem::new(file, format!("cannot read the header: {e}")));
                return None;
            }
        };
        this.headers = headers;
        Some(this)
    }

    fn reader(&self) -> csv::Reader<&[u8]> {
        csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(self.text.as_bytes())
    }

    /// Finds the wanted columns, through the manifest's mapping (`source.column`), by exact
    /// name and then ignoring case. A missing required column is a problem naming the columns
    /// found; `None` then.
    pub fn columns(
        &self,
        source: &TableSource,
        wanted: &[Wanted<'_>],
        found: &mut Findings,
    ) -> Option<Columns> {
        let mut index = Vec::with_capacity(wanted.len());
        let mut names = Vec::with_capacity(wanted.len());
        let mut complete = true;
        for &(ours, need) in wanted {
            let theirs = source.column(ours);
            let at = self.headers.iter().position(|h| h == theirs).or_else(|| {
                self.headers
                    .iter()
                    .position(|h| h.to_lowercase() == theirs.to_lowercase())
            });
            if at.is_none() && need == Need::Required {
                complete = false;
                let mapped = if theirs != ours {
                    format!(" (our '{ours}', mapped in the manifest)")
                } else {
                    String::new()
                };
                found.problem(
                    Problem::new(
                        &self.file,
                        format!(
                            "missing column '{theirs}'{mapped} (columns found: {})",
                            list_or_none(&self.headers)
                        ),
                    )
                    .in_field(theirs),
                );
            }
            index.push(at);
            names.push(theirs.to_string());
        }
        complete.then_some(Columns { index, names })
    }

    /// Calls `each` with every data row and its 1-based number (header not counted). Rows with
    /// fewer fields than the header, and rows the CSV parser rejects, are problems and left out;
    /// rows with only empty fields are skipped.
    pub fn each_row(&self, found: &mut Findings, mut each: impl FnMut(&Row, &mut Findings)) {
        let width = self.headers.len();
        for (i, rec) in self.reader().into_records().enumerate() {
            let row = i as u64 + 1;
            match rec {
                Ok(r) if r.iter().all(str::is_empty) => {}
                Ok(r) if r.len() >= width => each(&Row { row, record: r }, found),
                Ok(r) => found.problem(
                    Problem::new(
                        &self.file,
                        format!(
                            "row has {} field{}, the header has {width} (wrong separator or a missing value?)",
                            r.len(),
                            if r.len() == 1 { "" } else { "s" }
                        ),
                    )
                    .at_row(Some(row)),
                ),
                Err(e) => found.problem(
                    Problem::new(&self.file, format!("cannot read row: {e}")).at_row(Some(row)),
                ),
            }
        }
    }
}

/// One data row.
pub(crate) struct Row {
    /// 1-based data row number.
    pub row: u64,
    record: StringRecord,
}

impl Row {
    /// The value at file column `at` (trimmed), or `""`.
    pub fn get(&self, at: Option<usize>) -> &str {
        at.and_then(|i| self.record.get(i)).unwrap_or("")
    }
}

/// `;` when the header has more semicolons than commas (SCB's export), a tab when it has more
/// tabs than either, else `,`. Quoted text is not counted.
fn detect_delimiter(header: &str) -> u8 {
    let (mut commas, mut semis, mut tabs, mut quoted) = (0usize, 0usize, 0usize, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > commas && tabs > semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

/// A header name without surrounding whitespace or a stray byte-order mark.
fn clean_header(h: &str) -> String {
    h.trim().trim_start_matches('\u{feff}').trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separator_from_header() {
        assert_eq!(detect_delimiter("district,year,persons"), b',');
        assert_eq!(detect_delimiter("område;år;antal"), b';');
        assert_eq!(detect_delimiter("\"a;b\",c"), b',');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
    }
}
