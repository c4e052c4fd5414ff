//! SCB's own download formats, read as they come from Statistikdatabasen, so that a planner
//! can name a downloaded file in a manifest without rewriting it into our long CSV.
//!
//! Three formats, one neutral result:
//! - **Statistikdatabasen CSV** (`pxweb-csv`): title lines above the header, `,` `;` or tab,
//!   UTF-8 with or without BOM or Latin-1 (Windows-1252), years as columns (`Folkmängd 2024`,
//!   `2024`) or as a column, regions written `1489 Alingsås` or `1489A0010`, footnotes below;
//! - **PxWebApi v2 JSON-stat2** (`jsonstat2`);
//! - **PxWeb API v1 JSON** (`pxweb-json`: `columns`, `data`, `comments`, `metadata`).
//!
//! [`parse`] turns any of them into a [`ScbTable`]: the table's dimensions, each with the role it
//! plays ([`Role`]: region, age, sex, time, contents, house type, tenure, other), and one
//! [`Cell`] per value with its category in every dimension. Nothing here knows our districts or
//! age bands: the mapper (`map`) turns a table into population, migration or dwelling records,
//! recognising totals (`totalt`, `1+2`, `TotSa`) so they are not counted twice, and reporting
//! region codes that are not districts.
//!
//! SCB's symbols: `..` (not available), `.` and `...` are missing values ([`Cell::value`] is
//! `None`); `-` means *nothing to report* (noll) and is read as 0.

use std::fmt;

mod csv;
mod json;
pub(crate) mod map;

/// One of SCB's download formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Statistikdatabasen's CSV download (`format = "pxweb-csv"`).
    PxwebCsv,
    /// PxWebApi v2 JSON-stat 2.0 (`format = "jsonstat2"`).
    JsonStat2,
    /// PxWeb API v1 JSON (`format = "pxweb-json"`).
    PxwebJson,
}

impl Format {
    /// The manifest's name of the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::PxwebCsv => "pxweb-csv",
            Format::JsonStat2 => "jsonstat2",
            Format::PxwebJson => "pxweb-json",
        }
    }

    /// The format named in a manifest (`pxweb-csv`, `jsonstat2`, `pxweb-json`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_lowercase().as_str() {
            "pxweb-csv" | "scb-csv" => Some(Format::PxwebCsv),
            "jsonstat2" | "json-stat2" | "jsonstat" => Some(Format::JsonStat2),
            "pxweb-json" | "px-json" => Some(Format::PxwebJson),
            _ => None,
        }
    }

    /// Guesses the format from a file's first bytes: JSON with `columns` and `data` is v1,
    /// other JSON is JSON-stat2, anything else Statistikdatabasen CSV.
    pub fn sniff(bytes: &[u8]) -> Self {
        let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
        if start.map(|i| bytes[i]) != Some(b'{') {
            return Format::PxwebCsv;
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        if head.contains("\"columns\"") && !head.contains("\"dimension\"") {
            Format::PxwebJson
        } else {
            Format::JsonStat2
        }
    }
}

/// What a dimension of an SCB table stands for, from its code or label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `Region` / `region`: kommun, DeSO, RegSO, län or riket.
    Region,
    /// `Alder` / `ålder`.
    Age,
    /// `Kon` / `kön`.
    Sex,
    /// `Tid` / `år` (or `månad`, `kvartal`).
    Time,
    /// `ContentsCode` / `tabellinnehåll`: what is counted (folkmängd, inflyttningar …).
    Contents,
    /// `Hustyp`: type of building.
    BuildingType,
    /// `Upplatelseform` / `upplåtelseform`: tenure.
    Tenure,
    /// Anything else (civilstånd, födelseland …).
    Other,
}

impl Role {
    /// The role of a dimension with this code and label.
    pub fn of(code: &str, label: &str) -> Self {
        let matches = |names: &[&str]| {
            let (c, l) = (code.trim().to_lowercase(), label.trim().to_lowercase());
            names.iter().any(|n| c == *n || l == *n)
        };
        if matches(&["region", "område", "kommun", "deso", "regso"]) {
            Role::Region
        } else if matches(&["alder", "ålder", "age", "åldersgrupp"]) {
            Role::Age
        } else if matches(&["kon", "kön", "sex"]) {
            Role::Sex
        } else if matches(&["tid", "år", "year", "månad", "kvartal", "time"]) {
            Role::Time
        } else if matches(&["contentscode", "tabellinnehåll", "contents"]) {
            Role::Contents
        } else if matches(&["hustyp", "building type", "bostadstyp"]) {
            Role::BuildingType
        } else if matches(&["upplatelseform", "upplåtelseform", "tenure"]) {
            Role::Tenure
        } else {
            Role::Other
        }
    }
}

/// One dimension (variable) of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// SCB's code (`Region`, `Alder`, `ContentsCode`), or the CSV header.
    pub code: String,
    /// Its label (`region`, `ålder`, `tabellinnehåll`).
    pub label: String,
    /// What it stands for.
    pub role: Role,
    /// Its categories in the table's order.
    pub categories: Vec<Category>,
}

/// One category (value) of a dimension.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Category {
    /// SCB's code (`1489`, `1`, `BE0101N1`, `2024`); in a CSV the code part of `1489 Alingsås`
    /// or the text itself.
    pub code: String,
    /// Its label (`Alingsås`, `män`, `Folkmängd`).
    pub label: String,
}

impl Category {
    /// True for a total over the dimension: `totalt`, `totalt ålder`, `1+2`, `TotSa`, `tot`,
    /// `samtliga …`.
    pub fn is_total(&self) -> bool {
        let total = |s: &str| {
            let s = s.trim().to_lowercase();
            matches!(
                s.as_str(),
                "tot" | "totsa" | "1+2" | "total" | "totalt" | "alla"
            ) || s.starts_with("totalt")
                || s.starts_with("samtliga")
        };
        total(&self.code) || total(&self.label)
    }

