//! The one definition of every layer we publish: `districts`, `demand`, `flags` and `projects`.
//!
//! A planner compares the `districts` layer from the service in QGIS with the one in the
//! GeoPackage from `analyze`, and the demand table in Excel with both: they must be the same
//! layer. So each layer is defined here once, field by field (name, [`FieldKind`], unit,
//! description, and how its value is taken from the analysis), and built once per data load
//! ([`Layers::build`]). Every output only renders these layers:
//!
//! - the OGC API collections, their queryables and the OpenAPI properties (`crate::api`);
//! - the GeoPackage (with the descriptions as field comments), GeoJSON and CSV files
//!   (`crate::export`);
//! - the BI tables `/export/demand.csv|json` and `/export/flags.csv|json` (`crate::web`);
//! - the field tables of `docs/api.md` ([`docs_table`], checked by a test).
//!
//! **Adding a field** is one entry in the layer's column list ([`demand`] for a new
//! [`crate::model::DemandRow`] field, [`flags`], [`districts`], [`projects`]): name, kind, unit,
//! description and the value. **Adding a layer** is a new file here and one line in
//! [`Layers::build`]. **Adding an output format** is a writer over [`Layer`] in `crate::export`.

use geo::Geometry;
use serde_json::Value;

use crate::domain::Dataset;
use crate::flags::FlagResult;
use crate::model::ModelRun;
use crate::pipeline::BottleneckReport;

pub mod demand;
pub mod districts;
pub mod flags;
pub mod projects;

/// The kind of a field's values, which decides how each output writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Text.
    Text,
    /// Whole number (a year, a count of days).
    Integer,
    /// Any number; NaN is written as null (empty in CSV).
    Real,
    /// `true`/`false` (GeoPackage: Integer with the Boolean subtype).
    Boolean,
    /// A JSON list (a flag's reasons): a JSON array in GeoJSON and JSON, JSON text in the
    /// GeoPackage and CSV.
    List,
}

impl FieldKind {
    /// JSON Schema type name (queryables, OpenAPI).
    pub fn json_type(self) -> &'static str {
        match self {
            FieldKind::Text => "string",
            FieldKind::Integer => "integer",
            FieldKind::Real => "number",
            FieldKind::Boolean => "boolean",
            FieldKind::List => "array",
        }
    }

    /// The name used in `docs/api.md`.
    pub fn doc_name(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Integer => "integer",
            FieldKind::Real => "number",
            FieldKind::Boolean => "boolean",
            FieldKind::List => "list (JSON)",
        }
    }
}

/// One field of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Property (column) name.
    pub name: String,
    /// Kind of its values.
    pub kind: FieldKind,
    /// Unit of its values (`persons`, `dwellings`, `km²`, …), `None` for codes and text.
    pub unit: Option<&'static str>,
    /// What it means, in a planner's words.
    pub description: String,
}

/// One value of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// Whole number.
    Integer(i64),
    /// Number; NaN stands for "none" and is written as null.
    Real(f64),
    /// Boolean.
    Boolean(bool),
    /// A JSON value (a [`FieldKind::List`] field).
    Json(Value),
    /// No value.
    Null,
}

impl Cell {
    /// Text from a `&str`.
    pub fn text(s: &str) -> Self {
        Cell::Text(s.to_string())
    }

    /// The value as JSON: NaN and [`Cell::Null`] are `null`.
    pub fn to_json(&self) -> Value {
        match self {
            Cell::Text(t) => Value::String(t.clone()),
            Cell::Integer(i) => Value::from(*i),
            Cell::Real(x) if x.is_finite() => Value::from(*x),
            Cell::Real(_) | Cell::Null => Value::Null,
            Cell::Boolean(b) => Value::Bool(*b),
            Cell::Json(v) => v.clone(),
        }
    }

    /// The value as one CSV cell (or GeoPackage text): empty for none, `true`/`false`, JSON
    /// text for a list.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Integer(i) => i.to_string(),
            Cell::Real(x) if x.is_finite() => x.to_string(),
            Cell::Real(_) | Cell::Null => String::new(),
            Cell::Boolean(b) => b.to_string(),
            Cell::Json(v) => v.to_string(),
        }
    }
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Null, Cell::Real)
    }
}

