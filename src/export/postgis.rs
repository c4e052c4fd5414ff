//! PostGIS output through GDAL's PostgreSQL driver: `analyze --out PG:…` writes every published
//! layer as a table of the same name (`districts`, `demand`, `flags`, `projects`) in SWEREF 99
//! TM (EPSG:3006), each with the primary key `fid`, a typed geometry column `geom` with a GiST
//! spatial index, the layer's fields with the types of the GeoPackage (text, integer, double
//! precision, boolean; a list as JSON text) and each field's description (and unit) as its
//! column comment. The table's comment (and its description in `housing_need_layers`) is the
//! layer's description followed by the notes on the data.
//!
//! A run replaces the previous run's tables in **one transaction**, so a reader (QGIS,
//! GeoServer, pg_featureserv) sees either the whole previous run or the whole new one:
//!
//! 1. `BEGIN`; the tables are created and filled in a schema of their own, invisible to
//!    everyone else until the commit;
//! 2. the previous run's tables (listed in `housing_need_layers`) are dropped, the new tables
//!    moved into the target schema
//!    (`ALTER TABLE … SET SCHEMA`, which brings their keys, indexes and sequences), and
//!    `housing_need_layers` rewritten;
//! 3. `COMMIT`. Readers wait only for the short step 2; any failure rolls everything back.
//!
//! A table with a layer's name that no run wrote (an input table, say) is never dropped: the
//! run fails naming it. A view over a previous run's table stops the replacement too
//! (PostgreSQL names the view); nothing is dropped with `CASCADE`.
//!
//! The target schema is the connection's `active_schema=NAME` (created when missing) or else
//! the connection's current schema (`public` by default).

use gdal::vector::sql::Dialect;
use gdal::vector::LayerAccess;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

use super::gpkg::{comment, write_features};
pub(crate) use crate::ingest::is_postgres;
use crate::layers::{FieldKind, Layer, LayerGeometry, Layers};

/// The table listing the layers of the last run: name, title, description, features, time.
pub const REGISTRY: &str = "housing_need_layers";

/// The connection string for messages: any password hidden.
pub(crate) fn display(target: &str) -> String {
    crate::ingest::hide_password(target)
}

/// The value of `key=value` in a `PG:` connection string (`active_schema`, say), unquoted.
fn option(target: &str, key: &str) -> Option<String> {
    target
        .get(3..)?
        .split_whitespace()
        .filter_map(|part| part.split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim_matches(['\'', '"']).to_string())
        .filter(|v| !v.is_empty())
}

/// Writes every layer of `layers` to the database `target` names, replacing the previous run's
/// tables in one transaction; returns the schema written to. Errors carry PostgreSQL's message.
pub(super) fn write(target: &str, layers: &Layers) -> Result<String, String> {
    let mut ds = Dataset::open_ex(
        target,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_UPDATE
                | GdalOpenFlags::GDAL_OF_VECTOR
                | GdalOpenFlags::GDAL_OF_VERBOSE_ERROR,
            allowed_drivers: Some(&["PostgreSQL"]),
            ..Default::default()
        },
    )
    .map_err(|e| format!("cannot connect: {}", crate::ingest::gdal_message(&e)))?;
    if query_text(
        &ds,
        "SELECT extname FROM pg_extension WHERE extname = 'postgis'",
    )?
    .is_empty()
    {
        return Err(
            "the database has no PostGIS: run `CREATE EXTENSION postgis` in it first".into(),
        );
    }
    let named = option(target, "active_schema");
    let schema = match &named {
        Some(schema) => schema.clone(),
        None => query_text(&ds, "SELECT current_schema()")?
            .into_iter()
            .next()
            .ok_or("the connection has no current schema (set active_schema=NAME)")?,
    };
    let staging = format!(
        "housing_need_next_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let txn = ds
        .start_transaction()
        .map_err(|e| format!("cannot start a transaction: {}", message(&e)))?;
    // A named schema is made in the same transaction: a failed run leaves no empty one behind.
    if named.is_some() {
        sql(
            &txn,
            &format!("CREATE SCHEMA IF NOT EXISTS {}", ident(&schema)),
            "create the schema",
        )?;
    }
    sql(
        &txn,
        &format!("CREATE SCHEMA {}", ident(&staging)),
        "create the staging schema",
    )?;
    for layer in &layers.layers {
        create_table(&txn, &staging, layer, &layers.notes)?;
        let table = txn
            .layer_by_name(&format!("{staging}.{}", layer.name))
            .map_err(|e| format!("table {}: {}", layer.name, message(&e)))?;
        let columns: Vec<String> = table.defn().fields().map(|f| f.name()).collect();
        let expected: Vec<&str> = layer.fields.iter().map(|f| f.name.as_str()).collect();
        if columns != expected {
            return Err(format!(
                "table {}: GDAL reads the columns {columns:?}, expected {expected:?}",
                layer.name
            ));
        }
        write_features(&table, layer)
            .map_err(|e| format!("table {}: {}", layer.name, message(&e)))?;
        sql(
            &txn,
            &format!(
                "CREATE INDEX ON {}.{} USING GIST (geom)",
                ident(&staging),
                ident(&layer.name)
            ),
            &format!("index table {}", layer.name),
        )?;
    }
    swap(&txn, &schema, &staging, layers)?;
    txn.commit()
        .map_err(|e| format!("cannot commit: {}", message(&e)))?;
    Ok(schema)
}

