//! Upgrade, secondary: a low employment rate among persons 20–64 (förvärvsfrekvens).

use super::indicator_vs_fixed;
use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};

/// Met when the latest `employment` (% of 20–64) is below `employment_below`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Employment;

impl Rule for Employment {
    fn name(&self) -> &'static str {
        "employment"
    }
    fn flag(&self) -> FlagKind {
        FlagKind::Upgrade
    }
    fn role(&self) -> Role {
        Role::Secondary
    }
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason> {
        indicator_vs_fixed(
            ctx,
            self.name(),
            "employment",
            Unit::Percent,
            Comparison::Below,
            ctx.params.employment_below,
        )
    }
}
