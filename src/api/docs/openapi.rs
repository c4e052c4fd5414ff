//! The OpenAPI 3.0 document (`/api`), generated from the collections so that every items path
//! lists its real parameters: GDAL reads the property parameters of
//! `/collections/{id}/items` to decide which filters it may send to the server, and QGIS reads
//! its page size from `components.parameters.limit.schema` (`default`, `maximum`).

use serde_json::{json, Map, Value};

use crate::api::crs::Crs;
use crate::api::media::{GEOJSON, HTML, JSON, OPENAPI, SCHEMA};
use crate::api::prepared::{Prepared, BASE};
use crate::api::query::{DEFAULT_LIMIT, MAX_LIMIT};

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn errors() -> Value {
    json!({
        "400": { "$ref": "#/components/responses/InvalidParameter" },
        "404": { "$ref": "#/components/responses/NotFound" },
        "default": { "$ref": "#/components/responses/ServerError" }
    })
}

fn ok(description: &str, json_type: &str, schema: Value) -> Value {
    let mut content = Map::new();
    content.insert(json_type.into(), json!({ "schema": schema }));
    content.insert(
        HTML.split(';').next().unwrap_or(HTML).into(),
        json!({ "schema": { "type": "string" } }),
    );
    let mut responses = errors();
    responses["200"] = json!({ "description": description, "content": content });
    responses
}

fn get(summary: &str, op: &str, tag: &str, parameters: Vec<Value>, responses: Value) -> Value {
    json!({ "get": {
        "summary": summary,
        "operationId": op,
        "tags": [tag],
        "parameters": parameters,
        "responses": responses
    }})
}

