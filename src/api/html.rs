//! HTML pages for people with a browser: the same documents as the JSON, readable, with links
//! to follow. Plain HTML with a little inline CSS; no scripts, nothing fetched from elsewhere.

use std::fmt::Write;

use serde_json::Value;

use super::crs::Crs;
use super::prepared::{Collection, Feature, Prepared};

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#222}\
nav{font-size:.9rem;margin-bottom:1rem}nav a{margin-right:.3rem}table{border-collapse:collapse;font-size:.9rem}\
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}\
td.n{text-align:right;font-variant-numeric:tabular-nums}code{background:#f3f3f3;padding:0 .2rem}\
.pager a{margin-right:1rem}";

/// A whole page: breadcrumbs from the landing page, a title, the body, and a link to the JSON.
pub fn page(
    base: &str,
    crumbs: &[(String, String)],
    title: &str,
    body: &str,
    json_href: &str,
) -> String {
    let mut nav = format!(r#"<a href="{}/">Home</a>"#, esc(base));
    for (href, label) in crumbs {
        let _ = write!(nav, r#" › <a href="{}">{}</a>"#, esc(href), esc(label));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body><nav>{nav}</nav><h1>{t}</h1>{body}\
         <p><a href=\"{j}\">This page as JSON</a></p></body></html>\n",
        t = esc(title),
        j = esc(json_href),
    )
}

/// Landing page.
pub fn landing(p: &Prepared, base: &str) -> String {
    let mut b = format!("<p>{}</p>", esc(&p.description));
    if !p.notes.is_empty() {
        b.push_str(r#"<section class="notes"><h2>About these data</h2><ul>"#);
        for note in &p.notes {
            let _ = write!(b, "<li>{}</li>", esc(note));
        }
        b.push_str("</ul></section>");
    }
    b.push_str("<ul>");
    let _ = write!(
        b,
        r#"<li><a href="{0}/collections">Collections</a></li><li><a href="{0}/api?f=html">API documentation</a> (<a href="{0}/api">OpenAPI 3.0 JSON</a>)</li><li><a href="{0}/conformance">Conformance</a></li></ul>"#,
        esc(base)
    );
    let _ = write!(
        b,
        "<p>In QGIS: Layer › Add Layer › Add WFS / OGC API - Features Layer, new connection with URL <code>{}</code>.</p>",
        esc(base)
    );
    page(base, &[], &p.title, &b, &format!("{base}/?f=json"))
}

/// Conformance classes.
pub fn conformance(classes: &[&str], base: &str) -> String {
    let mut b = String::from("<ul>");
    for c in classes {
        let _ = write!(b, "<li><code>{}</code></li>", esc(c));
    }
    b.push_str("</ul>");
    page(
        base,
        &[],
        "Conformance",
        &b,
        &format!("{base}/conformance?f=json"),
    )
}

fn collection_summary(c: &Collection, base: &str, b: &mut String) {
    let href = format!("{base}/collections/{}", c.id);
    let _ = write!(
        b,
        r#"<tr><td><a href="{h}">{id}</a></td><td>{t}</td><td class="n">{n}</td><td><a href="{h}/items?f=html">items</a></td></tr>"#,
        h = esc(&href),
        id = esc(&c.id),
        t = esc(&c.title),
        n = c.features.len()
    );
}

/// All collections.
pub fn collections(p: &Prepared, base: &str) -> String {
    let mut b = String::from("<table><tr><th>id</th><th>title</th><th>features</th><th></th></tr>");
    for c in &p.collections {
        collection_summary(c, base, &mut b);
    }
    b.push_str("</table>");
    page(
        base,
        &[],
        "Collections",
        &b,
        &format!("{base}/collections?f=json"),
    )
}

fn fields_table(c: &Collection, b: &mut String) {
    b.push_str("<table><tr><th>property</th><th>type</th><th>unit</th><th>meaning</th></tr>");
    for f in &c.fields {
        let _ = write!(
            b,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.name),
            f.kind.json_type(),
            esc(f.unit.unwrap_or("")),
            esc(&f.description)
        );
    }
    b.push_str("</table>");
}

/// One collection's metadata.
pub fn collection(c: &Collection, base: &str) -> String {
    let href = format!("{base}/collections/{}", c.id);
    let mut b = format!("<p>{}</p><ul>", esc(&c.description));
    let _ = write!(b, "<li>{} features", c.features.len());
    if let Some(t) = &c.geometry_type {
        let _ = write!(b, " ({})", esc(t));
    }
    b.push_str("</li>");
    if let Some(e) = c.extent_lonlat {
        let _ = write!(
            b,
            "<li>Extent (lon/lat): {:.4}, {:.4} – {:.4}, {:.4}</li>",
            e[0], e[1], e[2], e[3]
        );
    }
    if let Some(t) = c.temporal {
        let _ = write!(b, "<li>Time: {} – {}</li>", t.start_text(), t.end_text());
    }
    let crs: Vec<&str> = Crs::ALL.iter().map(|c| c.label()).collect();
    let _ = write!(
        b,
        "<li>CRS: {} (stored in {})</li></ul>",
        esc(&crs.join("; ")),
        esc(Crs::STORAGE.label())
    );
    let _ = write!(
        b,
        r#"<p><a href="{h}/items?f=html">Browse the features</a> · <a href="{h}/items?f=json">GeoJSON</a> · <a href="{h}/queryables">Queryables</a></p><h2>Properties</h2>"#,
        h = esc(&href)
    );
    fields_table(c, &mut b);
    page(
        base,
        &[(format!("{base}/collections"), "Collections".into())],
        &c.title,
        &b,
        &format!("{href}?f=json"),
    )
}

/// Queryables of a collection.
pub fn queryables(c: &Collection, base: &str) -> String {
    let href = format!("{base}/collections/{}", c.id);
    let mut b = format!(
        "<p>Filter the items of <code>{}</code> by equality with <code>?property=value</code>:</p>",
        esc(&c.id)
    );
    fields_table(c, &mut b);
    page(
        base,
        &[
            (format!("{base}/collections"), "Collections".into()),
            (href.clone(), c.title.clone()),
        ],
        "Queryables",
        &b,
        &format!("{href}/queryables?f=json"),
    )
}

/// API documentation: the endpoints and their parameters.
pub fn api(p: &Prepared, base: &str) -> String {
    let mut b = String::from(
        "<p>OGC API - Features (Parts 1 and 2). The machine-readable definition is the OpenAPI 3.0 document linked below.</p><table><tr><th>path</th><th>what</th></tr>",
    );
    let mut row = |path: String, what: &str| {
        let _ = write!(
            b,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            esc(&path),
            esc(what)
        );
    };
    row("/".into(), "Landing page");
    row("/conformance".into(), "Conformance classes");
    row("/api".into(), "This API definition (OpenAPI 3.0)");
    row("/collections".into(), "The collections");
    for c in &p.collections {
        row(format!("/collections/{}", c.id), &c.title);
        row(
            format!("/collections/{}/items", c.id),
            "Features: limit, offset, bbox, bbox-crs, crs, datetime, year, sortby, properties, f and property=value filters",
        );
        row(
            format!("/collections/{}/items/{{featureId}}", c.id),
            "One feature: crs, properties, f",
        );
        row(
            format!("/collections/{}/queryables", c.id),
            "Properties and their types (JSON Schema)",
        );
    }
    b.push_str("</table>");
    page(base, &[], "API", &b, &format!("{base}/api"))
}

fn cell(b: &mut String, v: &Value) {
    match v {
        Value::Number(n) => {
            let text = match n.as_f64() {
                Some(x) if n.is_f64() => format!("{}", (x * 100.0).round() / 100.0),
                _ => n.to_string(),
            };
            let _ = write!(b, r#"<td class="n">{text}</td>"#);
        }
        Value::String(s) => {
            let _ = write!(b, "<td>{}</td>", esc(s));
        }
        Value::Null => b.push_str("<td></td>"),
        other => {
            let _ = write!(b, "<td>{}</td>", esc(&other.to_string()));
        }
    }
}

/// A page of features as a table.
#[allow(clippy::too_many_arguments)]
pub fn items(
    c: &Collection,
    base: &str,
    features: &[&Feature],
    select: Option<&[usize]>,
    matched: usize,
    offset: usize,
    prev: Option<&str>,
    next: Option<&str>,
    json_href: &str,
) -> String {
    let href = format!("{base}/collections/{}", c.id);
    let all: Vec<usize> = (0..c.fields.len()).collect();
    let cols = select.unwrap_or(&all);
    let mut b = format!(
        "<p>Features {}–{} of {}.</p>",
        if features.is_empty() { 0 } else { offset + 1 },
        offset + features.len(),
        matched
    );
    let mut pager = String::from(r#"<p class="pager">"#);
    if let Some(p) = prev {
        let _ = write!(pager, r#"<a href="{}">‹ previous</a>"#, esc(p));
    }
    if let Some(n) = next {
        let _ = write!(pager, r#"<a href="{}">next ›</a>"#, esc(n));
    }
    pager.push_str("</p>");
    b.push_str(&pager);
    b.push_str("<table><tr><th>id</th>");
    for &i in cols {
        let _ = write!(b, "<th>{}</th>", esc(&c.fields[i].name));
    }
    b.push_str("</tr>");
    for f in features {
        let _ = write!(
            b,
            r#"<tr><td><a href="{}/items/{}?f=html">{}</a></td>"#,
            esc(&href),
            esc(&super::media::encode_segment(&f.id)),
            esc(&f.id)
        );
        for &i in cols {
            cell(&mut b, &f.values[i]);
        }
        b.push_str("</tr>");
    }
    b.push_str("</table>");
    b.push_str(&pager);
    page(
        base,
        &[
            (format!("{base}/collections"), "Collections".into()),
            (href, c.title.clone()),
        ],
        &format!("{} – features", c.title),
        &b,
        json_href,
    )
}

/// One feature.
pub fn item(
    c: &Collection,
    base: &str,
    f: &Feature,
    select: Option<&[usize]>,
    json_href: &str,
) -> String {
    let href = format!("{base}/collections/{}", c.id);
    let all: Vec<usize> = (0..c.fields.len()).collect();
    let mut b = String::from("<table><tr><th>property</th><th>value</th></tr>");
    for &i in select.unwrap_or(&all) {
        let _ = write!(b, "<tr><th>{}</th>", esc(&c.fields[i].name));
        cell(&mut b, &f.values[i]);
        b.push_str("</tr>");
    }
    b.push_str("</table>");
    page(
        base,
        &[
            (format!("{base}/collections"), "Collections".into()),
            (href.clone(), c.title.clone()),
            (format!("{href}/items?f=html"), "Features".into()),
        ],
        &f.id,
        &b,
        json_href,
    )
}
