//! GeoPackage output through GDAL: layer `districts` (one feature per district with its
//! summary) and layer `demand` (one feature per district and year with every
//! [`crate::model::DemandRow`] property), both MultiPolygon in SWEREF 99 TM (EPSG:3006).
//! `year` is an Integer field, `observed` a Boolean (Integer with the OFSTBoolean subtype),
//! the figures Real, NaN ratios null. A `layer_styles` table (the one QGIS writes and reads)
//! makes both layers open as a choropleth of the gap per 1,000 inhabitants. Extra layers
//! (`flags`, `projects`) follow. Everything is written in one transaction.

use std::collections::HashMap;
use std::path::Path;

use gdal::spatial_ref::SpatialRef;
use gdal::vector::sql::Dialect;
use gdal::vector::{
    Feature, FieldDefn, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
    ToGdal,
};
use gdal::{Dataset, DatasetOptions, DriverManager, GdalOpenFlags};

use crate::domain::District;
use crate::model::ModelRun;

use super::layers::{Cell, Layer, LayerGeometry};
use super::{
    atomically, demand_values, district_values, qgis_style, DistrictSummary, ExportError, Kind,
    Value, DEMAND_FIELDS, DISTRICT_FIELDS,
};

/// Writes the GeoPackage to `target` (through a temporary file).
pub(super) fn write(
    target: &Path,
    districts: &[(&District, DistrictSummary)],
    run: &ModelRun,
    extra: &[Layer],
) -> Result<(), ExportError> {
    atomically(target, |temp| {
        write_gpkg(temp, districts, run, extra).map_err(|e| ExportError::write(target, e))
    })
}

fn write_gpkg(
    path: &Path,
    districts: &[(&District, DistrictSummary)],
    run: &ModelRun,
    extra: &[Layer],
) -> gdal::errors::Result<()> {
    let driver = DriverManager::get_driver_by_name("GPKG")?;
    let mut ds = driver.create_vector_only(path)?;
    let srs = SpatialRef::from_epsg(3006)?;
    let polygons = OGRwkbGeometryType::wkbMultiPolygon;
    create_layer(&mut ds, "districts", &srs, polygons, &DISTRICT_FIELDS)?;
    create_layer(&mut ds, "demand", &srs, polygons, &DEMAND_FIELDS)?;
    for layer in extra {
        let ty = match layer.geometry {
            LayerGeometry::MultiPolygon => polygons,
            LayerGeometry::Any => OGRwkbGeometryType::wkbUnknown,
        };
        create_layer(&mut ds, layer.name, &srs, ty, &layer.fields)?;
    }
    create_styles_table(&mut ds)?;
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
    let geometries = districts
        .iter()
        .map(|(d, _)| d.geometry.to_gdal())
        .collect::<gdal::errors::Result<Vec<Geometry>>>()?;
    let index: HashMap<&str, usize> = districts
        .iter()
        .enumerate()
        .map(|(i, (d, _))| (d.id.as_str(), i))
        .collect();
    let txn = ds.start_transaction()?;
    {
        let layer = txn.layer_by_name("districts")?;
        for ((d, summary), geometry) in districts.iter().zip(&geometries) {
            add_feature(&layer, geometry.clone(), &district_values(d, summary, run))?;
        }
    }
    {
        let layer = txn.layer_by_name("demand")?;
        for row in &run.rows {
            let geometry = index
                .get(row.district.as_str())
                .map(|&i| geometries[i].clone());
            match geometry {
                Some(g) => add_feature(&layer, g, &demand_values(row))?,
                None => add_feature_without_geometry(&layer, &demand_values(row))?,
            }
        }
    }
    for extra_layer in extra {
        let layer = txn.layer_by_name(extra_layer.name)?;
        for f in &extra_layer.features {
            let mut feature = Feature::new(layer.defn())?;
            set_cells(&mut feature, &f.values)?;
            if let Some(g) = &f.geometry {
                feature.set_geometry(g.to_gdal()?)?;
            }
            feature.create(&layer)?;
        }
    }
    {
        let layer = txn.layer_by_name(STYLES)?;
        for (table, attribute) in [
            ("districts", "gap_per_1000_horizon"),
            ("demand", "gap_per_1000"),
        ] {
            add_style(&layer, table, attribute)?;
        }
    }
    txn.commit()?;
    Ok(())
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

/// Creates a MultiPolygon layer with `fields`. Boolean fields are added in SQL as
/// `ALTER TABLE … ADD COLUMN … BOOLEAN`: the GeoPackage driver reads that declared type as an
/// Integer with the OFSTBoolean subtype (which the Rust bindings cannot set) once the file is
/// reopened.
fn create_layer(
    ds: &mut Dataset,
    name: &str,
    srs: &SpatialRef,
    ty: OGRwkbGeometryType::Type,
    fields: &[(&str, Kind)],
) -> gdal::errors::Result<()> {
    ds.create_layer(LayerOptions {
        name,
        srs: Some(srs),
        ty,
        options: None,
    })?;
    for (field, kind) in fields {
        let ty = match kind {
            Kind::Text => OGRFieldType::OFTString,
            Kind::Integer => OGRFieldType::OFTInteger,
            Kind::Real => OGRFieldType::OFTReal,
            Kind::Boolean => {
                ds.execute_sql(
                    format!("ALTER TABLE \"{name}\" ADD COLUMN \"{field}\" BOOLEAN"),
                    None,
                    Dialect::SQLITE,
                )?;
                continue;
            }
        };
        let layer = ds.layer_by_name(name)?;
        FieldDefn::new(field, ty)?.add_to_layer(&layer)?;
    }
    Ok(())
}

fn set_values(feature: &mut Feature<'_>, values: &[Value<'_>]) -> gdal::errors::Result<()> {
    for (i, v) in values.iter().enumerate() {
        match v {
            Value::Text(t) => feature.set_field_string(i, t)?,
            Value::Integer(n) => feature.set_field_integer(i, *n)?,
            Value::Real(x) if x.is_finite() => feature.set_field_double(i, *x)?,
            Value::Real(_) => feature.set_field_null(i)?,
            Value::Boolean(b) => feature.set_field_integer(i, i32::from(*b))?,
        }
    }
    Ok(())
}

fn set_cells(feature: &mut Feature<'_>, cells: &[Cell]) -> gdal::errors::Result<()> {
    for (i, c) in cells.iter().enumerate() {
        match c {
            Cell::Text(t) => feature.set_field_string(i, t)?,
            Cell::Integer(n) => feature.set_field_integer(i, *n)?,
            Cell::Real(x) if x.is_finite() => feature.set_field_double(i, *x)?,
            Cell::Real(_) | Cell::Null => feature.set_field_null(i)?,
            Cell::Boolean(b) => feature.set_field_integer(i, i32::from(*b))?,
        }
    }
    Ok(())
}

fn add_feature(
    layer: &impl LayerAccess,
    geometry: Geometry,
    values: &[Value<'_>],
) -> gdal::errors::Result<()> {
    let mut feature = Feature::new(layer.defn())?;
    set_values(&mut feature, values)?;
    feature.set_geometry(geometry)?;
    feature.create(layer)
}

fn add_feature_without_geometry(
    layer: &impl LayerAccess,
    values: &[Value<'_>],
) -> gdal::errors::Result<()> {
    let mut feature = Feature::new(layer.defn())?;
    set_values(&mut feature, values)?;
    feature.create(layer)
}
