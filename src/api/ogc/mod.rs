//! OGC API - Features Part 1 (core, GeoJSON, HTML, OpenAPI 3.0) and Part 2 (CRS): the
//! documents and the handlers that serve them.
//!
//! Metadata documents are built once per data load as [`Template`]s and completed with the
//! request's base URL; item pages are concatenated from pre-serialised features.

pub mod openapi;

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use serde_json::{json, Value};

use super::crs::Crs;
use super::error::ApiError;
use super::html;
use super::prepared::{Collection, Prepared, Template, BASE};
use super::query::{parse_crs, parse_properties, ItemsQuery};
use super::request::{
    encode_query, encode_segment, Ctx, Format, GEOJSON, HTML, JSON, OPENAPI, SCHEMA,
};

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

fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media, "title": title })
}

/// The collection description (`/collections/{id}` and an entry of `/collections`).
pub fn collection_json(c: &Collection) -> Value {
    let href = format!("{BASE}/collections/{}", c.id);
    let mut extent = serde_json::Map::new();
    if let Some(e) = c.extent_lonlat {
        extent.insert(
            "spatial".into(),
            json!({ "bbox": [e], "crs": Crs::Crs84.uri() }),
        );
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
    for f in &c.fields {
        let mut p = json!({ "title": f.name, "type": f.kind.json_type() });
        if let Some(d) = &f.description {
            p["description"] = Value::from(d.clone());
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

/// `GET /`
pub async fn landing(ctx: Ctx) -> Response {
    ctx.document(
        JSON,
        || ctx.data.docs.landing.render(&ctx.base),
        || html::landing(&ctx.data, &ctx.base),
    )
}

/// `GET /conformance`
pub async fn conformance(ctx: Ctx) -> Response {
    ctx.document(
        JSON,
        || ctx.data.docs.conformance.render(&ctx.base),
        || html::conformance(CONFORMANCE, &ctx.base),
    )
}

/// `GET /api`
pub async fn api(ctx: Ctx) -> Response {
    ctx.document(
        OPENAPI,
        || ctx.data.docs.api.render(&ctx.base),
        || html::api(&ctx.data, &ctx.base),
    )
}

/// `GET /collections`
pub async fn collections(ctx: Ctx) -> Response {
    ctx.document(
        JSON,
        || ctx.data.docs.collections.render(&ctx.base),
        || html::collections(&ctx.data, &ctx.base),
    )
}

fn path_error(e: PathRejection) -> ApiError {
    ApiError::bad_request(format!("bad path: {e}"))
}

fn find<'a>(data: &'a Prepared, id: &str) -> Result<(usize, &'a Collection), ApiError> {
    data.collection_index(id)
        .and_then(|i| data.collections.get(i).map(|c| (i, c)))
        .ok_or_else(|| {
            let ids: Vec<&str> = data.collections.iter().map(|c| c.id.as_str()).collect();
            ApiError::not_found(format!(
                "no collection '{id}'; collections are: {}",
                ids.join(", ")
            ))
        })
}

/// `GET /collections/{collectionId}`
pub async fn collection(
    ctx: Ctx,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(path_error)?;
    let (i, c) = find(&ctx.data, &id)?;
    Ok(ctx.document(
        JSON,
        || ctx.data.docs.collection[i].render(&ctx.base),
        || html::collection(c, &ctx.base),
    ))
}

/// `GET /collections/{collectionId}/queryables`
pub async fn queryables(
    ctx: Ctx,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(path_error)?;
    let (i, c) = find(&ctx.data, &id)?;
    Ok(ctx.document(
        SCHEMA,
        || ctx.data.docs.queryables[i].render(&ctx.base),
        || html::queryables(c, &ctx.base),
    ))
}

/// The query string of `pairs` without the keys in `drop`, followed by `add`; `""` or `?…`.
fn query_string(pairs: &[(String, String)], drop: &[&str], add: &[(&str, String)]) -> String {
    let mut parts: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v)))
        .collect();
    parts.extend(add.iter().map(|(k, v)| format!("{k}={}", encode_query(v))));
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn content_crs(crs: Crs) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static("content-crs"),
        HeaderValue::from_static(match crs {
            Crs::Crs84 => "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>",
            Crs::Epsg4326 => "<http://www.opengis.net/def/crs/EPSG/0/4326>",
            Crs::Epsg3006 => "<http://www.opengis.net/def/crs/EPSG/0/3006>",
        }),
    )
}

