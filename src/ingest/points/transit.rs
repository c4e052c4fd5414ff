//! Transit stops: a point layer with `stop_id,name,departures_per_hour,mode`, reprojected to
//! EPSG:3006 (for distances) and CRS84 (for output).

use geo::Point;

use super::{point_source, point_xy, read_layer};
use crate::config::TableSource;
use crate::domain::TransitStop;
use crate::ingest::codes::parse_mode;
use crate::ingest::gdal_source::transform_in_place;
use crate::ingest::rows::{self, optional, required, Column, Duplicates};
use crate::ingest::{values, Ctx, Finding, Findings};

/// A stop: its id, name (the id when empty), departures per hour and mode.
pub(crate) const TRANSIT: [Column; 4] = [
    required("stop_id"),
    optional("name"),
    required("departures_per_hour"),
    required("mode"),
];

/// Transit stops: a GDAL point layer with `stop_id,name,departures_per_hour,mode`.
pub(crate) fn transit(ctx: &Ctx<'_>, src: &TableSource, found: &mut Findings) -> Vec<TransitStop> {
    let Some(source_name) = point_source(ctx, "transit", src, found) else {
        return Vec::new();
    };
    read_layer(
        ctx,
        "transit",
        source_name,
        src,
        true,
        found,
        |layer, opened, found| {
            let reproject = opened.reproject;
            let file = layer.file.to_path_buf();
            let mut stops = Vec::new();
            let (mut xs, mut ys, mut fids) = (Vec::new(), Vec::new(), Vec::new());
            let mut dups = Duplicates::new();
            let complete = rows::read(layer, src, &TRANSIT, found, |row, found| {
                let xy = match point_xy(row.record.geometry()) {
                    Ok(xy) => Some(xy),
                    Err(message) => {
                        found.problem(row.at.finding(message).in_field("geometry"));
                        None
                    }
                };
                let id = row.id(0, "stop id", found);
                if let Some(id) = &id {
                    if dups.seen(id.clone(), &row.at, "stop id", found) {
                        return;
                    }
                }
                let name = Some(row.text(1).trim().to_string())
                    .filter(|s| !s.is_empty())
                    .or_else(|| id.clone())
                    .unwrap_or_default();
                let dph = row.parse(2, values::non_negative, found);
                let mode = row.parse(3, parse_mode, found);
                if let (Some((x, y)), Some(id), Some(dph), Some(mode)) = (xy, id, dph, mode) {
                    stops.push(TransitStop {
                        id,
                        name,
                        point: Point::new(x, y),
                        point_lonlat: Point::new(x, y),
                        departures_per_hour: dph,
                        mode,
                    });
                    xs.push(x);
                    ys.push(y);
                    fids.push(row.at.row);
                }
            });
            let (true, Some(rp)) = (complete, reproject) else {
                return Vec::new();
            };
            let (mut lons, mut lats) = (xs.clone(), ys.clone());
            let ok_sweref = transform_in_place(&rp.to_sweref, &mut xs, &mut ys);
            let ok_lonlat = transform_in_place(&rp.to_lonlat, &mut lons, &mut lats);
            for (i, stop) in stops.iter_mut().enumerate() {
                if !(ok_sweref[i] && ok_lonlat[i]) {
                    found.problem(
                        Finding::new(&file, "coordinates cannot be transformed to EPSG:3006")
                            .at_row(fids[i])
                            .in_field("geometry"),
                    );
                    continue;
                }
                stop.point = Point::new(xs[i], ys[i]);
                stop.point_lonlat = Point::new(lons[i], lats[i]);
            }
            stops
        },
    )
}
