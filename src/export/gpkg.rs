//! GeoPackage output through GDAL: every published layer (`districts`, `demand`, `flags`,
//! `projects`) in SWEREF 99 TM (EPSG:3006). Integer fields are Integer, booleans Integer with
//! the OFSTBoolean subtype, numbers Real (NaN as null), a list (a flag's reasons) JSON text.
//! Each field's description (and unit) is written as its comment in `gpkg_data_columns`, which
//! GDAL and QGIS show. A `layer_styles` table (the one QGIS writes and reads) makes `districts`
//! and `demand` open as a choropleth of the gap per 1,000 inhabitants. Each layer's title and
//! description (ending with the notes on the data) are its `IDENTIFIER` and `DESCRIPTION`
//! (`gpkg_contents`; QGIS shows them as the layer's title and abstract), and the notes are the
//! file's `NOTES` metadata item (`gpkg_metadata`). Everything is written in one transaction.

use std::path::Path;

use gdal::spatial_ref::SpatialRef;
use gdal::vector::sql::Dialect;
use gdal::vector::{
    Feature, FieldDefn, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal,
};
use gdal::{Dataset, DatasetOptions, DriverManager, GdalOpenFlags, Metadata};

use super::{atomically, qgis_style, ExportError};
use crate::layers::{Cell, Field, FieldKind, Layer, LayerGeometry, Layers};

/// The layers that open styled, and the field their choropleth shows.
const STYLED: [(&str, &str); 2] = [
    ("districts", "gap_per_1000_horizon"),
    ("demand", "gap_per_1000"),
];

/// Writes the GeoPackage to `target` (through a temporary file).
pub(super) fn write(target: &Path, layers: &Layers) -> Result<(), ExportError> {
    atomically(target, |temp| {
        write_gpkg(temp, layers).map_err(|e| ExportError::write(target, e))
    })
}

fn write_gpkg(path: &Path, layers: &Layers) -> gdal::errors::Result<()> {
    let driver = DriverManager::get_driver_by_name("GPKG")?;
    let mut ds = driver.create_vector_only(path)?;
    let srs = SpatialRef::from_epsg(3006)?;
    for layer in &layers.layers {
        let ty = match layer.geometry {
            LayerGeometry::MultiPolygon => OGRwkbGeometryType::wkbMultiPolygon,
            LayerGeometry::Any => OGRwkbGeometryType::wkbUnknown,
        };
        create_layer(&mut ds, &layer.name, &srs, ty, &layer.fields)?;
        let mut created = ds.layer_by_name(&layer.name)?;
        created.set_metadata_item("IDENTIFIER", &layer.title, "")?;
        created.set_metadata_item("DESCRIPTION", &super::described(layer, &layers.notes), "")?;
    }
    if !layers.notes.is_empty() {
        ds.set_metadata_item("NOTES", &layers.notes.join("\n"), "")?;
    }
    create_styles_table(&mut ds)?;
    write_field_comments(&ds, layers)?;
    // Reopen so that GDAL reads the Boolean columns added through SQL.
    drop(ds);
    let mut ds = Dataset::open_ex(
        path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_UPDATE | GdalOpenFlags::GDAL_OF_VECTOR,
            allowed_drivers: Some(&["GPKG"]),
            ..Default::default()
        },
    )?;
    let txn = ds.start_transaction()?;
    for layer in &layers.layers {
        write_features(&txn.layer_by_name(&layer.name)?, layer)?;
    }
    {
        let styles = txn.layer_by_name(STYLES)?;
        for (table, attribute) in STYLED {
            if layers.get(table).is_some() {
                add_style(&styles, table, attribute)?;
            }
        }
    }
    txn.commit()?;
    Ok(())
}

/// Adds every feature of `layer`; features sharing a shape share its converted geometry.
pub(super) fn write_features(target: &impl LayerAccess, layer: &Layer) -> gdal::errors::Result<()> {
    let geometries = layer
        .shapes
        .iter()
        .map(|s| s.metric.to_gdal())
        .collect::<gdal::errors::Result<Vec<_>>>()?;
    for f in &layer.features {
        let mut feature = Feature::new(target.defn())?;
        set_cells(&mut feature, &f.values)?;
        if let Some(g) = f.shape.and_then(|i| geometries.get(i)) {
            feature.set_geometry(g.clone())?;
        }
        feature.create(target)?;
    }
    Ok(())
}

/// Writes each field's description (with its unit) to `gpkg_data_columns` (the GeoPackage
/// schema extension), where GDAL and QGIS read field comments.
fn write_field_comments(ds: &Dataset, layers: &Layers) -> gdal::errors::Result<()> {
    for sql in [
        "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, \
         extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, \
         CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
        "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, \
         column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT, \
         constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), \
         CONSTRAINT gdc_tn UNIQUE (table_name, name))",
        "INSERT OR IGNORE INTO gpkg_extensions VALUES ('gpkg_data_columns', NULL, \
         'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write')",
    ] {
        ds.execute_sql(sql, None, Dialect::SQLITE)?;
    }
    for layer in &layers.layers {
        for field in &layer.fields {
            ds.execute_sql(
                format!(
                    "INSERT INTO gpkg_data_columns (table_name, column_name, description) \
                     VALUES ({}, {}, {})",
                    sql_text(&layer.name),
                    sql_text(&field.name),
                    sql_text(&comment(field))
                ),
                None,
                Dialect::SQLITE,
            )?;
        }
    }
    Ok(())
}

