//! What reading a dataset finds, each located as precisely as the source allows: one
//! [`Finding`] type with a [`Severity`]; [`Location`], where a value was read, to locate them;
//! the counts of each spatial join ([`PointJoin`]); and [`Findings`], where every reader
//! records them.

use std::fmt;
use std::path::{Path, PathBuf};

/// Whether a finding stops the dataset from loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The dataset is unusable: a missing file, an unknown district code, a negative count…
    Problem,
    /// A planner should see it, but the dataset loads: points in no district, pipeline dates
    /// out of order or after the snapshot date, districts without population.
    Warning,
}

/// One thing found in a dataset, located as precisely as the source allows, shown as
/// `FILE: row N: field 'F': value 'V': message` (leaving out what is unknown).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// Problem or warning. Not written in `check --json`, whose `problems` and `warnings`
    /// lists already say it.
    #[serde(skip)]
    pub severity: Severity,
    /// The file (or connection string) concerned.
    pub file: PathBuf,
    /// 1-based data row of a table (header not counted), or feature id (FID) of a layer;
    /// `None` for a whole file.
    pub row: Option<u64>,
    /// Field or column concerned.
    pub field: Option<String>,
    /// The offending value as read.
    pub value: Option<String>,
    /// What is wrong, or what the planner should know, in plain words.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(row) = self.row {
            write!(f, ": row {row}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field '{field}'")?;
        }
        if let Some(value) = &self.value {
            write!(f, ": value '{value}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl Finding {
    /// A finding about a whole file; a problem until recorded with [`Findings::warning`].
    pub(crate) fn new(file: &Path, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Problem,
            file: file.to_path_buf(),
            row: None,
            field: None,
            value: None,
            message: message.into(),
        }
    }
    /// At data row or FID `row`.
    pub(crate) fn at_row(mut self, row: Option<u64>) -> Self {
        self.row = row;
        self
    }
    /// In field `field`.
    pub(crate) fn in_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
    /// With the value concerned.
    pub(crate) fn with_value(mut self, value: &str) -> Self {
        self.value = Some(value.to_string());
        self
    }
}

/// Problems, warnings and join counts gathered while reading.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub problems: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub joins: Vec<PointJoin>,
}

impl Findings {
    /// Records a problem.
    pub fn problem(&mut self, mut f: Finding) {
        f.severity = Severity::Problem;
        self.problems.push(f);
    }
    /// Records a warning.
    pub fn warning(&mut self, mut f: Finding) {
        f.severity = Severity::Warning;
        self.warnings.push(f);
    }
}

/// Where a value was read: the file and the data row or FID.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Location<'a> {
    /// The file, for messages.
    pub file: &'a Path,
    /// Data row of a table, or FID of a layer.
    pub row: Option<u64>,
}

impl Location<'_> {
    /// A finding at this row.
    pub fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self.file, message).at_row(self.row)
    }
    /// Parses `value` (from column `field`) with `parse`; a problem naming the file, row, field
    /// and value on failure.
    pub fn parse<T>(
        &self,
        field: &str,
        value: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
        found: &mut Findings,
    ) -> Option<T> {
        match parse(value) {
            Ok(v) => Some(v),
            Err(message) => {
                found.problem(self.finding(message).in_field(field).with_value(value));
                None
            }
        }
    }
}

/// How a point layer joined to the districts: how many points were read, how many fell in no
/// district, and a few of those as examples.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PointJoin {
    /// Manifest part the points belong to (`population`, `pipeline`).
    pub part: String,
    /// The point source.
    pub file: PathBuf,
    /// Points read.
    pub points: u64,
    /// Points that fell in no district.
    pub outside: u64,
    /// Persons (or dwellings, for the pipeline) carried by the points outside; not counted in
    /// any district.
    pub amount_outside: f64,
    /// Up to five of the points outside.
    pub examples: Vec<OutsidePoint>,
}

/// One point that fell in no district.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutsidePoint {
    /// Feature id (for a CSV read through GDAL: the 1-based data row).
    pub fid: Option<u64>,
    /// Easting in EPSG:3006.
    pub e: f64,
    /// Northing in EPSG:3006.
    pub n: f64,
}

impl fmt::Display for OutsidePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fid {
            Some(fid) => write!(f, "FID {fid}")?,
            None => write!(f, "a feature without FID")?,
        }
        write!(f, " at E {:.1} N {:.1} (EPSG:3006)", self.e, self.n)
    }
}
