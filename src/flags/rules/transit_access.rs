//! Densification needs transit access: residents within walking distance of a stop with at
//! least one departure per hour (the national indicator "kollektivtrafiknära läge").

use super::metres;
use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};

/// Met when at least `transit_share_min` of the residents live within `stop_radius_m` (straight
/// line) of a stop with at least `frequent_departures_per_hour`. An alternative to
/// [`super::StationAccess`] (group `access`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TransitAccess;

impl Rule for TransitAccess {
    fn name(&self) -> &'static str {
        "transit_access"
    }
    fn flag(&self) -> FlagKind {
        FlagKind::Densify
    }
    fn role(&self) -> Role {
        Role::Required { group: "access" }
    }
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason> {
        let p = ctx.params;
        let indicator = format!("transit_share_{}m", metres(p.stop_radius_m));
        ctx.facts
            .iter()
            .map(|f| {
                let value = f.access.transit_share(p.stop_radius_m);
                let note = match value {
                    Some(_) => format!(
                        "residents ({}) within {} m straight line of a stop with ≥ {} departures/hour",
                        f.sample.basis.code(),
                        metres(p.stop_radius_m),
                        p.frequent_departures_per_hour
                    ),
                    None if f.sample.points.is_empty() => "the district has no residents or area".into(),
                    None => "no transit stops in the dataset".into(),
                };
                Reason::compare(
                    self.name(),
                    indicator.clone(),
                    Unit::Share,
                    value,
                    Comparison::AtLeast,
                    Some(p.transit_share_min),
                    None,
                    note,
                )
            })
            .collect()
    }
}
