//! The persons summed from address points (by any of the readers) made into population records
//! and residences, and the join's counts ([`PointJoin`]) recorded.

use std::path::PathBuf;

use geo::Point;

use super::sum::Summed;
use crate::domain::{PopulationRecord, Residence};
use crate::ingest::finding::{Finding, Findings, PointJoin};

/// Records the join of `summed` (read from `file`) and makes its sums into population records
/// and residences, both in a stable order.
pub(super) fn records(
    file: PathBuf,
    summed: Summed,
    found: &mut Findings,
) -> (Vec<PopulationRecord>, Vec<Residence>) {
    let join = PointJoin {
        part: "population".into(),
        file,
        points: summed.points,
        outside: summed.outside,
        amount_outside: summed.amount_outside,
        examples: summed.examples,
    };
    finish(join, "address points", "persons", found);
    let mut out: Vec<PopulationRecord> = summed
        .sums
        .into_iter()
        .map(PopulationRecord::from_sum)
        .collect();
    out.sort_by(|a, b| {
        (a.district, a.year, a.sex, a.band).cmp(&(b.district, b.year, b.sex, b.band))
    });
    let mut residences: Vec<Residence> = summed
        .homes
        .into_iter()
        .map(|((x, y), (district, persons))| Residence {
            point: Point::new(f64::from_bits(x), f64::from_bits(y)),
            district,
            persons,
        })
        .collect();
    residences.sort_by(|a, b| {
        (a.point.x(), a.point.y())
            .partial_cmp(&(b.point.x(), b.point.y()))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    (out, residences)
}

/// Records a join's counts, and a warning with examples when points fell in no district.
fn finish(join: PointJoin, what: &str, amount: &str, found: &mut Findings) {
    if join.outside > 0 {
        let examples: Vec<String> = join.examples.iter().map(|e| e.to_string()).collect();
        found.warning(Finding::new(
            &join.file,
            format!(
                "{} of {} {what} lie in no district ({:.0} {amount} not counted in any district), e.g. {}",
                join.outside,
                join.points,
                join.amount_outside,
                examples.join("; ")
            ),
        ));
    }
    found.joins.push(join);
}