/// Creates `schema.name` for `layer`: `fid` primary key, the fields, `geom` in EPSG:3006; the
/// layer's description (with the `notes` on the data) and each field's description as comments.
fn create_table(ds: &Dataset, schema: &str, layer: &Layer, notes: &[String]) -> Result<(), String> {
    let table = format!("{}.{}", ident(schema), ident(&layer.name));
    let mut columns = vec!["fid serial PRIMARY KEY".to_string()];
    for field in &layer.fields {
        let ty = match field.kind {
            FieldKind::Text | FieldKind::List => "text",
            FieldKind::Integer => "integer",
            FieldKind::Real => "double precision",
            FieldKind::Boolean => "boolean",
        };
        columns.push(format!("{} {ty}", ident(&field.name)));
    }
    let geometry = match layer.geometry {
        LayerGeometry::MultiPolygon => "MultiPolygon",
        LayerGeometry::Any => "Geometry",
    };
    columns.push(format!("geom geometry({geometry}, 3006)"));
    let what = format!("create table {}", layer.name);
    sql(
        ds,
        &format!("CREATE TABLE {table} ({})", columns.join(", ")),
        &what,
    )?;
    sql(
        ds,
        &format!(
            "COMMENT ON TABLE {table} IS {}",
            literal(&format!(
                "{}: {}",
                layer.title,
                super::described(layer, notes)
            ))
        ),
        &what,
    )?;
    for field in &layer.fields {
        sql(
            ds,
            &format!(
                "COMMENT ON COLUMN {table}.{} IS {}",
                ident(&field.name),
                literal(&comment(field))
            ),
            &what,
        )?;
    }
    Ok(())
}

/// Step 2 of the module's recipe: drops the previous run's tables and those in the way, moves
/// the new ones into `schema`, rewrites the registry, drops the staging schema.
fn swap(ds: &Dataset, schema: &str, staging: &str, layers: &Layers) -> Result<(), String> {
    let registry = format!("{}.{}", ident(schema), ident(REGISTRY));
    sql(
        ds,
        &format!(
            "CREATE TABLE IF NOT EXISTS {registry} (name text PRIMARY KEY, title text, \
             description text, features integer, written timestamptz DEFAULT now())"
        ),
        "create the layer list",
    )?;
    let old = query_text(ds, &format!("SELECT name FROM {registry} ORDER BY name"))?;
    let existing = query_text(
        ds,
        &format!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = {}",
            literal(schema)
        ),
    )?;
    for layer in &layers.layers {
        if existing.contains(&layer.name) && !old.contains(&layer.name) {
            return Err(format!(
                "table {schema}.{} exists and was not written by housing-need (it is not in \
                 {schema}.{REGISTRY}); write to another schema (active_schema=NAME in the \
                 connection string) or drop that table",
                layer.name
            ));
        }
    }
    for name in &old {
        sql(
            ds,
            &format!("DROP TABLE IF EXISTS {}.{}", ident(schema), ident(name)),
            &format!("replace table {schema}.{name}"),
        )?;
    }
    sql(
        ds,
        &format!("DELETE FROM {registry}"),
        "clear the layer list",
    )?;
    for layer in &layers.layers {
        sql(
            ds,
            &format!(
                "ALTER TABLE {}.{} SET SCHEMA {}",
                ident(staging),
                ident(&layer.name),
                ident(schema)
            ),
            &format!("move table {} into {schema}", layer.name),
        )?;
        sql(
            ds,
            &format!(
                "INSERT INTO {registry} (name, title, description, features) VALUES ({}, {}, {}, {})",
                literal(&layer.name),
                literal(&layer.title),
                literal(&super::described(layer, &layers.notes)),
                layer.features.len()
            ),
            "write the layer list",
        )?;
    }
    sql(
        ds,
        &format!("DROP SCHEMA {}", ident(staging)),
        "drop the staging schema",
    )
}

/// Runs one statement; a failure names `what` was being done and PostgreSQL's message.
fn sql(ds: &Dataset, statement: &str, what: &str) -> Result<(), String> {
    ds.execute_sql(statement, None, Dialect::DEFAULT)
        .map(drop)
        .map_err(|e| format!("cannot {what}: {}", message(&e)))
}

/// The first column of every row a query returns, as text.
fn query_text(ds: &Dataset, query: &str) -> Result<Vec<String>, String> {
    let result = ds
        .execute_sql(query, None, Dialect::DEFAULT)
        .map_err(|e| format!("{query}: {}", message(&e)))?;
    let Some(mut rows) = result else {
        return Ok(Vec::new());
    };
    Ok(rows
        .features()
        .filter_map(|f| f.field_as_string(0).ok().flatten())
        .collect())
}

/// GDAL's message (libpq's text, one line).
fn message(e: &gdal::errors::GdalError) -> String {
    crate::ingest::gdal_message(e)
}

/// A quoted SQL identifier: the layer and field names are kept exactly (`demand-high`).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// An SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings_are_recognised_and_read() {
        let target = "PG:host=db dbname=plan active_schema='results' password=x";
        assert_eq!(option(target, "active_schema").as_deref(), Some("results"));
        assert_eq!(option(target, "ACTIVE_SCHEMA").as_deref(), Some("results"));
        assert_eq!(option(target, "schemas"), None);
        assert_eq!(ident("demand-high"), "\"demand-high\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
    }
}
