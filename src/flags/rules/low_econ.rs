//! Upgrade, secondary: a high share with low economic standard, relative to the municipality.

use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};
use crate::flags::stats::quantile;

/// Met when the latest `low_econ` (%) is at or above the `low_econ_quantile` (0.8: the top
/// quintile) of the latest values of the districts that have one; districts without a value
/// are left out of the quantile and reported missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct LowEcon;

impl Rule for LowEcon {
    fn name(&self) -> &'static str {
        "low_econ"
    }
    fn flag(&self) -> FlagKind {
        FlagKind::Upgrade
    }
    fn role(&self) -> Role {
        Role::Secondary
    }
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason> {
        let latest = ctx.indicator_all("low_econ");
        let values: Vec<f64> = latest.iter().flatten().map(|o| o.value).collect();
        let q = ctx.params.low_econ_quantile;
        let threshold = quantile(&values, q);
        latest
            .into_iter()
            .map(|o| {
                let note = if o.is_none() {
                    "no `low_econ` value for the district".to_string()
                } else {
                    format!(
                        "{:.0}th percentile of {} districts' latest values",
                        q * 100.0,
                        values.len()
                    )
                };
                Reason::compare(
                    self.name(),
                    "low_econ",
                    Unit::Percent,
                    o.map(|o| o.value),
                    Comparison::AtLeast,
                    threshold,
                    o.map(|o| o.year),
                    note,
                )
            })
            .collect()
    }
}
