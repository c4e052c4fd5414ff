//! The metadata documents of one data load (landing page, conformance, OpenAPI, collections,
//! queryables), built once when the data is prepared and completed per request with the base
//! URL the client used.
//!
//! They depend only on the prepared data, never on a request, so the service state can hold
//! them beside the data and swap both at once on a reload.

pub mod openapi;

use serde_json::{json, Value};

use super::crs::Crs;
use super::media::{GEOJSON, JSON, OPENAPI, SCHEMA};
use super::prepared::{Collection, FieldKind, Prepared, Template, BASE};

/// The conformance classes this service implements, and only those.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
];

/// Rel of the queryables link (OGC API - Features Part 3).
pub const REL_QUERYABLES: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

/// Metadata documents of one data load, with the base URL left open.
#[derive(Debug, Default)]
pub struct Docs {
    /// `/`
    pub landing: Template,
    /// `/conformance`
    pub conformance: Template,
    /// `/api`
    pub api: Template,
    /// `/collections`
    pub collections: Template,
    /// `/collections/{id}`, in collection order.
    pub collection: Vec<Template>,
    /// `/collections/{id}/queryables`, in collection order.
    pub queryables: Vec<Template>,
}

/// A link object of an OGC document.
pub fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media, "title": title })
}

/// The collection description (`/collections/{id}` and an entry of `/collections`).
pub fn collection_json(c: &Collection) -> Value {
    let href = format!("{BASE}/collections/{}", c.id);
    let mut extent = serde_json::Map::new();
    if let Some(e) = c.extent_lonlat {
        let mut spatial = json!({ "bbox": [e], "crs": Crs::Crs84.uri() });
        // Part 2: the extent in the storage CRS, in its axis order (northing, easting), so
        // that it can be sent back as `bbox` with `bbox-crs` EPSG:3006.
        if let Some(m) = c.extent_metric {
            spatial["storageCrsBbox"] = json!([[m[1], m[0], m[3], m[2]]]);
        }
        extent.insert("spatial".into(), spatial);
    }
    if let Some(t) = c.temporal {
        extent.insert(
            "temporal".into(),
            json!({
                "interval": [[t.start_text(), t.end_text()]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
            }),
        );
    }
    json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "extent": extent,
        "crs": Crs::ALL.map(Crs::uri),
        "storageCrs": Crs::STORAGE.uri(),
        "links": [
            link(href.clone(), "self", JSON, "This collection"),
            link(format!("{href}?f=html"), "alternate", "text/html", "This collection as HTML"),
            link(format!("{href}/items"), "items", GEOJSON, "The features (GeoJSON)"),
            link(format!("{href}/items?f=html"), "items", "text/html", "The features as HTML"),
            link(format!("{href}/queryables"), REL_QUERYABLES, SCHEMA, "Queryable properties"),
        ]
    })
}

fn queryables_json(c: &Collection) -> Value {
    let mut props = serde_json::Map::new();
    // Every field a filter can compare (a list, such as a flag's reasons, cannot be).
    for f in c.fields.iter().filter(|f| f.kind != FieldKind::List) {
        let mut p = json!({
            "title": f.name,
            "type": f.kind.json_type(),
            "description": f.description,
        });
        if let Some(unit) = f.unit {
            // OGC API - Features - Part 5 (schemas): the unit of measure of a property.
            p["x-ogc-unit"] = Value::from(unit);
        }
        props.insert(f.name.clone(), p);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{BASE}/collections/{}/queryables", c.id),
        "type": "object",
        "title": c.title,
        "properties": props,
        "additionalProperties": false
    })
}

impl Docs {
    /// Builds every metadata document of `p`.
    pub fn build(p: &Prepared) -> Self {
        let landing = json!({
            "title": p.title,
            "description": p.description,
            "notes": p.notes,
            "links": [
                link(format!("{BASE}/"), "self", JSON, "This document"),
                link(format!("{BASE}/?f=html"), "alternate", "text/html", "This document as HTML"),
                link(format!("{BASE}/api"), "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
                link(format!("{BASE}/api?f=html"), "service-doc", "text/html", "The API documentation"),
                link(format!("{BASE}/conformance"), "conformance", JSON, "Conformance classes implemented"),
                link(format!("{BASE}/collections"), "data", JSON, "The collections"),
                link(format!("{BASE}/dashboard"), "related", "text/html", "Dashboard: housing need by district, flags and bottlenecks"),
                link(format!("{BASE}/bottlenecks"), "related", JSON, "Building-process bottlenecks (JSON; f=csv for CSV)"),
                link(format!("{BASE}/export/demand.csv"), "related", "text/csv", "Demand per district and year as CSV (for BI tools)"),
            ]
        });
        let collections = json!({
            "links": [
                link(format!("{BASE}/collections"), "self", JSON, "This document"),
                link(format!("{BASE}/collections?f=html"), "alternate", "text/html", "This document as HTML"),
            ],
            "collections": p.collections.iter().map(collection_json).collect::<Vec<_>>(),
        });
        Self {
            landing: Template::json(&landing),
            conformance: Template::json(&json!({ "conformsTo": CONFORMANCE })),
            api: Template::json(&openapi::document(p)),
            collections: Template::json(&collections),
            collection: p
                .collections
                .iter()
                .map(|c| Template::json(&collection_json(c)))
                .collect(),
            queryables: p
                .collections
                .iter()
                .map(|c| Template::json(&queryables_json(c)))
                .collect(),
        }
    }
}