/// A field definition with the way its value is taken from a source row of type `T`.
pub struct Column<'a, T> {
    /// The field.
    pub field: Field,
    value: Box<dyn Fn(&T) -> Cell + 'a>,
}

/// A column: `name`, `kind`, `unit`, `description` and the value of a row.
pub fn column<'a, T>(
    name: impl Into<String>,
    kind: FieldKind,
    unit: Option<&'static str>,
    description: impl Into<String>,
    value: impl Fn(&T) -> Cell + 'a,
) -> Column<'a, T> {
    Column {
        field: Field {
            name: name.into(),
            kind,
            unit,
            description: description.into(),
        },
        value: Box::new(value),
    }
}

impl<T> Column<'_, T> {
    /// The value of `row`.
    pub fn value(&self, row: &T) -> Cell {
        (self.value)(row)
    }
}

/// The geometry type a layer declares (GeoPackage, collection metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerGeometry {
    /// Every feature a (multi)polygon.
    MultiPolygon,
    /// Points or polygons (pipeline projects).
    Any,
}

/// A geometry in SWEREF 99 TM (EPSG:3006) and in lon/lat (CRS84); several features may share
/// one (every year of a district in `demand`).
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// EPSG:3006 easting/northing.
    pub metric: Geometry<f64>,
    /// Longitude/latitude.
    pub lonlat: Geometry<f64>,
}

/// One feature of a layer.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Feature id (`1489C1010`, `1489C1010-2025`, `1489C1010:densify`, a project id).
    pub id: String,
    /// Index into [`Layer::shapes`]; `None` for a feature without geometry.
    pub shape: Option<usize>,
    /// The calendar year the feature describes (`demand`), for time filters.
    pub year: Option<i32>,
    /// Values, one per [`Layer::fields`] entry.
    pub values: Vec<Cell>,
}

/// A published layer, built once per data load.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Stable name: collection id, GeoPackage layer, file name (`demand-NAME` for a named
    /// scenario's demand).
    pub name: String,
    /// Title.
    pub title: String,
    /// What the layer holds, for this dataset.
    pub description: String,
    /// Declared geometry type.
    pub geometry: LayerGeometry,
    /// Fields in output order.
    pub fields: Vec<Field>,
    /// Geometries the features point to.
    pub shapes: Vec<Shape>,
    /// Features in their natural order.
    pub features: Vec<Feature>,
}

