//! District flags: densification candidates and safety/upgrade districts, each with its reasons.
//!
//! The municipality's analysis asks for both: densify existing areas where housing is needed
//! and transit exists ("förtätning"), and upgrade districts perceived as unsafe or socially
//! vulnerable ("rusta upp stadsdelar som upplevs som otrygga"). A flag nobody can explain is
//! useless in a council meeting, so every [`FlagResult`] carries a [`Reason`] for every rule
//! evaluated (indicator, value, threshold, met or not, or missing) and a one-line
//! `reason_text`.
//!
//! - [`Context`] measures once: horizon gap (from the [`ModelRun`]), dwellings and residents
//!   per hectare, accessibility (straight-line EPSG:3006 distances from residents to frequent
//!   stops and railway stations), the share of residents inside police "utsatta områden", and
//!   the latest value of every indicator.
//! - One [`Rule`] per file in [`rules`] turns one of those into a [`Reason`] per district; its
//!   [`Role`] says how it combines (required, sufficient on its own, or secondary).
//! - [`evaluate`] runs the rules and combines them into one result per district and flag kind.
//!
//! Pure: no I/O, no GDAL; rules and thresholds are documented in `docs/flags.md`.

mod access;
mod context;
mod params;
mod residents;
mod result;
mod rule;
pub mod rules;
pub mod stats;

pub use access::{accessibility, Accessibility, DISTANCE_METHOD};
pub use context::{Context, DistrictFacts, Observed};
pub use params::{FlagParams, FlagParamsError};
pub use residents::{
    area_grid, resident_samples, Residence, ResidentBasis, ResidentSample, DEFAULT_GRID_SPACING_M,
    MAX_GRID_POINTS,
};
pub use result::{format_value, Comparison, FlagKind, FlagResult, Reason, Unit};
pub use rule::{Role, Rule};

use geo::MultiPolygon;

use crate::domain::Dataset;
use crate::model::ModelRun;

/// Radii of the accessibility properties every result carries (the national indicators: 400 m
/// to a stop, 600 m and 1,200 m to a station), whatever radii the rules use.
const STOP_PROPERTY_RADIUS_M: f64 = 400.0;
const STATION_NEAR_PROPERTY_RADIUS_M: f64 = 600.0;
const STATION_PROPERTY_RADIUS_M: f64 = 1200.0;

/// Flags every district of `dataset` with the [default rules](rules::default_rules): one
/// result per district and flag kind, districts in dataset order, `densify` before `upgrade`.
///
/// `residences` are the base-year address points with persons (empty: districts are sampled on
/// a grid over their area); `vulnerable_areas` are police "utsatta områden" in EPSG:3006
/// (empty: that rule is reported missing).
pub fn evaluate(
    dataset: &Dataset,
    run: &ModelRun,
    residences: &[Residence],
    vulnerable_areas: &[MultiPolygon<f64>],
    params: &FlagParams,
) -> Vec<FlagResult> {
    let ctx = Context::new(dataset, run, residences, vulnerable_areas, params);
    evaluate_rules(&ctx, &rules::default_rules())
}

/// Flags every district of `ctx` with `rules` (see [`Role`] for how they combine).
pub fn evaluate_rules(ctx: &Context<'_>, rules: &[Box<dyn Rule>]) -> Vec<FlagResult> {
    let evaluated: Vec<(&dyn Rule, Vec<Reason>)> = rules
        .iter()
        .map(|r| (r.as_ref(), r.evaluate(ctx)))
        .collect();
    let mut out = Vec::with_capacity(ctx.districts.len() * FlagKind::ALL.len());
    for (i, district) in ctx.districts.iter().enumerate() {
        for kind in FlagKind::ALL {
            let of_kind: Vec<(Role, Reason)> = evaluated
                .iter()
                .filter(|(r, _)| r.flag() == kind)
                .filter_map(|(r, reasons)| reasons.get(i).map(|x| (r.role(), x.clone())))
                .collect();
            if of_kind.is_empty() {
                continue;
            }
            out.push(combine(ctx, i, &district.id, &district.name, kind, of_kind));
        }
    }
    out
}

