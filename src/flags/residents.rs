//! Where a district's residents are: address points when we have them, otherwise a regular grid
//! over the district's area. Accessibility and the police-area share are both weighted by
//! this sample, so the two are measured on the same residents.

use geo::{BoundingRect, Contains, InteriorPoint, MultiPolygon, Point};
use serde::{Deserialize, Serialize};

pub use crate::domain::Residence;

/// What the residents of a district were taken to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidentBasis {
    /// The district's address points, weighted by persons.
    AddressPoints,
    /// No address points: cell centres of a regular grid inside the district, weighted equally
    /// (so shares are shares of the district's area).
    AreaGrid,
    /// The district has no area (empty geometry): nothing could be sampled.
    None,
}

impl ResidentBasis {
    /// The name used in outputs: `address_points`, `area_grid` or `none`.
    pub fn code(self) -> &'static str {
        match self {
            Self::AddressPoints => "address_points",
            Self::AreaGrid => "area_grid",
            Self::None => "none",
        }
    }
}

/// A weighted sample of a district's residents.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentSample {
    /// Where the sample came from.
    pub basis: ResidentBasis,
    /// Points (EPSG:3006) and their weights (persons, or 1 per grid cell).
    pub points: Vec<(Point<f64>, f64)>,
}

/// Grid spacing used when the configured one is not a positive number, metres.
pub const DEFAULT_GRID_SPACING_M: f64 = 100.0;

/// Most grid points sampled in one district; a larger district gets a coarser grid.
pub const MAX_GRID_POINTS: f64 = 100_000.0;

impl ResidentSample {
    /// Total weight (persons, or grid cells).
    pub fn total_weight(&self) -> f64 {
        // A fold from +0.0, not `sum()` (which starts from −0.0), so "nobody" prints as 0.
        self.points.iter().fold(0.0, |acc, (_, w)| acc + w)
    }

    /// The weighted share of the sample for which `inside` holds; `None` for an empty sample.
    pub fn share(&self, mut inside: impl FnMut(Point<f64>) -> bool) -> Option<f64> {
        let total = self.total_weight();
        if total <= 0.0 {
            return None;
        }
        let hit: f64 = self
            .points
            .iter()
            .filter(|(p, _)| inside(*p))
            .fold(0.0, |acc, (_, w)| acc + w);
        Some(hit / total)
    }
}

/// One sample per district (in district order): the district's address points with persons
/// when it has any, else a grid of cell centres `spacing` metres apart (aligned on multiples of
/// the spacing in EPSG:3006, so the same district always gets the same points), each with
/// weight one. A district too small to hold a cell centre gets one point, its interior point.
/// A grid of more than [`MAX_GRID_POINTS`] cells is coarsened until it fits.
pub fn resident_samples(
    geometries: &[&MultiPolygon<f64>],
    residences: &[Residence],
    spacing: f64,
) -> Vec<ResidentSample> {
    let mut from_points: Vec<Vec<(Point<f64>, f64)>> = vec![Vec::new(); geometries.len()];
    for r in residences {
        if r.persons.is_finite() && r.persons > 0.0 && r.district < geometries.len() {
            from_points[r.district].push((r.point, r.persons));
        }
    }
    from_points
        .into_iter()
        .zip(geometries)
        .map(|(points, geometry)| {
            if points.is_empty() {
                area_grid(geometry, spacing)
            } else {
                ResidentSample {
                    basis: ResidentBasis::AddressPoints,
                    points,
                }
            }
        })
        .collect()
}

/// The grid sample of one district (see [`resident_samples`]).
pub fn area_grid(geometry: &MultiPolygon<f64>, spacing: f64) -> ResidentSample {
    let Some(rect) = geometry.bounding_rect() else {
        return ResidentSample {
            basis: ResidentBasis::None,
            points: Vec::new(),
        };
    };
    let mut spacing = if spacing.is_finite() && spacing > 0.0 {
        spacing
    } else {
        DEFAULT_GRID_SPACING_M
    };
    let cells = (rect.width() / spacing + 1.0) * (rect.height() / spacing + 1.0);
    if cells > MAX_GRID_POINTS {
        spacing *= (cells / MAX_GRID_POINTS).sqrt();
    }
    let first = |min: f64| ((min / spacing).floor() + 0.5) * spacing;
    let mut points = Vec::new();
    let mut y = first(rect.min().y);
    while y < rect.max().y {
        let mut x = first(rect.min().x);
        while x < rect.max().x {
            let p = Point::new(x, y);
            if geometry.contains(&p) {
                points.push((p, 1.0));
            }
            x += spacing;
        }
        y += spacing;
    }
    if points.is_empty() {
        if let Some(p) = geometry.interior_point() {
            points.push((p, 1.0));
        }
    }
    let basis = if points.is_empty() {
        ResidentBasis::None
    } else {
        ResidentBasis::AreaGrid
    };
    ResidentSample { basis, points }
}