/// Builds the OpenAPI document; server URLs hold the [`BASE`] placeholder.
pub fn document(p: &Prepared) -> Value {
    let crs_uris: Vec<&str> = Crs::ALL.iter().map(|c| c.uri()).collect();
    let mut paths = Map::new();
    paths.insert(
        "/".into(),
        get(
            "Landing page",
            "getLandingPage",
            "Capabilities",
            vec![r("f")],
            ok(
                "Links to the API definition, conformance and collections",
                JSON,
                json!({"type":"object"}),
            ),
        ),
    );
    paths.insert(
        "/conformance".into(),
        get(
            "Conformance classes implemented",
            "getConformance",
            "Capabilities",
            vec![r("f")],
            ok(
                "The conformance classes",
                JSON,
                json!({"$ref":"#/components/schemas/confClasses"}),
            ),
        ),
    );
    paths.insert(
        "/api".into(),
        get(
            "This API definition",
            "getApi",
            "Capabilities",
            vec![r("f")],
            ok("The OpenAPI document", OPENAPI, json!({"type":"object"})),
        ),
    );
    paths.insert(
        "/collections".into(),
        get(
            "The collections",
            "getCollections",
            "Capabilities",
            vec![r("f")],
            ok("The feature collections", JSON, json!({"type":"object"})),
        ),
    );
    // Per collection: the schema of its features' properties, from the layer's fields.
    let mut schemas = Map::new();
    for c in &p.collections {
        let id = &c.id;
        schemas.insert(format!("{id}_properties"), properties_schema(c));
        schemas.insert(
            format!("{id}_feature"),
            json!({ "allOf": [
                { "$ref": "#/components/schemas/featureGeoJSON" },
                { "type": "object", "properties": {
                    "properties": { "$ref": format!("#/components/schemas/{id}_properties") }
                } }
            ] }),
        );
        schemas.insert(
            format!("{id}_featureCollection"),
            json!({ "allOf": [
                { "$ref": "#/components/schemas/featureCollectionGeoJSON" },
                { "type": "object", "properties": {
                    "features": {
                        "type": "array",
                        "items": { "$ref": format!("#/components/schemas/{id}_feature") }
                    }
                } }
            ] }),
        );
    }
    for c in &p.collections {
        let id = &c.id;
        let base_path = format!("/collections/{id}");
        paths.insert(
            base_path.clone(),
            get(
                &format!("Describe {id}"),
                &format!("describe_{id}"),
                "Data",
                vec![r("f")],
                ok(&c.title, JSON, json!({"type":"object"})),
            ),
        );
        let mut params = vec![r("limit"), r("offset"), r("bbox"), r("bbox-crs"), r("crs")];
        if c.temporal.is_some() {
            params.push(r("datetime"));
            params.push(r("year"));
        }
        params.extend([r("sortby"), r("properties"), r("f")]);
        for field in &c.fields {
            if crate::api::query::RESERVED.contains(&field.name.as_str())
                || field.kind == crate::layers::FieldKind::List
            {
                continue;
            }
            let mut schema = json!({ "type": field.kind.json_type() });
            if let Some(unit) = field.unit {
                schema["x-ogc-unit"] = Value::from(unit);
            }
            params.push(json!({
                "name": field.name,
                "in": "query",
                "required": false,
                "description": format!(
                    "Only features whose '{}' equals this value (repeat for any of several). {}",
                    field.name,
                    field.description
                ).trim().to_string(),
                "style": "form",
                "explode": true,
                "schema": schema
            }));
        }
        paths.insert(
            format!("{base_path}/items"),
            get(
                &format!("Features of {id}"),
                &format!("getFeatures_{id}"),
                "Data",
                params,
                ok(
                    "A page of features, with numberMatched and a next link",
                    GEOJSON,
                    json!({ "$ref": format!("#/components/schemas/{id}_featureCollection") }),
                ),
            ),
        );
        paths.insert(
            format!("{base_path}/items/{{featureId}}"),
            get(
                &format!("One feature of {id}"),
                &format!("getFeature_{id}"),
                "Data",
                vec![r("featureId"), r("crs"), r("properties"), r("f")],
                ok(
                    "The feature",
                    GEOJSON,
                    json!({ "$ref": format!("#/components/schemas/{id}_feature") }),
                ),
            ),
        );
        paths.insert(
            format!("{base_path}/queryables"),
            get(
                &format!("Queryable properties of {id}"),
                &format!("getQueryables_{id}"),
                "Data",
                vec![r("f")],
                ok(
                    "JSON Schema of the properties",
                    SCHEMA,
                    json!({"type":"object"}),
                ),
            ),
        );
    }

    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": p.title,
            "description": p.description,
            "version": env!("CARGO_PKG_VERSION"),
            "license": { "name": "MIT" }
        },
        "servers": [ { "url": BASE.to_string(), "description": "This service" } ],
        "tags": [
            { "name": "Capabilities", "description": "What the service offers" },
            { "name": "Data", "description": "Collections and their features" }
        ],
        "paths": paths,
        "components": {
            "parameters": {
                "limit": {
                    "name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": format!("Features per page: default {DEFAULT_LIMIT}, at most {MAX_LIMIT} (a larger value is clamped). Follow the next link for more."),
                    "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT }
                },
                "offset": {
                    "name": "offset", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Features to skip (the next links carry it).",
                    "schema": { "type": "integer", "minimum": 0, "default": 0 }
                },
                "bbox": {
                    "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Only features whose geometry meets this box: minx,miny,maxx,maxy in the axis order of bbox-crs (CRS84: lon,lat; EPSG:4326: lat,lon; EPSG:3006: northing,easting).",
                    "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } }
                },
                "bbox-crs": {
                    "name": "bbox-crs", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "CRS of bbox.",
                    "schema": { "type": "string", "format": "uri", "enum": crs_uris, "default": Crs::Crs84.uri() }
                },
                "crs": {
                    "name": "crs", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "CRS of the response geometries, in that CRS's axis order; the Content-Crs header names it.",
                    "schema": { "type": "string", "format": "uri", "enum": crs_uris, "default": Crs::Crs84.uri() }
                },
                "datetime": {
                    "name": "datetime", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Only features of this time: an RFC 3339 date-time or date, a year (2030), or an interval start/end with '..' for an open end (2025/2030, 2030-01-01T00:00:00Z/..). Each feature covers its calendar year.",
                    "schema": { "type": "string" }
                },
                "year": {
                    "name": "year", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Shortcut for datetime with years: 2030, 2025/2030, 2030/..",
                    "schema": { "type": "string" }
                },
                "sortby": {
                    "name": "sortby", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Comma-separated property names, each optionally prefixed with + (ascending, default) or - (descending).",
                    "schema": { "type": "string" }
                },
                "properties": {
                    "name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Comma-separated property names to include (default: all).",
                    "schema": { "type": "string" }
                },
                "f": {
                    "name": "f", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Response format; without it the Accept header decides (browsers get HTML).",
                    "schema": { "type": "string", "enum": ["json", "html"], "default": "json" }
                },
                "featureId": {
                    "name": "featureId", "in": "path", "required": true,
                    "description": "Feature id (districts: the district code; demand: {district}-{year}).",
                    "schema": { "type": "string" }
                }
            },
            "schemas": {
                "exception": {
                    "type": "object", "required": ["code"],
                    "properties": { "code": { "type": "string" }, "description": { "type": "string" }, "parameter": { "type": "string", "description": "the query parameter at fault, when there is one" } }
                },
                "link": {
                    "type": "object", "required": ["href", "rel"],
                    "properties": {
                        "href": { "type": "string" }, "rel": { "type": "string" },
                        "type": { "type": "string" }, "title": { "type": "string" }
                    }
                },
                "confClasses": {
                    "type": "object", "required": ["conformsTo"],
                    "properties": { "conformsTo": { "type": "array", "items": { "type": "string" } } }
                },
                "featureGeoJSON": {
                    "type": "object", "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": { "type": "string", "enum": ["Feature"] },
                        "id": { "type": "string" },
                        "geometry": { "type": "object", "nullable": true },
                        "properties": { "type": "object", "nullable": true },
                        "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } }
                    }
                },
                "featureCollectionGeoJSON": {
                    "type": "object", "required": ["type", "features"],
                    "properties": {
                        "type": { "type": "string", "enum": ["FeatureCollection"] },
                        "features": { "type": "array", "items": { "$ref": "#/components/schemas/featureGeoJSON" } },
                        "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } },
                        "timeStamp": { "type": "string", "format": "date-time" },
                        "numberMatched": { "type": "integer", "minimum": 0 },
                        "numberReturned": { "type": "integer", "minimum": 0 }
                    }
                }
            },
            "responses": {
                "InvalidParameter": {
                    "description": "A parameter has a value the service cannot use.",
                    "content": { JSON: { "schema": { "$ref": "#/components/schemas/exception" } } }
                },
                "NotFound": {
                    "description": "No such collection or feature.",
                    "content": { JSON: { "schema": { "$ref": "#/components/schemas/exception" } } }
                },
                "ServerError": {
                    "description": "A server error.",
                    "content": { JSON: { "schema": { "$ref": "#/components/schemas/exception" } } }
                }
            }
        }
    });
    if let Some(Value::Object(all)) = doc.pointer_mut("/components/schemas") {
        all.extend(schemas);
    }
    doc
}

/// The JSON Schema (OpenAPI 3.0 flavour) of a collection's feature properties: every field of
/// its layer with type, description and unit (`x-ogc-unit`); any value may be null.
fn properties_schema(c: &crate::api::prepared::Collection) -> Value {
    let mut props = Map::new();
    for f in &c.fields {
        let mut s = json!({
            "type": f.kind.json_type(),
            "description": f.description,
            "nullable": true,
        });
        if f.kind == crate::layers::FieldKind::List {
            s["items"] = json!({ "type": "object" });
        }
        if let Some(unit) = f.unit {
            s["x-ogc-unit"] = Value::from(unit);
        }
        props.insert(f.name.clone(), s);
    }
    json!({ "type": "object", "properties": props })
}
