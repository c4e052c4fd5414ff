//! Address points: a point layer with persons by year, sex and age band at each address, each
//! point located in a district and summed per district, year, sex and band; the persons at each
//! address of the latest year are kept as residences (for accessibility).
//!
//! Address points are the big input (about 100,000 rows in the default dataset, 30 million at
//! national scale): a plain CSV with coordinate columns is read by [`super::direct_csv`] in
//! parallel, a FlatGeobuf file by [`super::direct_fgb`], a layer GDAL can stream as Arrow
//! batches by [`super::arrow`] (unless the manifest says `columnar = false`); anything else
//! goes through GDAL here, feature by feature into flat arrays, reprojected in batches and
//! located through [`crate::domain::DistrictIndex`].

use std::collections::HashMap;

use gdal::vector::LayerAccess;
use geo::Point;

use super::direct_csv::{self, DirectCsv};
use super::join;
use super::sum::Summed;
use super::{arrow, direct_fgb, point_xy};
use super::{read_layer, ADDRESS_POINTS, EXAMPLES};
use crate::domain::{PopulationRecord, Residence, Sex};
use crate::ingest::codes::parse_band;
use crate::ingest::finding::OutsidePoint;
use crate::ingest::gdal_source::transform_in_place;
use crate::ingest::rows::{self, RowSource};
use crate::ingest::{Ctx, Finding, Findings};

/// One address point's attributes, kept until its district is known.
struct AddressRow {
    fid: Option<u64>,
    year: i32,
    sex: Sex,
    band: usize,
    persons: f64,
}

/// Address points (the population part's `source`), each located in a district and summed per
/// district, year, sex and band; and the residences of the latest year.
pub(crate) fn address_points(
    ctx: &Ctx<'_>,
    source_name: &str,
    found: &mut Findings,
) -> (Vec<PopulationRecord>, Vec<Residence>) {
    let src = &ctx.manifest.population;
    if let Some(direct) = DirectCsv::new(ctx, source_name, src) {
        let index = ctx.districts.index();
        if let Some(summed) = direct_csv::read(ctx, &direct, src, index.as_ref(), found) {
            let Some(summed) = summed else {
                return (Vec::new(), Vec::new());
            };
            if summed.read == 0 {
                found.warning(Finding::new(&direct.file, "has no address points"));
            }
            return match index {
                Some(_) => join::records(direct.file, summed, found),
                None => (Vec::new(), Vec::new()),
            };
        }
    }
    read_layer(
        ctx,
        "population",
        source_name,
        src,
        true,
        found,
        |layer, opened, found| {
            let file = layer.file.to_path_buf();
            let Some(cols) = rows::resolve(
                &ADDRESS_POINTS,
                src,
                |name| layer.find(name),
                |theirs, ours| layer.missing(theirs, ours),
                found,
            ) else {
                return (Vec::new(), Vec::new());
            };
            if src.columnar != Some(false) {
                let read = match direct_fgb::read(ctx, &file, layer.layer, &opened, &cols, found) {
                    Some(read) => Some(read),
                    None => arrow::read(ctx, &file, layer.layer, &opened, &cols, found),
                };
                match read {
                    Some(Some(summed)) => {
                        if summed.read == 0 {
                            found.warning(Finding::new(&file, "has no address points"));
                        }
                        return join::records(file, summed, found);
                    }
                    Some(None) => return (Vec::new(), Vec::new()),
                    None => {}
                }
            }
            let reproject = opened.reproject;
            let features = layer.layer.try_feature_count();
            let capacity = features.unwrap_or(0).min(10_000_000) as usize;
            let count = crate::progress::Count::start(
                "address points",
                features,
                crate::progress::Unit::Rows,
            );
            let mut points: Vec<AddressRow> = Vec::with_capacity(capacity);
            let mut xs: Vec<f64> = Vec::with_capacity(capacity);
            let mut ys: Vec<f64> = Vec::with_capacity(capacity);
            let mut read = 0u64;
            rows::read_with(layer, &cols, src, found, |row, found| {
                read += 1;
                if read.is_multiple_of(65_536) {
                    count.add(65_536);
                }
                let xy = match point_xy(row.record.geometry()) {
                    Ok(xy) => Some(xy),
                    Err(message) => {
                        found.problem(row.at.finding(message).in_field("geometry"));
                        None
                    }
                };
                let year = row.year(0, found);
                let sex = row.sex(1, found);
                let band = row.parse(2, |s| parse_band(ctx, s), found);
                let persons = row.count(3, found);
                if let (Some((x, y)), Some(year), Some(sex), Some(band), Some(persons)) =
                    (xy, year, sex, band, persons)
                {
                    points.push(AddressRow {
                        fid: row.at.row,
                        year,
                        sex,
                        band,
                        persons,
                    });
                    xs.push(x);
                    ys.push(y);
                }
            });
            drop(count);
            if read == 0 {
                found.warning(Finding::new(&file, "has no address points"));
            }
            let Some(rp) = reproject else {
                return (Vec::new(), Vec::new());
            };
            let (raw_xs, raw_ys) = (xs.clone(), ys.clone());
            let ok = transform_in_place(&rp.to_sweref, &mut xs, &mut ys);
            for (i, r) in points.iter().enumerate().filter(|(i, _)| !ok[*i]) {
                found.problem(
                    Finding::new(&file, "coordinates cannot be transformed to EPSG:3006")
                        .at_row(r.fid)
                        .in_field("geometry")
                        .with_value(&format!("{} {}", raw_xs[i], raw_ys[i])),
                );
            }
            let Some(index) = ctx.districts.index() else {
                return (Vec::new(), Vec::new());
            };
            let mut sums: HashMap<(usize, i32, Sex, usize), f64> = HashMap::new();
            let latest_year = points.iter().map(|r| r.year).max();
            let mut summed = Summed {
                sums: Vec::new(),
                homes: HashMap::new(),
                points: points.len() as u64,
                read,
                outside: 0,
                amount_outside: 0.0,
                examples: Vec::new(),
            };
            for (i, r) in points.iter().enumerate() {
                if !ok[i] {
                    continue;
                }
                match index.locate(Point::new(xs[i], ys[i])) {
                    Some(d) => {
                        *sums.entry((d, r.year, r.sex, r.band)).or_insert(0.0) += r.persons;
                        if Some(r.year) == latest_year {
                            let key = (xs[i].to_bits(), ys[i].to_bits());
                            summed.homes.entry(key).or_insert((d, 0.0)).1 += r.persons;
                        }
                    }
                    None => {
                        summed.outside += 1;
                        summed.amount_outside += r.persons;
                        if summed.examples.len() < EXAMPLES {
                            summed.examples.push(OutsidePoint {
                                fid: r.fid,
                                e: xs[i],
                                n: ys[i],
                            });
                        }
                    }
                }
            }
            summed.sums = sums.into_iter().collect();
            join::records(file, summed, found)
        },
    )
}
