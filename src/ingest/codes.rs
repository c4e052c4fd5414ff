//! Reading coded values, each with a plain-words message on failure (the caller adds file,
//! row, field and value): sexes, age bands (the dataset's own), single years of age, dwelling
//! types, tenures and transit modes. District codes are checked in [`super::districts`].

use super::Ctx;
use crate::domain::{AgeBand, DwellingType, Sex, Tenure, TransitMode};

/// A sex code (`m`, `f`, `t` and SCB's spellings).
pub(crate) fn parse_sex(raw: &str) -> Result<Sex, String> {
    raw.parse::<Sex>()
}

/// A sex that is men or women (a single-year table is always split by sex).
pub(crate) fn parse_split_sex(raw: &str) -> Result<Sex, String> {
    match parse_sex(raw)? {
        Sex::Total => Err(format!(
            "'{raw}': single-year tables need men and women (m/f, män/kvinnor, 1/2), not a total"
        )),
        s => Ok(s),
    }
}

/// An age band that is one of the dataset's bands, as its index.
pub(crate) fn parse_band(ctx: &Ctx<'_>, raw: &str) -> Result<usize, String> {
    let band: AgeBand = raw.parse().map_err(|e: crate::domain::ParseAgeBandError| {
        format!("{e}; this dataset's bands are {}", bands_text(ctx))
    })?;
    ctx.bands.index_of(band).ok_or_else(|| {
        format!(
            "unknown age band '{band}': this dataset's bands are {} (the open band is set by dataset.open_band)",
            bands_text(ctx)
        )
    })
}

fn bands_text(ctx: &Ctx<'_>) -> String {
    let b = ctx.bands.as_slice();
    match (b.first(), b.get(1), b.last()) {
        (Some(a), Some(c), Some(z)) => format!("{a}, {c}, … {z}"),
        _ => "none".into(),
    }
}

/// A single year of age: `0`…`99`, `100+` (also `37 år`, `100+ år`); 100 stands for 100+.
pub(crate) fn parse_age(raw: &str) -> Result<u8, String> {
    let t = raw.trim().trim_end_matches("år").trim();
    let (t, open) = match t.strip_suffix('+') {
        Some(t) => (t.trim(), true),
        None => (t, false),
    };
    let err = || format!("unknown age '{raw}' (expected a whole number 0…99, or 100+)");
    let a: u8 = t.parse().map_err(|_| err())?;
    match (a, open) {
        (0..=99, false) => Ok(a),
        (100, _) => Ok(100),
        _ => Err(err()),
    }
}

/// A dwelling type (hustyp).
pub(crate) fn parse_dwelling_type(raw: &str) -> Result<DwellingType, String> {
    DwellingType::parse(raw).ok_or_else(|| {
        "unknown dwelling type (expected smahus, flerbostadshus, specialbostad or ovrigt)".into()
    })
}

/// A tenure (upplåtelseform).
pub(crate) fn parse_tenure(raw: &str) -> Result<Tenure, String> {
    Tenure::parse(raw).ok_or_else(|| {
        "unknown tenure (expected hyresratt, bostadsratt, aganderatt or okand; SCB's 1, 2, 3)"
            .into()
    })
}

/// Bus, rail or other, in English or Swedish.
pub(crate) fn parse_mode(raw: &str) -> Result<TransitMode, String> {
    match raw.trim().to_lowercase().as_str() {
        "bus" | "buss" => Ok(TransitMode::Bus),
        "rail" | "train" | "tåg" | "tag" | "järnväg" | "jarnvag" | "pendeltåg" | "station" => {
            Ok(TransitMode::Rail)
        }
        "other" | "övrigt" | "ovrigt" | "tram" | "spårvagn" | "ferry" | "färja" | "båt" => {
            Ok(TransitMode::Other)
        }
        _ => Err("unknown mode (expected bus, rail or other)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_as_scb_writes_them() {
        assert_eq!(parse_age("0"), Ok(0));
        assert_eq!(parse_age("37 år"), Ok(37));
        assert_eq!(parse_age("100+"), Ok(100));
        assert_eq!(parse_age("100+ år"), Ok(100));
        assert!(parse_age("101").is_err());
        assert!(parse_age("80+").is_err());
        assert!(parse_age("x").is_err());
    }
}