/// A field's comment: its description and, when it has one, its unit.
pub(crate) fn comment(field: &Field) -> String {
    match field.unit {
        Some(unit) => format!("{} [{unit}]", field.description),
        None => field.description.clone(),
    }
}

/// An SQL string literal.
fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// QGIS's table of layer styles.
const STYLES: &str = "layer_styles";

/// Creates `layer_styles` with the columns QGIS creates and queries.
fn create_styles_table(ds: &mut Dataset) -> gdal::errors::Result<()> {
    ds.create_layer(LayerOptions {
        name: STYLES,
        srs: None,
        ty: OGRwkbGeometryType::wkbNone,
        options: None,
    })?;
    let text = [
        "f_table_catalog",
        "f_table_schema",
        "f_table_name",
        "f_geometry_column",
        "styleName",
        "styleQML",
        "styleSLD",
    ];
    for field in text {
        FieldDefn::new(field, OGRFieldType::OFTString)?.add_to_layer(&ds.layer_by_name(STYLES)?)?;
    }
    ds.execute_sql(
        format!("ALTER TABLE {STYLES} ADD COLUMN useAsDefault BOOLEAN"),
        None,
        Dialect::SQLITE,
    )?;
    for field in ["description", "owner", "ui"] {
        FieldDefn::new(field, OGRFieldType::OFTString)?.add_to_layer(&ds.layer_by_name(STYLES)?)?;
    }
    FieldDefn::new("update_time", OGRFieldType::OFTDateTime)?
        .add_to_layer(&ds.layer_by_name(STYLES)?)?;
    Ok(())
}

/// One default style for `table`: graduated on `attribute`.
fn add_style(layer: &impl LayerAccess, table: &str, attribute: &str) -> gdal::errors::Result<()> {
    let defn = layer.defn();
    let mut feature = Feature::new(defn)?;
    let qml = qgis_style::graduated_qml(attribute);
    let name = format!("{table}: {attribute}");
    let description = format!("{attribute}, dwellings per 1,000 inhabitants");
    for (field, value) in [
        ("f_table_catalog", ""),
        ("f_table_schema", ""),
        ("f_table_name", table),
        ("f_geometry_column", "geom"),
        ("styleName", name.as_str()),
        ("styleQML", qml.as_str()),
        ("styleSLD", ""),
        ("description", description.as_str()),
        ("owner", ""),
        ("ui", ""),
    ] {
        feature.set_field_string(feature.field_index(field)?, value)?;
    }
    feature.set_field_integer(feature.field_index("useAsDefault")?, 1)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if let Some(time) = chrono::DateTime::from_timestamp(now, 0) {
        feature.set_field_datetime(feature.field_index("update_time")?, time.fixed_offset())?;
    }
    feature.create(layer)
}

/// Creates a layer with `fields`. Boolean fields are added in SQL as
/// `ALTER TABLE … ADD COLUMN … BOOLEAN`: the GeoPackage driver reads that declared type as an
/// Integer with the OFSTBoolean subtype (which the Rust bindings cannot set) once the file is
/// reopened.
fn create_layer(
    ds: &mut Dataset,
    name: &str,
    srs: &SpatialRef,
    ty: OGRwkbGeometryType::Type,
    fields: &[Field],
) -> gdal::errors::Result<()> {
    ds.create_layer(LayerOptions {
        name,
        srs: Some(srs),
        ty,
        options: None,
    })?;
    for field in fields {
        let ty = match field.kind {
            FieldKind::Text | FieldKind::List => OGRFieldType::OFTString,
            FieldKind::Integer => OGRFieldType::OFTInteger,
            FieldKind::Real => OGRFieldType::OFTReal,
            FieldKind::Boolean => {
                ds.execute_sql(
                    format!(
                        "ALTER TABLE \"{name}\" ADD COLUMN \"{}\" BOOLEAN",
                        field.name
                    ),
                    None,
                    Dialect::SQLITE,
                )?;
                continue;
            }
        };
        let layer = ds.layer_by_name(name)?;
        FieldDefn::new(&field.name, ty)?.add_to_layer(&layer)?;
    }
    Ok(())
}

fn set_cells(feature: &mut Feature<'_>, cells: &[Cell]) -> gdal::errors::Result<()> {
    for (i, c) in cells.iter().enumerate() {
        match c {
            Cell::Text(t) => feature.set_field_string(i, t)?,
            Cell::Integer(n) => {
                let n = (*n).clamp(i32::MIN.into(), i32::MAX.into()) as i32;
                feature.set_field_integer(i, n)?
            }
            Cell::Real(x) if x.is_finite() => feature.set_field_double(i, *x)?,
            Cell::Real(_) | Cell::Null => feature.set_field_null(i)?,
            Cell::Boolean(b) => feature.set_field_integer(i, i32::from(*b))?,
            Cell::Json(v) => feature.set_field_string(i, &v.to_string())?,
        }
    }
    Ok(())
}
