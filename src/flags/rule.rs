//! The one trait every rule implements, and how a rule's result counts towards its flag.

use super::context::Context;
use super::result::{FlagKind, Reason};

/// How a rule's result combines with the others of its flag.
///
/// A flag is raised when **all required groups** are met (a group is met when at least one of
/// its rules is met: rules sharing a group are alternatives), **or** any sufficient rule is met,
/// **or** at least `min_secondary` secondary rules are met. A missing indicator never meets a
/// rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A condition the flag needs; rules with the same `group` are alternatives
    /// ("good transit access" is met by either the stop or the station rule).
    Required {
        /// Group name, e.g. `access`.
        group: &'static str,
    },
    /// Enough on its own (RegSO area type 1–2, inside a police "utsatt område").
    Sufficient,
    /// Counts towards the `min_secondary` needed (employment, low economic standard, …).
    Secondary,
}

/// One rule: looks at one indicator of every district and says, with the value and the
/// threshold, whether the district meets it.
///
/// To add a rule: write a type implementing this trait in its own file under
/// `src/flags/rules/`, and list it in [`crate::flags::rules::default_rules`]. Take thresholds
/// from new fields of [`crate::flags::FlagParams`] (each with a default) and values from the
/// [`Context`]; return one [`Reason`] per district, with `met: None` where the value is missing.
pub trait Rule: Send + Sync {
    /// Stable rule name, written into every reason (`gap`, `employment`, …).
    fn name(&self) -> &'static str;
    /// The flag this rule feeds.
    fn flag(&self) -> FlagKind;
    /// How it combines with the flag's other rules.
    fn role(&self) -> Role;
    /// One reason per district of `ctx`, in district order. Evaluating all districts at once
    /// lets a rule that compares a district with the municipality (quintile, mean) compute the
    /// municipal figure once.
    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Reason>;
}
