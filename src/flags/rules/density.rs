//! Densification needs room: a district already built densely is not a candidate.

use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};

/// Met when dwellings per hectare of land (latest observed stock / district area in EPSG:3006)
/// is below `density_below_dwellings_per_ha`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Density;

impl Rule for Density {
    fn name(&self) -> &'static str {
        "density"
    }
    fn flag(&self) -> FlagKind {
        FlagKind::Densify
    }
    fn role(&self) -> Role {
        Role::Required { group: "density" }
    }
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason> {
        ctx.facts
            .iter()
            .map(|f| {
                let note = match (f.dwellings, f.area_ha > 0.0) {
                    (Some(d), true) => {
                        format!("{:.0} dwellings on {:.1} ha of land", d.value, f.area_ha)
                    }
                    (None, _) => "no dwelling stock for the district".into(),
                    (Some(_), false) => "the district has no area".into(),
                };
                Reason::compare(
                    self.name(),
                    "dwellings_per_ha",
                    Unit::DwellingsPerHa,
                    f.dwellings_per_ha(),
                    Comparison::Below,
                    Some(ctx.params.density_below_dwellings_per_ha),
                    f.dwellings.map(|d| d.year),
                    note,
                )
            })
            .collect()
    }
}