/// Combines one district's reasons for one flag kind into its result.
fn combine(
    ctx: &Context<'_>,
    i: usize,
    code: &str,
    name: &str,
    kind: FlagKind,
    reasons: Vec<(Role, Reason)>,
) -> FlagResult {
    let met = |r: &Reason| r.met == Some(true);

    let mut groups: Vec<(&str, bool)> = Vec::new();
    for (role, reason) in &reasons {
        if let Role::Required { group } = role {
            match groups.iter_mut().find(|(g, _)| g == group) {
                Some(entry) => entry.1 |= met(reason),
                None => groups.push((group, met(reason))),
            }
        }
    }
    let groups_met = groups.iter().filter(|g| g.1).count();
    let sufficient: Vec<&Reason> = reasons
        .iter()
        .filter(|(role, r)| *role == Role::Sufficient && met(r))
        .map(|(_, r)| r)
        .collect();
    let secondary_total = reasons
        .iter()
        .filter(|(role, _)| *role == Role::Secondary)
        .count();
    let secondary_met = reasons
        .iter()
        .filter(|(role, r)| *role == Role::Secondary && met(r))
        .count();
    let min_secondary = ctx.params.min_secondary.max(1) as usize;

    let required_ok = !groups.is_empty() && groups_met == groups.len();
    let secondary_ok = secondary_total > 0 && secondary_met >= min_secondary;
    let flagged = required_ok || !sufficient.is_empty() || secondary_ok;

    let score = if groups.is_empty() {
        secondary_met as f64
    } else {
        groups_met as f64 / groups.len() as f64
    };

    let mut verdict = if flagged { "flagged" } else { "not flagged" }.to_string();
    let mut why = Vec::new();
    if !groups.is_empty() {
        why.push(format!("{groups_met} of {} conditions met", groups.len()));
    }
    for r in &sufficient {
        why.push(format!("{} on its own", r.rule));
    }
    if secondary_total > 0 {
        why.push(format!(
            "{secondary_met} of {secondary_total} secondary indicators met (need {min_secondary})"
        ));
    }
    if !why.is_empty() {
        verdict = format!("{verdict} ({})", why.join(", "));
    }
    let reasons: Vec<Reason> = reasons.into_iter().map(|(_, r)| r).collect();
    let reason_text = std::iter::once(verdict)
        .chain(reasons.iter().map(Reason::summary))
        .collect::<Vec<_>>()
        .join("; ");

    let f = &ctx.facts[i];
    let indicator = |name: &str| f.indicator(name).map(|o| o.value);
    FlagResult {
        id: format!("{code}:{kind}"),
        district: code.to_string(),
        name: name.to_string(),
        flag: kind,
        flagged,
        score,
        rules_met: reasons.iter().filter(|r| met(r)).count() as u32,
        rules_missing: reasons.iter().filter(|r| r.met.is_none()).count() as u32,
        reason_text,
        reasons,
        horizon_year: ctx.horizon_year,
        gap_horizon: f.gap_horizon,
        transit_share_400m: f.access.transit_share(STOP_PROPERTY_RADIUS_M),
        station_share_600m: f.access.station_share(STATION_NEAR_PROPERTY_RADIUS_M),
        station_share_1200m: f.access.station_share(STATION_PROPERTY_RADIUS_M),
        access_basis: f.sample.basis,
        distance_method: DISTANCE_METHOD.to_string(),
        dwellings_per_ha: f.dwellings_per_ha(),
        residents_per_ha: f.residents_per_ha(),
        regso_type: indicator("regso_type"),
        vulnerable_area_share: f.vulnerable_area_share,
        employment: indicator("employment"),
        low_econ: indicator("low_econ"),
        crowding: indicator("crowding"),
        safety_score: indicator("safety_score"),
        district_index: i,
    }
}
