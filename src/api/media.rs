//! What goes on the wire beside the data: the response formats, media types and
//! percent-encoding of links.
//!
//! Kept apart from the request handling so that the documents built once per data load
//! (`docs`) and the handlers can both use them without depending on each other.

/// Response format, as negotiated for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JSON (GeoJSON for features).
    Json,
    /// HTML for a browser.
    Html,
}

/// HTML media type.
pub const HTML: &str = "text/html; charset=utf-8";
/// JSON media type.
pub const JSON: &str = "application/json";
/// GeoJSON media type.
pub const GEOJSON: &str = "application/geo+json";
/// OpenAPI 3.0 media type.
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";
/// JSON Schema media type.
pub const SCHEMA: &str = "application/schema+json";

/// Percent-encodes a query key or value (unreserved characters and `,:/` kept).
pub fn encode_query(s: &str) -> String {
    encode(s, b"-._~,:/")
}

/// Percent-encodes one path segment (a feature id).
pub fn encode_segment(s: &str) -> String {
    encode(s, b"-._~")
}

fn encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(encode_query("-year,gap"), "-year,gap");
        assert_eq!(encode_query("+year &x"), "%2Byear%20%26x");
        assert_eq!(encode_segment("Stad å-1"), "Stad%20%C3%A5-1");
    }
}
