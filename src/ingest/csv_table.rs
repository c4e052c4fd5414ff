//! Reading a CSV table as planners and SCB write them: `,` or `;` separated (SCB's own export
//! uses `;`), UTF-8 with or without a byte-order mark, å ä ö in headers and values; read row
//! by row through [`super::rows`].

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use super::gdal_source::{display_path, list_or_none};
use super::rows::{EachRow, Record, RowSource};
use super::{Ctx, Finding, Findings};

/// A CSV file read into memory, its separator detected and its header parsed.
pub(crate) struct CsvFile {
    /// Path for messages.
    pub file: PathBuf,
    text: String,
    delimiter: u8,
    /// Header names, trimmed.
    pub headers: Vec<String>,
}

/// Opens the CSV of a table part (`path` relative to the manifest).
pub(crate) fn open_csv(ctx: &Ctx<'_>, path: &str, found: &mut Findings) -> Option<CsvFile> {
    CsvFile::open(&display_path(ctx.manifest, path), found)
}

impl CsvFile {
    /// Reads `file`. A missing or unreadable file, UTF-16 text or a file without a header line
    /// is a problem; text that is not UTF-8 is read as Latin-1 (Windows-1252) with a warning.
    pub fn open(file: &Path, found: &mut Findings) -> Option<Self> {
        let bytes = match crate::embedded::read(file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                found.problem(Finding::new(file, "file not found"));
                return None;
            }
            Err(e) => {
                found.problem(Finding::new(file, format!("cannot read file: {e}")));
                return None;
            }
        };
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            found.problem(Finding::new(
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
                found.warning(Finding::new(
                    file,
                    "is not UTF-8; read as Latin-1 (Windows-1252); save it as CSV UTF-8 to be sure å, ä, ö are right",
                ));
                bytes.iter().map(|&b| char::from(b)).collect()
            }
        };
        let Some(first_line) = text.lines().find(|l| !l.trim().is_empty()) else {
            found.problem(Finding::new(file, "is empty (no header line)"));
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
                found.problem(Finding::new(file, format!("cannot read the header: {e}")));
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
}

impl RowSource for CsvFile {
    fn file(&self) -> &Path {
        &self.file
    }

    /// By exact name, then ignoring case.
    fn find(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name).or_else(|| {
            self.headers
                .iter()
                .position(|h| h.to_lowercase() == name.to_lowercase())
        })
    }

    fn missing(&self, theirs: &str, ours: &str) -> Finding {
        let mapped = if theirs != ours {
            format!(" (our '{ours}', mapped in the manifest)")
        } else {
            String::new()
        };
        Finding::new(
            &self.file,
            format!(
                "missing column '{theirs}'{mapped} (columns found: {})",
                list_or_none(&self.headers)
            ),
        )
    }

    /// Every data row and its 1-based number (header not counted). Rows with fewer fields than
    /// the header, and rows the CSV parser rejects, are problems and left out; rows with only
    /// empty fields are skipped.
    fn each(&mut self, found: &mut Findings, each: &mut EachRow<'_>) {
        let width = self.headers.len();
        for (i, rec) in self.reader().into_records().enumerate() {
            let row = i as u64 + 1;
            match rec {
                Ok(r) if r.iter().all(str::is_empty) => {}
                Ok(r) if r.len() >= width => each(Some(row), &r, found),
                Ok(r) => found.problem(
                    Finding::new(
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
                    Finding::new(&self.file, format!("cannot read row: {e}")).at_row(Some(row)),
                ),
            }
        }
    }
}

impl Record for StringRecord {
    fn text(&self, at: usize) -> Cow<'_, str> {
        Cow::Borrowed(self.get(at).unwrap_or(""))
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
