//! The coordinate reference systems the service offers (OGC API - Features Part 2) and their
//! axis orders.
//!
//! Every feature is prepared once in each CRS, so a request never reprojects: CRS84 and
//! EPSG:4326 share the longitude/latitude geometry (4326 with the axes swapped), EPSG:3006 uses
//! the SWEREF 99 TM geometry the model computes on. Axis order follows each CRS's definition,
//! as Part 2 requires: CRS84 is longitude, latitude; EPSG:4326 is latitude, longitude; EPSG:3006
//! is northing, easting.

use std::fmt;

/// One supported CRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// OGC CRS84: WGS 84 longitude, latitude (the GeoJSON default).
    Crs84,
    /// EPSG:4326: WGS 84 latitude, longitude.
    Epsg4326,
    /// EPSG:3006: SWEREF 99 TM, northing, easting in metres.
    Epsg3006,
}

/// Geometry family a CRS draws its coordinates from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Longitude/latitude (CRS84 and EPSG:4326).
    LonLat,
    /// SWEREF 99 TM easting/northing metres (EPSG:3006).
    Metric,
}

impl Crs {
    /// Every CRS, in the order listed in collection metadata.
    pub const ALL: [Crs; 3] = [Crs::Crs84, Crs::Epsg4326, Crs::Epsg3006];

    /// The CRS in which the service stores geometry (`storageCrs`): SWEREF 99 TM, the CRS the
    /// model computes areas and distances in.
    pub const STORAGE: Crs = Crs::Epsg3006;

    /// Canonical URI.
    pub fn uri(self) -> &'static str {
        match self {
            Crs::Crs84 => "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            Crs::Epsg4326 => "http://www.opengis.net/def/crs/EPSG/0/4326",
            Crs::Epsg3006 => "http://www.opengis.net/def/crs/EPSG/0/3006",
        }
    }

    /// Index into per-CRS arrays.
    pub fn index(self) -> usize {
        match self {
            Crs::Crs84 => 0,
            Crs::Epsg4326 => 1,
            Crs::Epsg3006 => 2,
        }
    }

    /// Which prepared geometry this CRS is written from.
    pub fn family(self) -> Family {
        match self {
            Crs::Crs84 | Crs::Epsg4326 => Family::LonLat,
            Crs::Epsg3006 => Family::Metric,
        }
    }

    /// True when the CRS's first axis is the northing/latitude (coordinates are written y, x).
    pub fn swaps_axes(self) -> bool {
        matches!(self, Crs::Epsg4326 | Crs::Epsg3006)
    }

    /// Decimals written for coordinates: 7 for degrees (about 1 cm), 2 for metres.
    pub fn decimals(self) -> usize {
        match self.family() {
            Family::LonLat => 7,
            Family::Metric => 2,
        }
    }

    /// Parses a CRS URI (also the short forms `EPSG:3006`, `EPSG:4326`, `CRS84`, `OGC:CRS84`,
    /// the safe CURIE `[EPSG:3006]` and the `https` variants of the URIs).
    pub fn parse(s: &str) -> Option<Crs> {
        let t = s.trim();
        let t = t
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(t);
        let t = t
            .strip_prefix("https://")
            .map_or_else(|| t.to_string(), |rest| format!("http://{rest}"));
        match t.trim_end_matches('/') {
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
            | "http://www.opengis.net/def/crs/OGC/0/CRS84"
            | "CRS84"
            | "OGC:CRS84"
            | "urn:ogc:def:crs:OGC:1.3:CRS84" => Some(Crs::Crs84),
            "http://www.opengis.net/def/crs/EPSG/0/4326"
            | "EPSG:4326"
            | "urn:ogc:def:crs:EPSG::4326" => Some(Crs::Epsg4326),
            "http://www.opengis.net/def/crs/EPSG/0/3006"
            | "EPSG:3006"
            | "urn:ogc:def:crs:EPSG::3006" => Some(Crs::Epsg3006),
            _ => None,
        }
    }

    /// Human name for HTML pages and messages.
    pub fn label(self) -> &'static str {
        match self {
            Crs::Crs84 => "CRS84 (WGS 84 longitude, latitude)",
            Crs::Epsg4326 => "EPSG:4326 (WGS 84 latitude, longitude)",
            Crs::Epsg3006 => "EPSG:3006 (SWEREF 99 TM northing, easting)",
        }
    }

    /// The list of accepted URIs, for error messages.
    pub fn accepted() -> String {
        Crs::ALL.map(Crs::uri).join(", ")
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.uri())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uris_and_short_forms() {
        assert_eq!(
            Crs::parse("http://www.opengis.net/def/crs/EPSG/0/3006"),
            Some(Crs::Epsg3006)
        );
        assert_eq!(Crs::parse("EPSG:4326"), Some(Crs::Epsg4326));
        assert_eq!(Crs::parse("[EPSG:3006]"), Some(Crs::Epsg3006));
        assert_eq!(
            Crs::parse("https://www.opengis.net/def/crs/OGC/1.3/CRS84"),
            Some(Crs::Crs84)
        );
        assert_eq!(Crs::parse("EPSG:3857"), None);
        assert!(Crs::Epsg3006.swaps_axes());
        assert!(!Crs::Crs84.swaps_axes());
    }
}
