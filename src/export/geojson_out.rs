//! GeoJSON output (RFC 7946): one FeatureCollection of `demand` features, one per district and
//! year, with the district's lon/lat (CRS84) polygon and the [`crate::model::DemandRow`]
//! properties. Feature ids are `district:year`; nulls stand for NaN ratios.

use std::io::{BufWriter, Write};
use std::path::Path;

use geo::MultiPolygon;
use serde::Serialize;
use serde_json::{json, Value as Json};

use crate::domain::Dataset;
use crate::model::{DemandRow, ModelRun};

use super::{atomically, ExportError};

/// Coordinates rounded to 7 decimals (about a centimetre), as RFC 7946 recommends keeping
/// precision sensible.
fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// A geo MultiPolygon as a GeoJSON geometry object.
pub(crate) fn multipolygon_json(mp: &MultiPolygon<f64>) -> Json {
    let ring = |ls: &geo::LineString<f64>| -> Json {
        Json::Array(
            ls.coords()
                .map(|c| json!([round7(c.x), round7(c.y)]))
                .collect(),
        )
    };
    let polygons: Vec<Json> =
        mp.0.iter()
            .map(|p| {
                let mut rings = vec![ring(p.exterior())];
                rings.extend(p.interiors().iter().map(ring));
                Json::Array(rings)
            })
            .collect();
    json!({ "type": "MultiPolygon", "coordinates": polygons })
}

/// One GeoJSON feature; `properties` serializes the row's fields in their declared order (NaN
/// as null).
#[derive(Serialize)]
struct Feature<'a> {
    r#type: &'static str,
    id: String,
    geometry: &'a Json,
    properties: &'a DemandRow,
}

/// Writes the FeatureCollection to `target`.
pub(super) fn write(target: &Path, dataset: &Dataset, run: &ModelRun) -> Result<(), ExportError> {
    let geometries: std::collections::HashMap<&str, Json> = dataset
        .districts
        .iter()
        .map(|d| (d.id.as_str(), multipolygon_json(&d.geometry_lonlat)))
        .collect();
    atomically(target, |temp| {
        let err = |e: &dyn std::fmt::Display| ExportError::write(target, e);
        let file = std::fs::File::create(temp).map_err(|e| err(&e))?;
        let mut w = BufWriter::new(file);
        write!(
            w,
            "{{\"type\":\"FeatureCollection\",\"name\":\"demand\",\"features\":["
        )
        .map_err(|e| err(&e))?;
        for (i, r) in run.rows.iter().enumerate() {
            let feature = Feature {
                r#type: "Feature",
                id: format!("{}:{}", r.district, r.year),
                geometry: geometries.get(r.district.as_str()).unwrap_or(&Json::Null),
                properties: r,
            };
            if i > 0 {
                w.write_all(b",\n").map_err(|e| err(&e))?;
            }
            serde_json::to_writer(&mut w, &feature).map_err(|e| err(&e))?;
        }
        w.write_all(b"]}\n").map_err(|e| err(&e))?;
        w.flush().map_err(|e| err(&e))
    })
}

/// Writes an extra layer as its own FeatureCollection (CRS84) to `target`.
pub(super) fn write_layer(target: &Path, layer: &super::layers::Layer) -> Result<(), ExportError> {
    use super::layers::Cell;
    atomically(target, |temp| {
        let err = |e: &dyn std::fmt::Display| ExportError::write(target, e);
        let features: Vec<Json> = layer
            .features
            .iter()
            .map(|f| {
                let properties: serde_json::Map<String, Json> = layer
                    .fields
                    .iter()
                    .zip(&f.values)
                    .map(|((name, _), c)| {
                        let v = match c {
                            Cell::Text(t) => Json::from(t.clone()),
                            Cell::Integer(i) => Json::from(*i),
                            Cell::Real(x) if x.is_finite() => Json::from(*x),
                            Cell::Real(_) | Cell::Null => Json::Null,
                            Cell::Boolean(b) => Json::from(*b),
                        };
                        ((*name).to_string(), v)
                    })
                    .collect();
                let geometry = f
                    .geometry_lonlat
                    .as_ref()
                    .and_then(|g| serde_json::to_value(geojson::Geometry::from(g)).ok())
                    .unwrap_or(Json::Null);
                json!({"type": "Feature", "id": f.id, "geometry": geometry, "properties": properties})
            })
            .collect();
        let doc = json!({"type": "FeatureCollection", "name": layer.name, "features": features});
        let file = std::fs::File::create(temp).map_err(|e| err(&e))?;
        let mut w = BufWriter::new(file);
        serde_json::to_writer(&mut w, &doc).map_err(|e| err(&e))?;
        w.write_all(b"\n").map_err(|e| err(&e))?;
        w.flush().map_err(|e| err(&e))
    })
}
