//! Extra output layers beside `districts` and `demand`: `flags` (one feature per district and
//! flag kind, with its reasons) and `projects` (one feature per pipeline project with its
//! current stage). Built once as plain rows of typed values, then written by every format.

use geo::Geometry;

use super::Kind;
use crate::domain::{Dataset, ProjectStage};
use crate::flags::FlagResult;
use crate::pipeline::BottleneckReport;

/// One property value that owns its text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// Integer.
    Integer(i32),
    /// Number (NaN: null).
    Real(f64),
    /// Boolean.
    Boolean(bool),
    /// Null.
    Null,
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Null, Cell::Real)
    }
}

/// The geometry type a layer declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerGeometry {
    /// Every feature a (multi)polygon.
    MultiPolygon,
    /// Points or polygons (pipeline projects).
    Any,
}

/// One feature of an extra layer.
#[derive(Debug, Clone)]
pub struct LayerFeature {
    /// Feature id.
    pub id: String,
    /// Geometry in EPSG:3006.
    pub geometry: Option<Geometry<f64>>,
    /// Geometry in CRS84.
    pub geometry_lonlat: Option<Geometry<f64>>,
    /// Values in the order of [`Layer::fields`].
    pub values: Vec<Cell>,
}

/// An extra output layer.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Layer (and file) name.
    pub name: &'static str,
    /// Declared geometry type.
    pub geometry: LayerGeometry,
    /// Field names and types.
    pub fields: Vec<(&'static str, Kind)>,
    /// Features.
    pub features: Vec<LayerFeature>,
}

/// The `flags` layer: one feature per district and flag kind with `flagged`, `score`, the
/// indicators, `reason_text` and `reasons` (every rule evaluated, as JSON text).
pub fn flags_layer(dataset: &Dataset, flags: &[FlagResult]) -> Layer {
    use Kind::*;
    let fields = vec![
        ("district", Text),
        ("name", Text),
        ("flag", Text),
        ("flagged", Boolean),
        ("score", Real),
        ("rules_met", Integer),
        ("rules_missing", Integer),
        ("reason_text", Text),
        ("reasons", Text),
        ("horizon_year", Integer),
        ("gap_horizon", Real),
        ("transit_share_400m", Real),
        ("station_share_600m", Real),
        ("station_share_1200m", Real),
        ("dwellings_per_ha", Real),
        ("residents_per_ha", Real),
        ("regso_type", Real),
        ("employment", Real),
        ("low_econ", Real),
        ("crowding", Real),
        ("safety_score", Real),
        ("distance_method", Text),
    ];
    let features = flags
        .iter()
        .map(|f| {
            let district = dataset.districts.get(f.district_index);
            let flag = serde_json::to_value(f.flag)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            LayerFeature {
                id: f.id.clone(),
                geometry: district.map(|d| Geometry::MultiPolygon(d.geometry.clone())),
                geometry_lonlat: district
                    .map(|d| Geometry::MultiPolygon(d.geometry_lonlat.clone())),
                values: vec![
                    Cell::Text(f.district.clone()),
                    Cell::Text(f.name.clone()),
                    Cell::Text(flag),
                    Cell::Boolean(f.flagged),
                    Cell::Real(f.score),
                    Cell::Integer(f.rules_met as i32),
                    Cell::Integer(f.rules_missing as i32),
                    Cell::Text(f.reason_text.clone()),
                    Cell::Text(serde_json::to_string(&f.reasons).unwrap_or_default()),
                    Cell::Integer(f.horizon_year),
                    f.gap_horizon.into(),
                    f.transit_share_400m.into(),
                    f.station_share_600m.into(),
                    f.station_share_1200m.into(),
                    f.dwellings_per_ha.into(),
                    f.residents_per_ha.into(),
                    f.regso_type.into(),
                    f.employment.into(),
                    f.low_econ.into(),
                    f.crowding.into(),
                    f.safety_score.into(),
                    Cell::Text(f.distance_method.clone()),
                ],
            }
        })
        .collect();
    Layer {
        name: "flags",
        geometry: LayerGeometry::MultiPolygon,
        fields,
        features,
    }
}

/// The `projects` layer: one feature per pipeline project with its stage dates, the stage it
/// waits in, days in that stage and whether the statutory limit is exceeded.
pub fn projects_layer(dataset: &Dataset, report: &BottleneckReport) -> Layer {
    use Kind::*;
    let mut fields = vec![
        ("project_id", Text),
        ("name", Text),
        ("district", Text),
        ("dwellings", Real),
        ("type", Text),
        ("tenure", Text),
        ("appealed", Boolean),
        ("stage", Text),
        ("completed", Boolean),
        ("days_in_stage", Integer),
        ("over_limit", Boolean),
        ("days_over", Integer),
    ];
    fields.extend(ProjectStage::ALL.iter().map(|s| (s.code(), Text)));
    let features = dataset
        .projects
        .iter()
        .zip(&report.projects)
        .map(|(p, s)| {
            let mut values = vec![
                Cell::Text(p.id.clone()),
                Cell::Text(p.name.clone()),
                p.district
                    .and_then(|i| dataset.districts.get(i))
                    .map_or(Cell::Null, |d| Cell::Text(d.id.clone())),
                Cell::Real(p.dwellings),
                Cell::Text(p.dwelling_type.code().into()),
                Cell::Text(p.tenure.code().into()),
                Cell::Boolean(p.appealed),
                s.stage
                    .map_or(Cell::Null, |st| Cell::Text(st.code().into())),
                Cell::Boolean(s.completed),
                s.days_in_stage.map_or(Cell::Null, |d| {
                    Cell::Integer(d.clamp(0, i32::MAX as i64) as i32)
                }),
                Cell::Boolean(s.over_limit),
                Cell::Integer(s.days_over.clamp(0, i32::MAX as i64) as i32),
            ];
            values.extend(ProjectStage::ALL.iter().map(|st| {
                p.dates
                    .get(*st)
                    .map_or(Cell::Null, |d| Cell::Text(d.to_string()))
            }));
            LayerFeature {
                id: p.id.clone(),
                geometry: p.geometry.clone(),
                geometry_lonlat: p.geometry_lonlat.clone(),
                values,
            }
        })
        .collect();
    Layer {
        name: "projects",
        geometry: LayerGeometry::Any,
        fields,
        features,
    }
}
