//! Age bands (åldersgrupper) and sex.

use std::fmt;
use std::str::FromStr;

/// Sex as written in SCB tables: `m` (män), `f` (kvinnor) or `t` (totalt, both sexes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Sex {
    /// Men (`m`, also accepted: `1`, `man`, `män`).
    Male,
    /// Women (`f`, also accepted: `2`, `k`, `kvinna`, `kvinnor`).
    Female,
    /// Both sexes (`t`, also accepted: `1+2`, `totalt`).
    Total,
}

impl Sex {
    /// The code used in our own files and outputs: `m`, `f` or `t`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "m",
            Sex::Female => "f",
            Sex::Total => "t",
        }
    }
}

impl FromStr for Sex {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "m" | "1" | "man" | "män" | "men" | "male" => Ok(Sex::Male),
            "f" | "k" | "2" | "kvinna" | "kvinnor" | "women" | "female" => Ok(Sex::Female),
            "t" | "1+2" | "totalt" | "total" | "both" => Ok(Sex::Total),
            other => Err(format!("unknown sex '{other}' (expected m, f or t)")),
        }
    }
}

/// One age band: `lo..=hi` years, or the open band `lo+` when `hi` is `None`.
///
/// Written `0-4`, `5-9`, … `75-79`, `80+`; SCB's own spellings (`0-4 år`, `80- år`,
/// `80+ år`, en dash) are accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgeBand {
    /// First year of age in the band.
    pub lo: u8,
    /// Last year of age in the band; `None` for the open top band.
    pub hi: Option<u8>,
}

/// Why an age band label could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown age band '{0}' (expected e.g. 0-4, 5-9, … 75-79, 80+ or 90+)")]
pub struct ParseAgeBandError(pub String);

impl AgeBand {
    /// Width in years (`None` for the open band).
    pub fn width(self) -> Option<u8> {
        self.hi.map(|hi| hi - self.lo + 1)
    }
    /// True when `age` (whole years) falls in the band.
    pub fn contains(self, age: u8) -> bool {
        age >= self.lo && self.hi.is_none_or(|hi| age <= hi)
    }
    /// Field-name-safe label: `0_4`, `80_plus`.
    pub fn slug(self) -> String {
        match self.hi {
            Some(hi) => format!("{}_{}", self.lo, hi),
            None => format!("{}_plus", self.lo),
        }
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.hi {
            Some(hi) => write!(f, "{}-{}", self.lo, hi),
            None => write!(f, "{}+", self.lo),
        }
    }
}

impl FromStr for AgeBand {
    type Err = ParseAgeBandError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseAgeBandError(s.to_string());
        let t = s
            .trim()
            .trim_end_matches("år")
            .trim()
            .replace(['–', '—'], "-");
        let t = t.as_str();
        if let Some(lo) = t.strip_suffix('+').or_else(|| t.strip_suffix('-')) {
            let lo: u8 = lo.trim().parse().map_err(|_| err())?;
            return Ok(AgeBand { lo, hi: None });
        }
        let (a, b) = t.split_once('-').ok_or_else(err)?;
        let lo: u8 = a.trim().parse().map_err(|_| err())?;
        let hi: u8 = b.trim().parse().map_err(|_| err())?;
        if hi < lo || hi > 120 {
            return Err(err());
        }
        Ok(AgeBand { lo, hi: Some(hi) })
    }
}

/// The ordered set of five-year bands a dataset uses: `0-4`, `5-9`, … and one open top band
/// (`80+` as in SCB's TAB6574, or finer up to `90+`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeBands {
    bands: Vec<AgeBand>,
}

impl AgeBands {
    /// Five-year bands from 0 up to the open band starting at `open_from` (a multiple of 5,
    /// 50–100). `AgeBands::five_year(80)` gives the 17 bands of SCB's TAB6574.
    pub fn five_year(open_from: u8) -> Self {
        let open_from = open_from - open_from % 5;
        let mut bands: Vec<AgeBand> = (0..open_from / 5)
            .map(|i| AgeBand {
                lo: i * 5,
                hi: Some(i * 5 + 4),
            })
            .collect();
        bands.push(AgeBand {
            lo: open_from,
            hi: None,
        });
        Self { bands }
    }

    /// The bands, youngest first.
    pub fn as_slice(&self) -> &[AgeBand] {
        &self.bands
    }
    /// Number of bands.
    pub fn len(&self) -> usize {
        self.bands.len()
    }
    /// Always false: a band set has at least the open band.
    pub fn is_empty(&self) -> bool {
        self.bands.is_empty()
    }
    /// Position of `band` in this set, if it is one of ours.
    pub fn index_of(&self, band: AgeBand) -> Option<usize> {
        self.bands.iter().position(|b| *b == band)
    }
    /// Position of the band containing `age`.
    pub fn index_of_age(&self, age: u8) -> usize {
        self.bands
            .iter()
            .position(|b| b.contains(age))
            .unwrap_or(self.bands.len() - 1)
    }
    /// Start age of the open band (80 for SCB's standard set).
    pub fn open_from(&self) -> u8 {
        self.bands.last().map(|b| b.lo).unwrap_or(80)
    }
    /// Indices of the bands lying wholly inside `lo..=hi` (`hi = None`: to the top).
    pub fn indices_within(&self, lo: u8, hi: Option<u8>) -> Vec<usize> {
        self.bands
            .iter()
            .enumerate()
            .filter(|(_, b)| {
                b.lo >= lo
                    && match (b.hi, hi) {
                        (_, None) => true,
                        (Some(bh), Some(h)) => bh <= h,
                        (None, Some(_)) => false,
                    }
            })
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scb_spellings() {
        assert_eq!(
            "0-4".parse::<AgeBand>().unwrap(),
            AgeBand { lo: 0, hi: Some(4) }
        );
        assert_eq!(
            "80+".parse::<AgeBand>().unwrap(),
            AgeBand { lo: 80, hi: None }
        );
        assert_eq!(
            "80- år".parse::<AgeBand>().unwrap(),
            AgeBand { lo: 80, hi: None }
        );
        assert_eq!(
            "75–79 år".parse::<AgeBand>().unwrap(),
            AgeBand {
                lo: 75,
                hi: Some(79)
            }
        );
        assert!("4-0".parse::<AgeBand>().is_err());
        assert!("old".parse::<AgeBand>().is_err());
    }

    #[test]
    fn standard_set_has_17_bands() {
        let b = AgeBands::five_year(80);
        assert_eq!(b.len(), 17);
        assert_eq!(b.as_slice()[16].to_string(), "80+");
        assert_eq!(b.index_of_age(67), 13);
        assert_eq!(b.indices_within(65, Some(79)), vec![13, 14, 15]);
        assert_eq!(b.indices_within(80, None), vec![16]);
        assert_eq!(AgeBands::five_year(90).len(), 19);
    }
}
