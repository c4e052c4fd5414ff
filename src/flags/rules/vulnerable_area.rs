//! Upgrade: the district lies in a police "utsatt område" (Polismyndighetens lägesbild).

use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};

/// Met when at least `vulnerable_share_min` of the district's residents (address points, or
/// its area when it has none) lie inside a police area; enough on its own. Missing when no
/// police areas were given.
#[derive(Debug, Clone, Copy, Default)]
pub struct VulnerableArea;

impl Rule for VulnerableArea {
    fn name(&self) -> &'static str {
        "vulnerable_area"
    }
    fn flag(&self) -> FlagKind {
        FlagKind::Upgrade
    }
    fn role(&self) -> Role {
        Role::Sufficient
    }
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason> {
        ctx.facts
            .iter()
            .map(|f| {
                let note = match (ctx.vulnerable_areas_given, f.vulnerable_area_share) {
                    (false, _) => "no police areas given".to_string(),
                    (true, None) => "the district has no residents or area".to_string(),
                    (true, Some(_)) => format!("share of residents ({})", f.sample.basis.code()),
                };
                Reason::compare(
                    self.name(),
                    "vulnerable_area_share",
                    Unit::Share,
                    f.vulnerable_area_share,
                    Comparison::AtLeast,
                    Some(ctx.params.vulnerable_share_min),
                    None,
                    note,
                )
            })
            .collect()
    }
}
