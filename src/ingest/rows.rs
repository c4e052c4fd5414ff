//! The one row reader every table and layer goes through.
//!
//! A table is a **schema** (its [`Column`]s: our name, whether it must be there) plus its
//! **checks** (a closure that gets each [`Row`], parses the values it needs and keeps a record).
//! [`read`] does the rest the same way for every source ([`RowSource`]: a CSV table or a GDAL
//! layer): it finds the schema's columns through the manifest's mapping (`[part.columns]`),
//! reports the missing ones with the columns the source has, walks the rows, and gives each
//! row's values located for messages (file, row or FID, field, value).
//!
//! The kind and range of a value is the parser a check hands to [`Row::parse`]: [`super::values`]
//! for counts, numbers, years, dates and flags, [`super::codes`] for district codes, sexes, age
//! bands, dwelling types, tenures and transit modes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;
use std::path::Path;

use super::codes::parse_sex;
use super::districts::row_district;
use super::finding::Location;
use super::{values, Ctx, Finding, Findings};
use crate::config::TableSource;
use crate::domain::Sex;
use gdal::vector::Geometry as GdalGeometry;

/// Whether a column must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Missing is a problem.
    Required,
    /// Missing is fine (a default applies).
    Optional,
    /// Required unless the manifest gives one `year` for the whole table.
    UnlessYearGiven,
}

/// One column of a schema: our name (the manifest's `[part.columns]` may map it to the
/// source's) and whether it must be there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// Our name.
    pub name: &'static str,
    /// Whether it must be there.
    pub need: Need,
}

/// A required column.
pub(crate) const fn required(name: &'static str) -> Column {
    Column {
        name,
        need: Need::Required,
    }
}

/// An optional column.
pub(crate) const fn optional(name: &'static str) -> Column {
    Column {
        name,
        need: Need::Optional,
    }
}

/// The `year` column: required unless the manifest gives the table's year.
pub(crate) const YEAR: Column = Column {
    name: "year",
    need: Need::UnlessYearGiven,
};

/// Where each column of a schema is in the source (`None`: optional and absent), and the
/// source's name of it.
pub(crate) struct Columns {
    index: Vec<Option<usize>>,
    names: Vec<String>,
}

