//! GeoJSON output (RFC 7946): one FeatureCollection per layer, geometries in lon/lat (CRS84)
//! with coordinates rounded to 7 decimals (about a centimetre), properties in the layer's field
//! order, nulls for NaN, lists as JSON arrays; the notes on the data as a `notes` array.

use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::{json, Value as Json};

use super::{atomically, ExportError};
use crate::api::crs::Crs;
use crate::api::geojson::write_geometry;
use crate::layers::Layer;

/// A geometry as a GeoJSON geometry object in CRS84, 7 decimals: the one GeoJSON geometry
/// writer, the OGC API's.
fn geometry_json(g: &geo::Geometry<f64>) -> String {
    let mut out = String::new();
    write_geometry(&mut out, g, Crs::Crs84);
    out
}

/// Writes `layer` as a FeatureCollection to `target`, one feature per line, with `notes` on the
/// data as a `notes` array beside `features` (a foreign member, RFC 7946 §6.1).
pub(super) fn write(target: &Path, layer: &Layer, notes: &[String]) -> Result<(), ExportError> {
    // Features sharing a shape (every year of a district) share its GeoJSON text.
    let shapes: Vec<String> = layer
        .shapes
        .iter()
        .map(|s| geometry_json(&s.lonlat))
        .collect();
    atomically(target, |temp| {
        let err = |e: &dyn std::fmt::Display| ExportError::write(target, e);
        let file = std::fs::File::create(temp).map_err(|e| err(&e))?;
        let mut w = BufWriter::new(file);
        write!(
            w,
            "{{\"type\":\"FeatureCollection\",\"name\":{},\"notes\":{},\"features\":[",
            Json::from(layer.name.as_str()),
            json!(notes)
        )
        .map_err(|e| err(&e))?;
        for (i, f) in layer.features.iter().enumerate() {
            // Written by hand: a serde_json map would sort the fields alphabetically.
            let properties: Vec<String> = layer
                .fields
                .iter()
                .zip(&f.values)
                .map(|(field, c)| format!("{}:{}", Json::from(field.name.as_str()), c.to_json()))
                .collect();
            let geometry = f
                .shape
                .and_then(|s| shapes.get(s))
                .map_or("null", String::as_str);
            if i > 0 {
                w.write_all(b",\n").map_err(|e| err(&e))?;
            }
            write!(
                w,
                "{{\"type\":\"Feature\",\"id\":{},\"geometry\":{geometry},\"properties\":{{{}}}}}",
                json!(f.id),
                properties.join(",")
            )
            .map_err(|e| err(&e))?;
        }
        w.write_all(b"]}\n").map_err(|e| err(&e))?;
        w.flush().map_err(|e| err(&e))
    })
}
