//! OGC API - Features Part 1 (core, GeoJSON, HTML, OpenAPI 3.0) and Part 2 (CRS): the
//! handlers.
//!
//! Metadata documents are built once per data load ([`super::docs`]) and completed with the
//! request's base URL; item pages are concatenated from pre-serialised features.

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use serde_json::Value;

use super::crs::Crs;
use super::docs::link;
use super::error::ApiError;
use super::html;
use super::media::Format;
use super::media::{encode_query, encode_segment, GEOJSON, HTML, JSON, OPENAPI, SCHEMA};
use super::prepared::{Collection, Prepared};
use super::query::{
    check_known, parse_crs, parse_properties, ItemsQuery, DOCUMENT_PARAMS, ITEM_PARAMS,
};
use super::request::Ctx;

pub use super::docs::{collection_json, Docs, CONFORMANCE, REL_QUERYABLES};

/// `GET /`
pub async fn landing(ctx: Ctx) -> Result<Response, ApiError> {
    ctx.only(DOCUMENT_PARAMS)?;
    Ok(ctx.document(
        JSON,
        || ctx.docs.landing.render(&ctx.base),
        || html::landing(&ctx.data, &ctx.base),
    ))
}

/// `GET /conformance`
pub async fn conformance(ctx: Ctx) -> Result<Response, ApiError> {
    ctx.only(DOCUMENT_PARAMS)?;
    Ok(ctx.document(
        JSON,
        || ctx.docs.conformance.render(&ctx.base),
        || html::conformance(CONFORMANCE, &ctx.base),
    ))
}

/// `GET /api`
pub async fn api(ctx: Ctx) -> Result<Response, ApiError> {
    ctx.only(DOCUMENT_PARAMS)?;
    Ok(ctx.document(
        OPENAPI,
        || ctx.docs.api.render(&ctx.base),
        || html::api(&ctx.data, &ctx.base),
    ))
}

/// `GET /collections`
pub async fn collections(ctx: Ctx) -> Result<Response, ApiError> {
    ctx.only(DOCUMENT_PARAMS)?;
    Ok(ctx.document(
        JSON,
        || ctx.docs.collections.render(&ctx.base),
        || html::collections(&ctx.data, &ctx.base),
    ))
}

fn path_error(_: PathRejection) -> ApiError {
    ApiError::bad_path("the path is not valid percent-encoded UTF-8")
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
    ctx.only(DOCUMENT_PARAMS)?;
    Ok(ctx.document(
        JSON,
        || ctx.docs.collection[i].render(&ctx.base),
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
    ctx.only(DOCUMENT_PARAMS)?;
    Ok(ctx.document(
        SCHEMA,
        || ctx.docs.queryables[i].render(&ctx.base),
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
    let q = ItemsQuery::parse(&ctx.pairs, c)?;
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
        let next = (q.offset.saturating_add(page.len()) < matched)
            .then(|| with(q.offset.saturating_add(q.limit), None));
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
    check_known(&ctx.pairs, ITEM_PARAMS, |_| false, None)?;
    let crs = parse_crs(&ctx.pairs)?;
    let select = parse_properties(&ctx.pairs, c)?;
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
