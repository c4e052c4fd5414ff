//! Upgrade, secondary: residents feel unsafe (trygghetsmätning).

use super::indicator_vs_fixed;
use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};

/// Met when the latest `safety_score` is below `safety_score_below`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SafetySurvey;

impl Rule for SafetySurvey {
    fn name(&self) -> &'static str {
        "safety_survey"
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
            "safety_score",
            Unit::Score,
            Comparison::Below,
            ctx.params.safety_score_below,
        )
    }
}
