//! Upgrade: SCB's RegSO area type (områdestyp) 1–2, "areas with socio-economic challenges".

use super::indicator_vs_fixed;
use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};

/// Met when the latest `regso_type` is at most `regso_max_type`; enough on its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegsoType;

impl Rule for RegsoType {
    fn name(&self) -> &'static str {
        "regso_type"
    }
    fn flag(&self) -> FlagKind {
        FlagKind::Upgrade
    }
    fn role(&self) -> Role {
        Role::Sufficient
    }
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason> {
        indicator_vs_fixed(
            ctx,
            self.name(),
            "regso_type",
            Unit::Score,
            Comparison::AtMost,
            ctx.params.regso_max_type,
        )
    }
}