/// `GET /collections/{collectionId}/items`
pub async fn items(
    ctx: Ctx,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(path_error)?;
    let (_, c) = find(&ctx.data, &id)?;
    let q = ItemsQuery::parse(&ctx, c)?;
    let href = format!("{}/collections/{}/items", ctx.base, c.id);
    let build = || {
        let sel = q.select(c);
        let matched = sel.len();
        let page = sel.page(q.offset, q.limit);
        let with = |offset: usize, f: Option<&str>| {
            let mut drop = vec!["limit", "offset"];
            let mut add = vec![
                ("limit", q.limit.to_string()),
                ("offset", offset.to_string()),
            ];
            if let Some(f) = f {
                drop.push("f");
                add.insert(0, ("f", f.to_string()));
            }
            format!("{href}{}", query_string(&ctx.pairs, &drop, &add))
        };
        let next = (q.offset + page.len() < matched).then(|| with(q.offset + q.limit, None));
        let prev = (q.offset > 0 && matched > 0).then(|| {
            with(
                q.offset
                    .saturating_sub(q.limit)
                    .min(matched.saturating_sub(1)),
                None,
            )
        });
        (matched, page, next, prev, with)
    };
    let resp = match ctx.format {
        Format::Json => ctx.respond(GEOJSON, &[content_crs(q.crs)], || {
            let (matched, page, next, prev, with) = build();
            let this = format!("{href}{}", query_string(&ctx.pairs, &[], &[]));
            let mut links = vec![
                link(this, "self", GEOJSON, "This page"),
                link(with(q.offset, Some("html")), "alternate", "text/html", "This page as HTML"),
                link(format!("{}/collections/{}", ctx.base, c.id), "collection", JSON, &c.title),
            ];
            if let Some(n) = next {
                links.push(link(n, "next", GEOJSON, "Next page"));
            }
            if let Some(p) = prev {
                links.push(link(p, "prev", GEOJSON, "Previous page"));
            }
            let mut out = Vec::with_capacity(256 + page.len() * 2048);
            out.extend_from_slice(
                format!(
                    r#"{{"type":"FeatureCollection","numberMatched":{matched},"numberReturned":{},"timeStamp":"{}","links":{},"features":["#,
                    page.len(),
                    ctx.data.prepared_at,
                    Value::Array(links)
                )
                .as_bytes(),
            );
            for (n, &i) in page.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                c.features[i].write(&mut out, &c.shapes, q.crs, q.properties.as_deref(), None);
            }
            out.extend_from_slice(b"]}");
            out
        }),
        Format::Html => ctx.respond(HTML, &[], || {
            let (matched, page, next, prev, with) = build();
            let features: Vec<_> = page.iter().map(|&i| &c.features[i]).collect();
            html::items(
                c,
                &ctx.base,
                &features,
                q.properties.as_deref(),
                matched,
                q.offset,
                prev.as_deref(),
                next.as_deref(),
                &with(q.offset, Some("json")),
            )
            .into_bytes()
        }),
    };
    Ok(resp)
}

/// `GET /collections/{collectionId}/items/{featureId}`
pub async fn item(
    ctx: Ctx,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((id, fid)) = path.map_err(path_error)?;
    let (_, c) = find(&ctx.data, &id)?;
    let f = c.feature(&fid).ok_or_else(|| {
        ApiError::not_found(format!("no feature '{fid}' in collection '{}'", c.id))
    })?;
    let crs = parse_crs(&ctx)?;
    let select = parse_properties(&ctx, c)?;
    let href = format!(
        "{}/collections/{}/items/{}",
        ctx.base,
        c.id,
        encode_segment(&f.id)
    );
    let resp = match ctx.format {
        Format::Json => ctx.respond(GEOJSON, &[content_crs(crs)], || {
            let links = Value::Array(vec![
                link(
                    format!("{href}{}", query_string(&ctx.pairs, &[], &[])),
                    "self",
                    GEOJSON,
                    "This feature",
                ),
                link(
                    format!(
                        "{href}{}",
                        query_string(&ctx.pairs, &["f"], &[("f", "html".into())])
                    ),
                    "alternate",
                    "text/html",
                    "This feature as HTML",
                ),
                link(
                    format!("{}/collections/{}", ctx.base, c.id),
                    "collection",
                    JSON,
                    &c.title,
                ),
            ]);
            let mut out = Vec::with_capacity(4096);
            f.write(
                &mut out,
                &c.shapes,
                crs,
                select.as_deref(),
                Some(&format!(r#","links":{links}"#)),
            );
            out
        }),
        Format::Html => ctx.respond(HTML, &[], || {
            html::item(
                c,
                &ctx.base,
                f,
                select.as_deref(),
                &format!(
                    "{href}{}",
                    query_string(&ctx.pairs, &["f"], &[("f", "json".into())])
                ),
            )
            .into_bytes()
        }),
    };
    Ok(resp)
}
