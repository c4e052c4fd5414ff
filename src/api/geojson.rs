//! Writing `geo` geometries as GeoJSON text in a given axis order and precision.
//!
//! Done once per data load for every geometry and CRS; requests only copy the text. Written by
//! hand rather than through `geojson` so that axis order (Part 2) and the number of decimals
//! are under our control and no intermediate values are built.

use std::fmt::Write;

use geo::{Coord, Geometry, LineString, Polygon};

use super::crs::Crs;

/// Appends `g` as a GeoJSON geometry object to `out`, coordinates in `crs`'s axis order.
/// `g` must already be in the family `crs` is written from (lon/lat or metres).
pub fn write_geometry(out: &mut String, g: &Geometry<f64>, crs: Crs) {
    let w = Writer {
        swap: crs.swaps_axes(),
        decimals: crs.decimals(),
    };
    w.geometry(out, g);
}

/// Formats `v` with at most `decimals` decimals, trailing zeros removed (`12.5`, `7`, `-0.25`).
pub fn number(out: &mut String, v: f64, decimals: usize) {
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    let start = out.len();
    let _ = write!(out, "{v:.decimals$}");
    if out[start..].contains('.') {
        while out.ends_with('0') {
            out.pop();
        }
        if out.ends_with('.') {
            out.pop();
        }
    }
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

struct Writer {
    swap: bool,
    decimals: usize,
}

impl Writer {
    fn coord(&self, out: &mut String, c: Coord<f64>) {
        let (a, b) = if self.swap { (c.y, c.x) } else { (c.x, c.y) };
        out.push('[');
        number(out, a, self.decimals);
        out.push(',');
        number(out, b, self.decimals);
        out.push(']');
    }

    fn coords(&self, out: &mut String, coords: impl Iterator<Item = Coord<f64>>) {
        out.push('[');
        for (i, c) in coords.enumerate() {
            if i > 0 {
                out.push(',');
            }
            self.coord(out, c);
        }
        out.push(']');
    }

    fn ring(&self, out: &mut String, ring: &LineString<f64>) {
        self.coords(out, ring.0.iter().copied());
    }

    fn polygon(&self, out: &mut String, p: &Polygon<f64>) {
        out.push('[');
        self.ring(out, p.exterior());
        for r in p.interiors() {
            out.push(',');
            self.ring(out, r);
        }
        out.push(']');
    }

    fn list<T>(&self, out: &mut String, items: &[T], f: impl Fn(&Self, &mut String, &T)) {
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            f(self, out, item);
        }
        out.push(']');
    }

    fn geometry(&self, out: &mut String, g: &Geometry<f64>) {
        match g {
            Geometry::Point(p) => {
                out.push_str(r#"{"type":"Point","coordinates":"#);
                self.coord(out, p.0);
            }
            Geometry::MultiPoint(mp) => {
                out.push_str(r#"{"type":"MultiPoint","coordinates":"#);
                self.coords(out, mp.0.iter().map(|p| p.0));
            }
            Geometry::Line(l) => {
                out.push_str(r#"{"type":"LineString","coordinates":"#);
                self.coords(out, [l.start, l.end].into_iter());
            }
            Geometry::LineString(ls) => {
                out.push_str(r#"{"type":"LineString","coordinates":"#);
                self.ring(out, ls);
            }
            Geometry::MultiLineString(mls) => {
                out.push_str(r#"{"type":"MultiLineString","coordinates":"#);
                self.list(out, &mls.0, Self::ring);
            }
            Geometry::Polygon(p) => {
                out.push_str(r#"{"type":"Polygon","coordinates":"#);
                self.polygon(out, p);
            }
            Geometry::Rect(r) => {
                out.push_str(r#"{"type":"Polygon","coordinates":"#);
                self.polygon(out, &r.to_polygon());
            }
            Geometry::Triangle(t) => {
                out.push_str(r#"{"type":"Polygon","coordinates":"#);
                self.polygon(out, &t.to_polygon());
            }
            Geometry::MultiPolygon(mp) => {
                out.push_str(r#"{"type":"MultiPolygon","coordinates":"#);
                self.list(out, &mp.0, Self::polygon);
            }
            Geometry::GeometryCollection(gc) => {
                out.push_str(r#"{"type":"GeometryCollection","geometries":"#);
                self.list(out, &gc.0, Self::geometry);
            }
        }
        out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, polygon, MultiPolygon};

    #[test]
    fn numbers_are_trimmed() {
        let mut s = String::new();
        number(&mut s, 12.5000000, 7);
        s.push(' ');
        number(&mut s, 7.0, 2);
        s.push(' ');
        number(&mut s, -0.0000000001, 7);
        assert_eq!(s, "12.5 7 0");
    }

    #[test]
    fn axis_order_follows_the_crs() {
        let g: Geometry<f64> = point!(x: 12.5, y: 57.9).into();
        let mut a = String::new();
        write_geometry(&mut a, &g, Crs::Crs84);
        assert_eq!(a, r#"{"type":"Point","coordinates":[12.5,57.9]}"#);
        let mut b = String::new();
        write_geometry(&mut b, &g, Crs::Epsg4326);
        assert_eq!(b, r#"{"type":"Point","coordinates":[57.9,12.5]}"#);
        let mp: Geometry<f64> = MultiPolygon::new(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)
        ]])
        .into();
        let mut c = String::new();
        write_geometry(&mut c, &mp, Crs::Crs84);
        assert_eq!(
            c,
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}"#
        );
    }
}
