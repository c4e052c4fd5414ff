//! The dashboard's own files (HTML template, CSS, ES modules), compiled into the binary so the
//! service needs nothing beside it but the npm-installed Leaflet.

/// The page template; `{{title}}` and `{{config}}` are filled in once per data load.
pub const PAGE_TEMPLATE: &str = include_str!("../../web/dashboard.html");

/// `(file name, content type, content)` of every file under `/dashboard/assets/`.
pub const ASSETS: &[(&str, &str, &str)] = &[
    (
        "dashboard.css",
        "text/css; charset=utf-8",
        include_str!("../../web/assets/dashboard.css"),
    ),
    (
        "main.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/assets/main.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/assets/api.js"),
    ),
    (
        "classify.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/assets/classify.js"),
    ),
    (
        "map.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/assets/map.js"),
    ),
    (
        "whatif.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/assets/whatif.js"),
    ),
    (
        "charts.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/assets/charts.js"),
    ),
    (
        "panel.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/assets/panel.js"),
    ),
    (
        "format.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/assets/format.js"),
    ),
];

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    crate::api::html::esc(s)
}

/// Makes JSON safe inside `<script type="application/json">`: no `</script>` or `<!--` can
/// close or confuse the element.
pub fn escape_script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The page with its title and configuration filled in.
pub fn render_page(title: &str, config_json: &str) -> String {
    let title = escape_html(title);
    let config = escape_script_json(config_json);
    // One pass, so a placeholder inside the dataset's own name is left alone.
    let mut out = String::with_capacity(PAGE_TEMPLATE.len() + config.len());
    let mut rest = PAGE_TEMPLATE;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if let Some(after) = tail.strip_prefix("{{title}}") {
            out.push_str(&title);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{{config}}") {
            out.push_str(&config);
            rest = after;
        } else {
            out.push_str("{{");
            rest = &tail[2..];
        }
    }
    out.push_str(rest);
    out
}
