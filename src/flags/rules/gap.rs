//! Densification needs a housing shortage: the model's gap at the horizon year.

use crate::flags::context::Context;
use crate::flags::result::{Comparison, FlagKind, Reason, Unit};
use crate::flags::rule::{Role, Rule};

/// Met when the gap at the horizon year exceeds `gap_share_of_stock` of the district's stock
/// **or** `gap_dwellings` dwellings, i.e. when `gap > min(share · stock, dwellings)` (the
/// dwellings alone when the stock is unknown or zero).
#[derive(Debug, Clone, Copy, Default)]
pub struct Gap;

impl Rule for Gap {
    fn name(&self) -> &'static str {
        "gap"
    }
    fn flag(&self) -> FlagKind {
        FlagKind::Densify
    }
    fn role(&self) -> Role {
        Role::Required { group: "gap" }
    }
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason> {
        let p = ctx.params;
        ctx.facts
            .iter()
            .map(|f| {
                let (threshold, note) = match f.stock_horizon.filter(|s| *s > 0.0) {
                    Some(stock) if p.gap_share_of_stock * stock < p.gap_dwellings => (
                        p.gap_share_of_stock * stock,
                        format!(
                            "{} % of the stock of {stock:.0} (lower than {} dwellings)",
                            p.gap_share_of_stock * 100.0,
                            p.gap_dwellings
                        ),
                    ),
                    Some(stock) => (
                        p.gap_dwellings,
                        format!(
                            "{} dwellings (lower than {} % of the stock of {stock:.0})",
                            p.gap_dwellings,
                            p.gap_share_of_stock * 100.0
                        ),
                    ),
                    None => (
                        p.gap_dwellings,
                        format!(
                            "{} dwellings (no stock to take a share of)",
                            p.gap_dwellings
                        ),
                    ),
                };
                let note = if f.gap_horizon.is_some() {
                    note
                } else {
                    format!("the model run has no row for {}", ctx.horizon_year)
                };
                Reason::compare(
                    self.name(),
                    "gap_horizon",
                    Unit::Dwellings,
                    f.gap_horizon,
                    Comparison::Above,
                    Some(threshold),
                    Some(ctx.horizon_year),
                    note,
                )
            })
            .collect()
    }
}
