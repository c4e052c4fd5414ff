//! Upgrade, secondary: crowding (trångboddhet) above the municipal level.

use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};
use crate::flags::stats::weighted_mean;

/// Met when the latest `crowding` (%) is above the municipal mean over the districts that have
/// a value: weighted by residents (the municipality's own share) when `crowding_mean_weighted`
/// and every such district has residents, otherwise the plain mean of the districts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Crowding;

impl Rule for Crowding {
    fn name(&self) -> &'static str {
        "crowding"
    }
    fn flag(&self) -> FlagKind {
        FlagKind::Upgrade
    }
    fn role(&self) -> Role {
        Role::Secondary
    }
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason> {
        let latest = ctx.indicator_all("crowding");
        let with_residents: Option<Vec<(f64, f64)>> = latest
            .iter()
            .zip(&ctx.facts)
            .filter_map(|(o, f)| o.map(|o| (o.value, f.residents)))
            .map(|(v, r)| r.filter(|r| r.value > 0.0).map(|r| (v, r.value)))
            .collect();
        let plain: Vec<(f64, f64)> = latest.iter().flatten().map(|o| (o.value, 1.0)).collect();
        let (mean, how) = match with_residents {
            Some(pairs) if ctx.params.crowding_mean_weighted && !pairs.is_empty() => {
                (weighted_mean(&pairs), "mean weighted by residents")
            }
            _ if ctx.params.crowding_mean_weighted => (
                weighted_mean(&plain),
                "plain mean (residents missing for some districts)",
            ),
            _ => (weighted_mean(&plain), "plain mean"),
        };
        latest
            .into_iter()
            .map(|o| {
                let note = if o.is_none() {
                    "no `crowding` value for the district".to_string()
                } else {
                    format!("municipal {how} of {} districts", plain.len())
                };
                Reason::compare(
                    self.name(),
                    "crowding",
                    Unit::Percent,
                    o.map(|o| o.value),
                    Comparison::Above,
                    mean,
                    o.map(|o| o.year),
                    note,
                )
            })
            .collect()
    }
}
