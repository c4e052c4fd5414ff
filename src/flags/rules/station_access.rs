//! Densification needs transit access: residents near a railway station
//! (stationsnära läge).

use super::metres;
use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};

/// Met when at least `station_share_min` of the residents live within `station_radius_m`
/// (straight line) of a railway station. An alternative to [`super::TransitAccess`] (group
/// `access`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StationAccess;

impl Rule for StationAccess {
    fn name(&self) -> &'static str {
        "station_access"
    }
    fn flag(&self) -> FlagKind {
        FlagKind::Densify
    }
    fn role(&self) -> Role {
        Role::Required { group: "access" }
    }
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason> {
        let p = ctx.params;
        let indicator = format!("station_share_{}m", metres(p.station_radius_m));
        ctx.facts
            .iter()
            .map(|f| {
                let value = f.access.station_share(p.station_radius_m);
                let note = match value {
                    Some(_) => format!(
                        "residents ({}) within {} m straight line of a railway station",
                        f.sample.basis.code(),
                        metres(p.station_radius_m)
                    ),
                    None if f.sample.points.is_empty() => {
                        "the district has no residents or area".into()
                    }
                    None => "no railway station in the transit data".into(),
                };
                Reason::compare(
                    self.name(),
                    indicator.clone(),
                    Unit::Share,
                    value,
                    Comparison::AtLeast,
                    Some(p.station_share_min),
                    None,
                    note,
                )
            })
            .collect()
    }
}
