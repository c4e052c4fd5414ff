//! Where a polygon GEOS calls invalid is broken, so a planner can zoom to it in QGIS.
//!
//! GDAL (GEOS) decides *whether* a geometry is valid; this module finds *where*: the first
//! point at which two ring segments cross or touch where they must not, in the coordinates of
//! the geometry given (EPSG:3006 in practice). When no crossing explains the invalidity (a hole
//! outside its shell, a ring of too few points) the reason from `geo`'s validation is given
//! with the ring's first vertex.

use geo::algorithm::line_intersection::{line_intersection, LineIntersection};
use geo::{Coord, Line, MultiPolygon, Validation};

/// Why and where a geometry is invalid.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Defect {
    /// What is wrong, in plain words.
    pub reason: String,
    /// A point on the defect.
    pub at: Coord<f64>,
}

/// One segment of a ring, with the ring it belongs to and its position in it.
struct Segment {
    line: Line<f64>,
    polygon: usize,
    ring: usize,
    index: usize,
    ring_len: usize,
}

/// Locates the defect of an invalid multipolygon; `None` when none can be found (the caller
/// then reports the invalidity without a location).
pub(crate) fn locate_defect(mp: &MultiPolygon<f64>) -> Option<Defect> {
    let mut segments = Vec::new();
    for (p, polygon) in mp.0.iter().enumerate() {
        let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        for (r, ring) in rings.enumerate() {
            let lines: Vec<Line<f64>> = ring.lines().filter(|l| l.start != l.end).collect();
            let ring_len = lines.len();
            segments.extend(lines.into_iter().enumerate().map(|(i, line)| Segment {
                line,
                polygon: p,
                ring: r,
                index: i,
                ring_len,
            }));
        }
    }
    if let Some(d) = first_crossing(&segments) {
        return Some(d);
    }
    let reason = mp.validation_errors().first().map(|e| e.to_string())?;
    let at = mp.0.first()?.exterior().0.first().copied()?;
    Some(Defect { reason, at })
}

/// The first pair of segments that meet where a valid polygon's rings may not.
fn first_crossing(segments: &[Segment]) -> Option<Defect> {
    // Sort by minimum x so that each segment is only compared with those whose x-range can
    // overlap it: O(n log n + k) for ordinary shapes instead of O(n²).
    let mut order: Vec<usize> = (0..segments.len()).collect();
    let min_x = |s: &Segment| s.line.start.x.min(s.line.end.x);
    let max_x = |s: &Segment| s.line.start.x.max(s.line.end.x);
    order.sort_by(|&a, &b| min_x(&segments[a]).total_cmp(&min_x(&segments[b])));
    for (k, &a) in order.iter().enumerate() {
        let sa = &segments[a];
        let reach = max_x(sa);
        for &b in &order[k + 1..] {
            let sb = &segments[b];
            if min_x(sb) > reach {
                break;
            }
            if let Some(d) = meeting(sa, sb) {
                return Some(d);
            }
        }
    }
    None
}

/// Whether two segments meet in a way that makes the polygon invalid, and where.
fn meeting(a: &Segment, b: &Segment) -> Option<Defect> {
    let same_ring = a.polygon == b.polygon && a.ring == b.ring;
    if same_ring && adjacent(a.index, b.index, a.ring_len) {
        // Neighbours share a vertex; they are only wrong when they fold back over each other.
        return match line_intersection(a.line, b.line)? {
            LineIntersection::Collinear { intersection }
                if intersection.start != intersection.end =>
            {
                Some(Defect {
                    reason: "ring folds back on itself (spike)".into(),
                    at: intersection.start,
                })
            }
            _ => None,
        };
    }
    match line_intersection(a.line, b.line)? {
        LineIntersection::SinglePoint {
            intersection,
            is_proper,
        } => {
            if same_ring {
                Some(Defect {
                    reason: "self-intersection".into(),
                    at: intersection,
                })
            } else if is_proper {
                let reason = if a.polygon == b.polygon {
                    "rings of one polygon cross"
                } else {
                    "parts of the multipolygon cross"
                };
                Some(Defect {
                    reason: reason.into(),
                    at: intersection,
                })
            } else {
                None
            }
        }
        LineIntersection::Collinear { intersection } => {
            if intersection.start == intersection.end && !same_ring {
                return None;
            }
            let reason = if same_ring {
                "self-intersection (overlapping edges)"
            } else if a.polygon == b.polygon {
                "rings of one polygon share an edge"
            } else {
                "parts of the multipolygon share an edge"
            };
            Some(Defect {
                reason: reason.into(),
                at: intersection.start,
            })
        }
    }
}

/// True when segments `i` and `j` follow each other in a closed ring of `n` segments.
fn adjacent(i: usize, j: usize, n: usize) -> bool {
    let (lo, hi) = if i < j { (i, j) } else { (j, i) };
    hi - lo == 1 || (lo == 0 && hi + 1 == n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    #[test]
    fn bowtie_crossing_is_found_where_it_is() {
        let bowtie = polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)
        ];
        let d = locate_defect(&MultiPolygon(vec![bowtie])).unwrap();
        assert_eq!(d.reason, "self-intersection");
        assert_eq!(d.at, Coord { x: 5.0, y: 5.0 });
    }

    #[test]
    fn a_valid_square_has_no_crossing() {
        let square = polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)
        ];
        let segments_found = locate_defect(&MultiPolygon(vec![square]));
        assert_eq!(segments_found, None);
    }
}
