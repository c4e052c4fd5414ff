//! Districts (delområden: DeSO, RegSO or the municipality's own NYKO areas).

use geo::{Area, BoundingRect, Contains, MultiPolygon, Point};

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

/// Point-in-district lookup through a packed grid over the districts' bounding boxes, then a
/// bounding-box test and an exact point-in-polygon test on the few candidates of the point's
/// cell. Built once per data load; shared read-only by the threads that join points.
///
/// Why a grid and not an R-tree: every address point is looked up, and a grid cell is found by
/// two divisions, with its candidates in one contiguous slice (no allocation, no tree walk).
pub struct DistrictIndex<'a> {
    districts: &'a [District],
    /// Bounding box of each district: min x, min y, max x, max y.
    boxes: Vec<[f64; 4]>,
    /// The grid: origin, cell size and shape.
    origin: (f64, f64),
    cell: f64,
    cols: usize,
    rows: usize,
    /// Candidates of cell `c`: `items[offsets[c]..offsets[c + 1]]`, in district order.
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl<'a> DistrictIndex<'a> {
    /// Builds the index over `districts` (EPSG:3006 geometry).
    pub fn new(districts: &'a [District]) -> Self {
        let boxes: Vec<[f64; 4]> = districts
            .iter()
            .map(|d| {
                d.geometry.bounding_rect().map_or(
                    [
                        f64::INFINITY,
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                        f64::NEG_INFINITY,
                    ],
                    |r| [r.min().x, r.min().y, r.max().x, r.max().y],
                )
            })
            .collect();
        let valid = || boxes.iter().filter(|b| b[0] <= b[2] && b[1] <= b[3]);
        let (mut x0, mut y0, mut x1, mut y1) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for b in valid() {
            x0 = x0.min(b[0]);
            y0 = y0.min(b[1]);
            x1 = x1.max(b[2]);
            y1 = y1.max(b[3]);
        }
        if !(x0 <= x1 && y0 <= y1) {
            (x0, y0, x1, y1) = (0.0, 0.0, 1.0, 1.0);
        }
        // About four cells per district, square cells.
        let (w, h) = ((x1 - x0).max(1.0), (y1 - y0).max(1.0));
        let target = (4 * districts.len()).max(1) as f64;
        let cell = (w * h / target).sqrt().max(1e-6);
        let cols = ((w / cell).ceil() as usize).clamp(1, 1 << 14);
        let rows = ((h / cell).ceil() as usize).clamp(1, 1 << 14);
        let cell = (w / cols as f64).max(h / rows as f64);
        let span = |b: &[f64; 4]| {
            let c0 = (((b[0] - x0) / cell).floor().max(0.0) as usize).min(cols - 1);
            let c1 = (((b[2] - x0) / cell).floor().max(0.0) as usize).min(cols - 1);
            let r0 = (((b[1] - y0) / cell).floor().max(0.0) as usize).min(rows - 1);
            let r1 = (((b[3] - y0) / cell).floor().max(0.0) as usize).min(rows - 1);
            (c0, c1, r0, r1)
        };
        let mut counts = vec![0u32; cols * rows + 1];
        for b in valid() {
            let (c0, c1, r0, r1) = span(b);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    counts[r * cols + c + 1] += 1;
                }
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let offsets = counts;
        let mut fill = offsets.clone();
        let mut items = vec![0u32; *offsets.last().unwrap_or(&0) as usize];
        for (idx, b) in boxes.iter().enumerate() {
            if !(b[0] <= b[2] && b[1] <= b[3]) {
                continue;
            }
            let (c0, c1, r0, r1) = span(b);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    let at = &mut fill[r * cols + c];
                    items[*at as usize] = idx as u32;
                    *at += 1;
                }
            }
        }
        Self {
            districts,
            boxes,
            origin: (x0, y0),
            cell,
            cols,
            rows,
            offsets,
            items,
        }
    }

    /// The candidates (districts whose bounding box holds `p`), in district order.
    fn candidates(&self, p: Point<f64>) -> impl Iterator<Item = usize> + '_ {
        let (x, y) = (p.x(), p.y());
        let c = ((x - self.origin.0) / self.cell).floor();
        let r = ((y - self.origin.1) / self.cell).floor();
        let slice: &[u32] =
            if c >= 0.0 && r >= 0.0 && (c as usize) < self.cols && (r as usize) < self.rows {
                let cell = r as usize * self.cols + c as usize;
                &self.items[self.offsets[cell] as usize..self.offsets[cell + 1] as usize]
            } else {
                &[]
            };
        slice.iter().map(|&i| i as usize).filter(move |&i| {
            let b = &self.boxes[i];
            b[0] <= x && x <= b[2] && b[1] <= y && y <= b[3]
        })
    }

    /// Index of the district containing `p` (EPSG:3006), if any. A point on a shared boundary
    /// goes to the first district (in input order) whose closed polygon contains it.
    pub fn locate(&self, p: Point<f64>) -> Option<usize> {
        if let Some(i) = self
            .candidates(p)
            .find(|&i| self.districts[i].geometry.contains(&p))
        {
            return Some(i);
        }
        // On the boundary: `contains` excludes it, `intersects` includes it.
        use geo::Intersects;
        self.candidates(p)
            .find(|&i| self.districts[i].geometry.intersects(&p))
    }
}