impl Layer {
    /// An empty layer with `columns`' fields.
    fn new<T>(
        name: impl Into<String>,
        title: &str,
        description: String,
        geometry: LayerGeometry,
        columns: &[Column<'_, T>],
    ) -> Self {
        Self {
            name: name.into(),
            title: title.to_string(),
            description,
            geometry,
            fields: columns.iter().map(|c| c.field.clone()).collect(),
            shapes: Vec::new(),
            features: Vec::new(),
        }
    }

    /// Adds a feature whose values are `columns` applied to `row`.
    fn push<T>(
        &mut self,
        columns: &[Column<'_, T>],
        id: String,
        shape: Option<usize>,
        year: Option<i32>,
        row: &T,
    ) {
        self.features.push(Feature {
            id,
            shape,
            year,
            values: columns.iter().map(|c| c.value(row)).collect(),
        });
    }

    /// Index of field `name`.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The geometry of `feature`, if any.
    pub fn shape_of(&self, feature: &Feature) -> Option<&Shape> {
        feature.shape.and_then(|i| self.shapes.get(i))
    }
}

/// Adds every district polygon to `layer` as a shape, in dataset order (shape `i` is district
/// `i`).
fn district_shapes(layer: &mut Layer, dataset: &Dataset) {
    layer.shapes = dataset
        .districts
        .iter()
        .map(|d| Shape {
            metric: Geometry::MultiPolygon(d.geometry.clone()),
            lonlat: Geometry::MultiPolygon(d.geometry_lonlat.clone()),
        })
        .collect();
}

/// Every layer of one data load, in publishing order.
#[derive(Debug, Clone)]
pub struct Layers {
    /// Dataset title.
    pub title: String,
    /// `districts`, `demand`, then `flags` and `projects` when the dataset has them.
    pub layers: Vec<Layer>,
    /// The dataset's notes (real, estimated, synthetic or missing inputs), shown wherever the
    /// layers are: the landing page and the dashboard, and written into every export
    /// (`analyze` adds the model run's notes). Empty from [`Layers::from_parts`].
    pub notes: Vec<String>,
}

impl Layers {
    /// Builds every layer from a dataset and its analysis: `districts` and `demand` always,
    /// `demand-NAME` for each named scenario of the manifest (`[model.scenarios.NAME]`), `flags`
    /// when there are flags, `projects` when the dataset has pipeline projects.
    pub fn build(dataset: &Dataset, analysis: &crate::analysis::Analysis) -> Self {
        let bands = analysis.bands.as_ref().ok();
        let mut layers = Self::from_parts(
            dataset,
            &analysis.run,
            &analysis.flags,
            Some(&analysis.bottlenecks),
        );
        if let Some(i) = layers.layers.iter().position(|l| l.name == "demand") {
            layers.layers[i] = demand::layer_with(dataset, &analysis.run, bands);
        }
        let at = layers
            .layers
            .iter()
            .position(|l| l.name == "demand")
            .map_or(layers.layers.len(), |i| i + 1);
        let named = analysis
            .scenarios
            .iter()
            .map(|(name, run)| demand::scenario_layer(dataset, name, run, bands));
        layers.layers.splice(at..at, named);
        layers.notes = analysis.notes.clone();
        layers
    }

    /// [`Layers::build`] from the parts of an analysis (a test may have no flags or report).
    pub fn from_parts(
        dataset: &Dataset,
        run: &ModelRun,
        flag_results: &[FlagResult],
        report: Option<&BottleneckReport>,
    ) -> Self {
        let mut layers = vec![districts::layer(dataset, run), demand::layer(dataset, run)];
        if !flag_results.is_empty() {
            layers.push(flags::layer(dataset, flag_results));
        }
        if let Some(report) = report.filter(|_| !dataset.projects.is_empty()) {
            layers.push(projects::layer(dataset, report));
        }
        Self {
            title: dataset.name.clone(),
            layers,
            notes: Vec::new(),
        }
    }

    /// The layer named `name`.
    pub fn get(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// Layer `name` with its fields and no features (a table that still tells a BI tool its
    /// columns when the data load has none); an unknown name gives a layer without fields.
    pub fn empty(name: &str) -> Layer {
        let (name, fields) = documented_fields()
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap_or(("unknown", Vec::new()));
        Layer {
            name: name.to_string(),
            title: name.to_string(),
            description: String::new(),
            geometry: LayerGeometry::Any,
            fields,
            shapes: Vec::new(),
            features: Vec::new(),
        }
    }
}

/// The fields of every layer as documented (the `districts` per-band fields as one
/// `population_{band}` row): `(layer, fields)`.
pub fn documented_fields() -> Vec<(&'static str, Vec<Field>)> {
    vec![
        ("districts", districts::documented_fields()),
        (
            "demand",
            demand::columns().into_iter().map(|c| c.field).collect(),
        ),
        (
            "flags",
            flags::columns().into_iter().map(|c| c.field).collect(),
        ),
        (
            "projects",
            projects::columns().into_iter().map(|c| c.field).collect(),
        ),
    ]
}

/// The Markdown table of `layer`'s fields, as `docs/api.md` shows it: field, kind, unit,
/// description.
pub fn docs_table(layer: &str) -> Option<String> {
    let (_, fields) = documented_fields().into_iter().find(|(l, _)| *l == layer)?;
    let mut out = String::from("| field | kind | unit | description |\n|---|---|---|---|\n");
    for f in fields {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            f.name,
            f.kind.doc_name(),
            f.unit.unwrap_or(""),
            f.description.replace('|', "\\|")
        ));
    }
    Some(out)
}
