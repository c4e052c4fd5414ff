//! The default rules, one per file. A municipality adds a rule by adding a file here and a line
//! to [`default_rules`]; no other rule changes.

mod crowding;
mod density;
mod employment;
mod gap;
mod low_econ;
mod regso_type;
mod safety_survey;
mod station_access;
mod transit_access;
mod vulnerable_area;

pub use crowding::Crowding;
pub use density::Density;
pub use employment::Employment;
pub use gap::Gap;
pub use low_econ::LowEcon;
pub use regso_type::RegsoType;
pub use safety_survey::SafetySurvey;
pub use station_access::StationAccess;
pub use transit_access::TransitAccess;
pub use vulnerable_area::VulnerableArea;

use super::context::Context;
use super::result::{Comparison, Reason, Unit};
use super::Rule;

/// The rules of BRIEF §3, in output order: densification (gap, transit access, station access,
/// density), then safety/upgrade (RegSO area type, police area, employment, low economic
/// standard, crowding, safety survey).
pub fn default_rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(Gap),
        Box::new(TransitAccess),
        Box::new(StationAccess),
        Box::new(Density),
        Box::new(RegsoType),
        Box::new(VulnerableArea),
        Box::new(Employment),
        Box::new(LowEcon),
        Box::new(Crowding),
        Box::new(SafetySurvey),
    ]
}

/// A reason per district comparing the latest value of `indicator` with a fixed threshold.
fn indicator_vs_fixed(
    ctx: &Context<'_>,
    rule: &str,
    indicator: &str,
    unit: Unit,
    comparison: Comparison,
    threshold: f64,
) -> Vec<Reason> {
    ctx.indicator_all(indicator)
        .into_iter()
        .map(|o| {
            let note = if o.is_some() {
                String::new()
            } else {
                format!("no `{indicator}` value for the district")
            };
            Reason::compare(
                rule,
                indicator,
                unit,
                o.map(|o| o.value),
                comparison,
                Some(threshold),
                o.map(|o| o.year),
                note,
            )
        })
        .collect()
}

/// `"1,200"`-style metres for notes and indicator names without a trailing `.0`.
fn metres(m: f64) -> String {
    if m.fract() == 0.0 {
        format!("{m:.0}")
    } else {
        format!("{m}")
    }
}