impl Columns {
    /// Position of the `i`-th column of the schema in the source.
    pub fn get(&self, i: usize) -> Option<usize> {
        self.index.get(i).copied().flatten()
    }
    /// The source's name of the `i`-th column of the schema.
    pub fn name(&self, i: usize) -> &str {
        self.names.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Finds the columns of `schema` through the manifest's mapping: `find` gives a name's position
/// in the source, `missing(theirs, ours)` the problem for a required column that is not there.
/// `None` when any required column is missing (each is reported).
pub(crate) fn resolve(
    schema: &[Column],
    source: &TableSource,
    find: impl Fn(&str) -> Option<usize>,
    missing: impl Fn(&str, &str) -> Finding,
    found: &mut Findings,
) -> Option<Columns> {
    let mut index = Vec::with_capacity(schema.len());
    let mut names = Vec::with_capacity(schema.len());
    let mut complete = true;
    for column in schema {
        let theirs = source.column(column.name);
        let at = find(theirs);
        let required = match column.need {
            Need::Required => true,
            Need::Optional => false,
            Need::UnlessYearGiven => source.year.is_none(),
        };
        if at.is_none() && required {
            complete = false;
            found.problem(missing(theirs, column.name).in_field(theirs));
        }
        index.push(at);
        names.push(theirs.to_string());
    }
    complete.then_some(Columns { index, names })
}

/// The values of one row or feature, by position in the source.
pub(crate) trait Record {
    /// The text at position `at` (trimmed for a CSV), `""` when null or absent.
    fn text(&self, at: usize) -> Cow<'_, str>;
    /// The geometry of a GDAL feature; `None` for a table row.
    fn geometry(&self) -> Option<&GdalGeometry> {
        None
    }
}

/// What [`RowSource::each`] calls with every row: its number (data row or FID) and values.
pub(crate) type EachRow<'f> = dyn FnMut(Option<u64>, &dyn Record, &mut Findings) + 'f;

/// Something [`read`] reads rows from: a CSV table or a GDAL layer.
pub(crate) trait RowSource {
    /// The file (or connection string), for messages.
    fn file(&self) -> &Path;
    /// The position of a column or field named `name`, as the source matches names.
    fn find(&self, name: &str) -> Option<usize>;
    /// The problem for a required column `theirs` (our `ours`) that the source lacks.
    fn missing(&self, theirs: &str, ours: &str) -> Finding;
    /// Calls `each` with every row and its number (data row or FID); rows the source cannot
    /// read are problems and left out.
    fn each(&mut self, found: &mut Findings, each: &mut EachRow<'_>);
}

/// Reads every row of `rows` with `schema`, handing each to `check`. False (and every missing
/// column reported) when a required column is missing; no row is read then.
pub(crate) fn read(
    rows: &mut dyn RowSource,
    source: &TableSource,
    schema: &[Column],
    found: &mut Findings,
    check: impl FnMut(&Row<'_>, &mut Findings),
) -> bool {
    let Some(cols) = resolve(
        schema,
        source,
        |name| rows.find(name),
        |theirs, ours| rows.missing(theirs, ours),
        found,
    ) else {
        return false;
    };
    read_with(rows, &cols, source, found, check);
    true
}

/// Reads every row of `rows` with columns already found ([`resolve`]), handing each to `check`.
pub(crate) fn read_with(
    rows: &mut dyn RowSource,
    cols: &Columns,
    source: &TableSource,
    found: &mut Findings,
    mut check: impl FnMut(&Row<'_>, &mut Findings),
) {
    let file = rows.file().to_path_buf();
    rows.each(found, &mut |row, record, found| {
        let row = Row {
            at: Location { file: &file, row },
            record,
            cols,
            year: source.year,
        };
        check(&row, found);
    });
}

/// One row, its columns in the schema's order.
pub(crate) struct Row<'a> {
    /// Where it is, for messages.
    pub at: Location<'a>,
    /// The row as the source gives it (a GDAL feature has its geometry too).
    pub record: &'a dyn Record,
    cols: &'a Columns,
    /// The manifest's `year` for the whole table.
    year: Option<i32>,
}

impl Row<'_> {
    /// The source's name of column `i`.
    pub fn name(&self, i: usize) -> &str {
        self.cols.name(i)
    }
    /// Whether column `i` is in the source.
    pub fn has(&self, i: usize) -> bool {
        self.cols.get(i).is_some()
    }
    /// The value of column `i`; `None` when the (optional) column is absent.
    pub fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        self.cols.get(i).map(|at| self.record.text(at))
    }
    /// The value of column `i`, `""` when absent.
    pub fn text(&self, i: usize) -> Cow<'_, str> {
        self.get(i).unwrap_or(Cow::Borrowed(""))
    }
    /// Column `i` parsed with `parse`; a located problem on failure.
    pub fn parse<T>(
        &self,
        i: usize,
        parse: impl FnOnce(&str) -> Result<T, String>,
        found: &mut Findings,
    ) -> Option<T> {
        self.at.parse(self.name(i), &self.text(i), parse, found)
    }
    /// Column `i` parsed with `parse`, or `default` when the column is absent.
    pub fn parse_or<T>(
        &self,
        i: usize,
        default: T,
        parse: impl FnOnce(&str) -> Result<T, String>,
        found: &mut Findings,
    ) -> Option<T> {
        if self.has(i) {
            self.parse(i, parse, found)
        } else {
            Some(default)
        }
    }
    /// The year: column `i`, or the manifest's year for the table.
    pub fn year(&self, i: usize, found: &mut Findings) -> Option<i32> {
        match (self.get(i), self.year) {
            (Some(v), _) => self.at.parse(self.name(i), &v, values::year, found),
            (None, Some(y)) => Some(y),
            (None, None) => None,
        }
    }
    /// The sex (column `i`); a total when the table has no sex column.
    pub fn sex(&self, i: usize, found: &mut Findings) -> Option<Sex> {
        self.parse_or(i, Sex::Total, parse_sex, found)
    }
    /// A count (column `i`): a whole number ≥ 0.
    pub fn count(&self, i: usize, found: &mut Findings) -> Option<f64> {
        self.parse(i, values::count, found)
    }
    /// The district (column `i`), as [`row_district`]: `Ok(None)` when it cannot be checked,
    /// `Err(())` after a problem.
    pub fn district(
        &self,
        ctx: &Ctx<'_>,
        i: usize,
        found: &mut Findings,
    ) -> Result<Option<usize>, ()> {
        row_district(ctx, &self.at, self.name(i), &self.text(i), found)
    }
    /// The identifier in column `i`, trimmed; a problem `empty {what}` when there is none.
    pub fn id(&self, i: usize, what: &str, found: &mut Findings) -> Option<String> {
        let id = self.text(i).trim().to_string();
        if id.is_empty() {
            found.problem(
                self.at
                    .finding(format!("empty {what}"))
                    .in_field(self.name(i))
                    .with_value(""),
            );
            return None;
        }
        Some(id)
    }
}

/// Remembers the row of each key and reports a second row with the same key: summing or
/// picking one would hide an error in the source.
pub(crate) struct Duplicates<K> {
    first: HashMap<K, Option<u64>>,
}

impl<K: Hash + Eq> Duplicates<K> {
    pub fn new() -> Self {
        Self {
            first: HashMap::new(),
        }
    }
    /// True (and a problem) when `key` was seen before.
    pub fn seen(&mut self, key: K, at: &Location<'_>, what: &str, found: &mut Findings) -> bool {
        if let Some(first) = self.first.get(&key) {
            found.problem(at.finding(format!(
                "duplicate {what}: same as row {}",
                first.map(|r| r.to_string()).unwrap_or_else(|| "?".into())
            )));
            return true;
        }
        self.first.insert(key, at.row);
        false
    }
}
