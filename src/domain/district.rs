//! Districts (delområden: DeSO, RegSO or the municipality's own NYKO areas).

use geo::{Area, BoundingRect, Contains, MultiPolygon, Point};
use rstar::{RTree, RTreeObject, AABB};

/// One district with its geometry in SWEREF 99 TM (EPSG:3006) and a lon/lat copy for output.
#[derive(Debug, Clone)]
pub struct District {
    /// Stable district code as used in the tables (suffix such as `_DeSO2025` already stripped).
    pub id: String,
    /// Human name (may contain å, ä, ö).
    pub name: String,
    /// Geometry in EPSG:3006 metres: the one every area and distance is computed on.
    pub geometry: MultiPolygon<f64>,
    /// The same geometry in CRS84 (longitude, latitude), prepared once at load for GeoJSON output.
    pub geometry_lonlat: MultiPolygon<f64>,
}

impl District {
    /// Land area in square metres, computed in EPSG:3006.
    pub fn area_m2(&self) -> f64 {
        self.geometry.unsigned_area()
    }
    /// Land area in hectares.
    pub fn area_ha(&self) -> f64 {
        self.area_m2() / 10_000.0
    }
}

/// An entry of the district R-tree: the bounding box of one district and its index.
struct Entry {
    idx: usize,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Point-in-district lookup through an R-tree of district bounding boxes (`rstar`), then an exact
/// point-in-polygon test on the candidates. Built once per data load.
pub struct DistrictIndex<'a> {
    districts: &'a [District],
    tree: RTree<Entry>,
}

impl<'a> DistrictIndex<'a> {
    /// Builds the index over `districts` (EPSG:3006 geometry).
    pub fn new(districts: &'a [District]) -> Self {
        let entries = districts
            .iter()
            .enumerate()
            .filter_map(|(idx, d)| {
                d.geometry.bounding_rect().map(|r| Entry {
                    idx,
                    envelope: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                })
            })
            .collect();
        Self {
            districts,
            tree: RTree::bulk_load(entries),
        }
    }

    /// Index of the district containing `p` (EPSG:3006), if any. A point on a shared boundary
    /// goes to the first district (in input order) whose closed polygon contains it.
    pub fn locate(&self, p: Point<f64>) -> Option<usize> {
        let mut hits: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point([p.x(), p.y()]))
            .map(|e| e.idx)
            .collect();
        hits.sort_unstable();
        let inside = hits
            .iter()
            .copied()
            .find(|&i| self.districts[i].geometry.contains(&p));
        inside.or_else(|| {
            // On the boundary: `contains` excludes it, `intersects` includes it.
            use geo::Intersects;
            hits.into_iter()
                .find(|&i| self.districts[i].geometry.intersects(&p))
        })
    }
}
