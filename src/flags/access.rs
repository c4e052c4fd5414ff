//! Accessibility to public transport (kollektivtrafiknära läge): for every sampled resident the
//! straight-line distance in EPSG:3006 metres to the nearest frequent stop and to the nearest
//! railway station, found with an R-tree (`rstar`). Distances along streets are not computed;
//! every output says `straight_line_epsg3006`.

use rstar::RTree;

use super::residents::ResidentSample;
use crate::domain::{TransitMode, TransitStop};

/// How distances are measured; written into every flag output.
pub const DISTANCE_METHOD: &str = "straight_line_epsg3006";

/// The nearest-stop distances of one district's resident sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Accessibility {
    /// `(weight, metres to the nearest frequent stop, metres to the nearest railway station)`
    /// per sampled resident; a distance is `None` when there is no such stop at all.
    distances: Vec<(f64, Option<f64>, Option<f64>)>,
    /// The dataset has transit stops (otherwise transit shares are missing, not zero).
    stops_known: bool,
    /// The dataset has at least one railway station (otherwise station shares are missing).
    stations_known: bool,
}

impl Accessibility {
    /// Share (0–1) of residents within `radius` metres (inclusive) of a stop with at least the
    /// frequency the accessibility was computed for. `None` when the dataset has no transit
    /// stops or the district no residents; `Some(0.0)` when stops exist but none is frequent.
    pub fn transit_share(&self, radius: f64) -> Option<f64> {
        if !self.stops_known {
            return None;
        }
        self.share(radius, |d| d.1)
    }

    /// Share (0–1) of residents within `radius` metres (inclusive) of a railway station
    /// (a stop of mode rail). `None` when the transit data has no railway station or the
    /// district no residents.
    pub fn station_share(&self, radius: f64) -> Option<f64> {
        if !self.stations_known {
            return None;
        }
        self.share(radius, |d| d.2)
    }

    fn share(
        &self,
        radius: f64,
        pick: impl Fn(&(f64, Option<f64>, Option<f64>)) -> Option<f64>,
    ) -> Option<f64> {
        // Folds from +0.0 rather than `sum()` (which starts from −0.0), so "nobody" is 0, not −0.
        let total = self.distances.iter().fold(0.0, |acc, d| acc + d.0);
        if total <= 0.0 {
            return None;
        }
        let near: f64 = self
            .distances
            .iter()
            .filter(|d| pick(d).is_some_and(|m| m <= radius))
            .fold(0.0, |acc, d| acc + d.0);
        Some(near / total)
    }
}

/// Nearest-stop distances for every district's resident sample (in sample order). A stop is
/// frequent with `departures_per_hour >= min_departures_per_hour`; a railway station is any
/// stop of mode [`TransitMode::Rail`], whatever its frequency.
pub fn accessibility(
    samples: &[ResidentSample],
    stops: &[TransitStop],
    min_departures_per_hour: f64,
) -> Vec<Accessibility> {
    let frequent: RTree<[f64; 2]> = RTree::bulk_load(
        stops
            .iter()
            .filter(|s| s.departures_per_hour >= min_departures_per_hour)
            .map(|s| [s.point.x(), s.point.y()])
            .collect(),
    );
    let stations: RTree<[f64; 2]> = RTree::bulk_load(
        stops
            .iter()
            .filter(|s| s.mode == TransitMode::Rail)
            .map(|s| [s.point.x(), s.point.y()])
            .collect(),
    );
    let nearest = |tree: &RTree<[f64; 2]>, q: [f64; 2]| {
        tree.nearest_neighbor(&q)
            .map(|p| (p[0] - q[0]).hypot(p[1] - q[1]))
    };
    samples
        .iter()
        .map(|sample| Accessibility {
            distances: sample
                .points
                .iter()
                .map(|(p, w)| {
                    let q = [p.x(), p.y()];
                    (*w, nearest(&frequent, q), nearest(&stations, q))
                })
                .collect(),
            stops_known: !stops.is_empty(),
            stations_known: stations.size() > 0,
        })
        .collect()
}