    /// `code label`, or one of them when they are the same, for messages.
    pub fn text(&self) -> String {
        if self.code == self.label || self.label.is_empty() {
            self.code.clone()
        } else {
            format!("{} {}", self.code, self.label)
        }
    }
}

/// One value of a table with its category in every dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Index into each dimension's categories, in the order of [`ScbTable::dimensions`].
    pub categories: Vec<usize>,
    /// The number; `None` for SCB's missing-value symbols (`..`, `.`, `...`).
    pub value: Option<f64>,
    /// Where it was read: the 1-based data row of a CSV (header and title lines not counted),
    /// or the 1-based position in JSON-stat's `value` or v1's `data`.
    pub row: u64,
}

/// A table in SCB's dimensions, whatever format it came in: the neutral long form.
#[derive(Debug, Clone, PartialEq)]
pub struct ScbTable {
    /// Which format it was read from.
    pub format: Format,
    /// The title (`label` in JSON, the title line of a CSV), if any.
    pub title: Option<String>,
    /// The dimensions.
    pub dimensions: Vec<Dimension>,
    /// Every value.
    pub cells: Vec<Cell>,
}

impl ScbTable {
    /// The first dimension with `role`, as its index.
    pub fn dimension(&self, role: Role) -> Option<usize> {
        self.dimensions.iter().position(|d| d.role == role)
    }

    /// The category of `cell` in dimension `dim`.
    pub fn category(&self, cell: &Cell, dim: usize) -> &Category {
        &self.dimensions[dim].categories[cell.categories[dim]]
    }
}

/// Why a file could not be read as an SCB table, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScbError {
    /// Data row (CSV) or value position (JSON), 1-based.
    pub row: Option<u64>,
    /// Column or dimension concerned.
    pub field: Option<String>,
    /// The offending value as read.
    pub value: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ScbError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            row: None,
            field: None,
            value: None,
            message: message.into(),
        }
    }
    pub(crate) fn at(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }
    pub(crate) fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
    pub(crate) fn value(mut self, value: &str) -> Self {
        self.value = Some(value.to_string());
        self
    }
}

impl fmt::Display for ScbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(row) = self.row {
            write!(f, "row {row}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "field '{field}': ")?;
        }
        if let Some(value) = &self.value {
            write!(f, "value '{value}': ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Reads a file's bytes as an SCB table in `format` (or the format [`Format::sniff`] finds).
/// Every problem found is returned, not only the first.
///
/// # Examples
///
/// ```
/// use housing_need::ingest::scb::{parse, Role};
///
/// let csv = "\"Folkmängden efter region, ålder och kön\"\n\n\
///            \"region\";\"ålder\";\"kön\";\"2024\";\"2025\"\n\
///            \"1489 Alingsås\";\"0 år\";\"män\";\"201\";\"..\"\n";
/// let table = parse(csv.as_bytes(), None).unwrap();
/// let region = table.dimension(Role::Region).unwrap();
/// assert_eq!(table.category(&table.cells[0], region).code, "1489");
/// assert_eq!(table.cells[0].value, Some(201.0));
/// assert_eq!(table.cells[1].value, None); // `..`: not available
/// ```
pub fn parse(bytes: &[u8], format: Option<Format>) -> Result<ScbTable, Vec<ScbError>> {
    match format.unwrap_or_else(|| Format::sniff(bytes)) {
        Format::PxwebCsv => csv::parse(bytes),
        Format::JsonStat2 => json::parse_jsonstat2(bytes),
        Format::PxwebJson => json::parse_pxweb_v1(bytes),
    }
}

/// A value as SCB writes it: a number (decimal comma or point, spaces as thousands
/// separators), `-` for nothing (0), or a missing-value symbol (`None`).
pub(crate) fn value(raw: &str) -> Result<Option<f64>, String> {
    let t = raw.trim();
    match t {
        "" | ".." | "." | "..." | "…" => return Ok(None),
        "-" | "–" => return Ok(Some(0.0)),
        _ => {}
    }
    let cleaned: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let cleaned = if cleaned.matches(',').count() == 1 && !cleaned.contains('.') {
        cleaned.replace(',', ".")
    } else {
        cleaned
    };
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err("not a number (nor one of SCB's symbols `..`, `.`, `-`)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_and_numbers() {
        assert_eq!(value("1 234"), Ok(Some(1234.0)));
        assert_eq!(value("0,5"), Ok(Some(0.5)));
        assert_eq!(value(".."), Ok(None));
        assert_eq!(value("-"), Ok(Some(0.0)));
        assert!(value("abc").is_err());
    }

    #[test]
    fn totals() {
        let c = |code: &str, label: &str| Category {
            code: code.into(),
            label: label.into(),
        };
        assert!(c("TotSa", "totalt, samtliga män och kvinnor").is_total());
        assert!(c("1+2", "1+2").is_total());
        assert!(c("totalt ålder", "totalt ålder").is_total());
        assert!(c("tot", "totalt").is_total());
        assert!(!c("1", "män").is_total());
        assert!(!c("80-", "80- år").is_total());
    }

    #[test]
    fn formats_by_content() {
        assert_eq!(
            Format::sniff(b"{\"columns\":[],\"data\":[]}"),
            Format::PxwebJson
        );
        assert_eq!(
            Format::sniff(b" {\"class\":\"dataset\",\"dimension\":{}}"),
            Format::JsonStat2
        );
        assert_eq!(Format::sniff(b"\"region\",\"2024\""), Format::PxwebCsv);
    }
}
