//! A synthetic dataset at any scale, in our own format, for benchmarks and tests: DeSO-like
//! district polygons (48–96 vertices each, sharing their edges exactly), address points with
//! persons by sex and age band for several years, migration, dwelling stock, indicators, transit
//! stops and pipeline projects, and the manifest that names them.
//!
//! Why it exists: the national scale (6,160 DeSO, 10.5 million persons, some 30 million address
//! rows) is far too big to commit, and a benchmark must be rerun on the same data. The output is
//! a function of [`Scale`] alone (seeded, no clock, no thread order), so two runs write the same
//! bytes. The address points are written as CSV with `x`/`y` columns and, on request, as
//! GeoPackage and FlatGeobuf layers with the same rows, each format with its own manifest.
//!
//! The figures are plausible, not calibrated: a Swedish-looking age pyramid, 1–6 persons per
//! address, a household size of about 2.1 for the dwelling stock.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    Feature, FieldDefn, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::{Dataset, DriverManager};

/// The base (latest) year of a generated dataset; earlier years count back from it.
pub const BASE_YEAR: i32 = 2018;

/// Side of one district's cell, metres.
const CELL: f64 = 1500.0;
/// South-west corner of the grid of cells (SWEREF 99 TM, inside Sweden).
const ORIGIN: (f64, f64) = (300_000.0, 6_300_000.0);
/// About how many districts form one municipality (6,160 DeSO in 290 municipalities).
const DISTRICTS_PER_MUNICIPALITY: usize = 21;
/// Pipeline projects per district (11,000 nationally over 6,160 DeSO).
const PROJECTS_PER_DISTRICT: f64 = 11_000.0 / 6_160.0;

/// The 17 five-year bands of the default dataset (open band 80+).
const BANDS: [&str; 17] = [
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
    "55-59", "60-64", "65-69", "70-74", "75-79", "80+",
];
/// Relative size of each band in a Swedish-looking population.
const PYRAMID: [f64; 17] = [
    5.9, 6.1, 6.0, 5.6, 6.0, 6.9, 6.8, 6.3, 6.2, 6.6, 6.7, 6.2, 5.8, 5.6, 5.6, 4.4, 5.3,
];

/// Which formats the address points are written in (CSV always).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointFormat {
    /// `address_points.csv` with `x`/`y` columns (always written).
    Csv,
    /// `address_points.gpkg`, layer `address_points`.
    GeoPackage,
    /// `address_points.fgb`.
    FlatGeobuf,
}

impl PointFormat {
    /// File extension, GDAL driver and manifest suffix.
    fn parts(self) -> (&'static str, &'static str) {
        match self {
            PointFormat::Csv => ("csv", "CSV"),
            PointFormat::GeoPackage => ("gpkg", "GPKG"),
            PointFormat::FlatGeobuf => ("fgb", "FlatGeobuf"),
        }
    }
}

impl std::str::FromStr for PointFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "gpkg" | "geopackage" => Ok(Self::GeoPackage),
            "fgb" | "flatgeobuf" => Ok(Self::FlatGeobuf),
            other => Err(format!("unknown point format '{other}' (csv, gpkg, fgb)")),
        }
    }
}

/// How big a dataset to generate.
#[derive(Debug, Clone)]
pub struct Scale {
    /// Number of districts (6,160 = SCB's DeSO).
    pub districts: usize,
    /// Persons in the base year, over all districts.
    pub persons: u64,
    /// Observed years, ending with [`BASE_YEAR`].
    pub years: u32,
    /// Seed of the generator.
    pub seed: u64,
    /// Formats of the address points besides CSV.
    pub point_formats: Vec<PointFormat>,
}

/// What a generation wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    /// One manifest per point format, CSV first.
    pub manifests: Vec<PathBuf>,
    /// Address rows (address × year × sex × band) written.
    pub address_rows: u64,
    /// Persons in the base year.
    pub persons: u64,
    /// Pipeline projects written.
    pub projects: u64,
}

/// An error writing a generated dataset.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// A file could not be written.
    #[error("cannot write {file}: {source}")]
    Io {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// GDAL could not write a layer.
    #[error("cannot write {file}: {source}")]
    Gdal {
        /// The file.
        file: PathBuf,
        /// Why.
        source: gdal::errors::GdalError,
    },
    /// The scale asks for nothing.
    #[error("{0}")]
    Scale(String),
}

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next_u64();
        r
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Uniform integer in [0, n).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// A hash of a grid edge, so both districts sharing it draw it the same way.
fn edge_hash(seed: u64, a: (i64, i64), b: (i64, i64)) -> u64 {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let mut r = Rng::new(
        seed,
        (a.0 as u64).wrapping_mul(73_856_093)
            ^ (a.1 as u64).wrapping_mul(19_349_663)
            ^ (b.0 as u64).wrapping_mul(83_492_791)
            ^ (b.1 as u64).wrapping_mul(2_654_435_761),
    );
    r.next_u64()
}

/// The points of the grid edge from corner `a` to corner `b` (grid units), `a` included and `b`
/// not: 12–24 points, displaced across the edge by a smooth wave that is zero at the corners.
fn edge_points(seed: u64, a: (i64, i64), b: (i64, i64)) -> Vec<(f64, f64)> {
    let h = edge_hash(seed, a, b);
    let n = 12 + (h % 13) as usize;
    let amplitude = 0.04 + 0.04 * ((h >> 8) % 100) as f64 / 100.0;
    let phase_sign = if (h >> 20) & 1 == 0 { 1.0 } else { -1.0 };
    // The wave is drawn from the lower corner so that both sides agree.
    let forward = a <= b;
    let (lo, hi) = if forward { (a, b) } else { (b, a) };
    let (dx, dy) = ((hi.0 - lo.0) as f64, (hi.1 - lo.1) as f64);
    let mut pts: Vec<(f64, f64)> = (0..=n)
        .map(|k| {
            let t = k as f64 / n as f64;
            let w = phase_sign
                * amplitude
                * (std::f64::consts::PI * t).sin()
                * (1.0 + 0.5 * (3.0 * std::f64::consts::PI * t).sin());
            // Perpendicular to the edge.
            let (x, y) = (lo.0 as f64 + dx * t - dy * w, lo.1 as f64 + dy * t + dx * w);
            (ORIGIN.0 + x * CELL, ORIGIN.1 + y * CELL)
        })
        .collect();
    if !forward {
        pts.reverse();
    }
    pts.pop();
    pts
}

/// The ring of cell (`col`, `row`), counter-clockwise, closed.
fn cell_ring(seed: u64, col: i64, row: i64) -> Vec<(f64, f64)> {
    let corners = [
        (col, row),
        (col + 1, row),
        (col + 1, row + 1),
        (col, row + 1),
    ];
    let mut ring = Vec::with_capacity(100);
    for k in 0..4 {
        ring.extend(edge_points(seed, corners[k], corners[(k + 1) % 4]));
    }
    ring.push(ring[0]);
    ring
}

/// District code in DeSO's shape: municipality (4 digits), area letter, 4 digits.
fn district_code(i: usize) -> (String, String) {
    let kommun = 100 + i / DISTRICTS_PER_MUNICIPALITY;
    let letter = ['A', 'B', 'C'][i % 3];
    (
        format!(
            "{kommun:04}{letter}{:04}",
            1000 + i % DISTRICTS_PER_MUNICIPALITY
        ),
        format!("{kommun:04}"),
    )
}

/// Writes a dataset of `scale` into `dir` (created if missing).
pub fn generate(dir: &Path, scale: &Scale) -> Result<Generated, GenerateError> {
    if scale.districts == 0 || scale.years == 0 {
        return Err(GenerateError::Scale(
            "a dataset needs at least one district and one year".into(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|source| GenerateError::Io {
        file: dir.to_path_buf(),
        source,
    })?;
    let cols = (scale.districts as f64).sqrt().ceil() as usize;
    let first_year = BASE_YEAR - scale.years as i32 + 1;
    let years: Vec<i32> = (first_year..=BASE_YEAR).collect();

    write_districts(dir, scale, cols)?;

    let mut csv = Csv::create(dir, "address_points.csv")?;
    csv.line("address_id,x,y,year,sex,age_band,persons")?;
    let mut migration = Csv::create(dir, "migration.csv")?;
    migration.line("district,year,sex,age_band,in_migrants,out_migrants")?;
    let mut dwellings = Csv::create(dir, "dwellings.csv")?;
    dwellings.line("district,year,type,tenure,dwellings")?;
    let mut indicators = Csv::create(dir, "indicators.csv")?;
    indicators.line("district,year,indicator,value")?;
    let mut stops = Csv::create(dir, "transit_stops.csv")?;
    stops.line("stop_id,name,departures_per_hour,mode,x,y")?;
    let mut projects = Csv::create(dir, "projects.csv")?;
    projects.line(
        "project_id,name,dwellings,type,tenure,planbesked_request,planbesked,planuppdrag,samrad,granskning,antagande,anslag,laga_kraft,bygglov_application,bygglov_decision,startbesked,inflyttning,appealed,x,y",
    )?;

    // Each district's share of the persons.
    let mut weights_rng = Rng::new(scale.seed, 1);
    let weights: Vec<f64> = (0..scale.districts)
        .map(|_| weights_rng.range(0.4, 1.6))
        .collect();
    let total_weight: f64 = weights.iter().sum();

    let mut generated = Generated {
        manifests: Vec::new(),
        address_rows: 0,
        persons: 0,
        projects: 0,
    };
    let mut assigned = 0u64;
    let mut running_weight = 0.0;
    let mut address_no = 0u64;
    let mut project_no = 0u64;
    for (d, weight) in weights.iter().enumerate() {
        running_weight += weight;
        let upto = (scale.persons as f64 * running_weight / total_weight).round() as u64;
        let persons = upto.saturating_sub(assigned);
        assigned = upto;
        let (code, _) = district_code(d);
        let (col, row) = ((d % cols) as f64, (d / cols) as f64);
        // Addresses inside the inner 80 % of the cell: always inside the wavy polygon.
        let (x0, y0) = (ORIGIN.0 + (col + 0.1) * CELL, ORIGIN.1 + (row + 0.1) * CELL);
        let inner = 0.8 * CELL;
        let mut rng = Rng::new(scale.seed, 1_000 + d as u64);
        // Population per year, sex and band, for migration and dwellings.
        let mut tally = vec![[[0u32; 17]; 2]; years.len()];
        let mut left = persons;
        while left > 0 {
            address_no += 1;
            let size = (1 + rng.below(6)).min(left);
            left -= size;
            let x = (x0 + rng.range(0.0, inner)).round();
            let y = (y0 + rng.range(0.0, inner)).round();
            // Single-year ages in the base year.
            let people: Vec<(usize, i32)> = (0..size)
                .map(|_| (rng.below(2) as usize, sample_age(&mut rng)))
                .collect();
            for (yi, &year) in years.iter().enumerate() {
                let back = BASE_YEAR - year;
                let mut cells = [[0u32; 17]; 2];
                for &(sex, age) in &people {
                    let a = age - back;
                    if a >= 0 {
                        cells[sex][(a as usize / 5).min(16)] += 1;
                    }
                }
                for (sex, bands) in cells.iter().enumerate() {
                    for (band, &n) in bands.iter().enumerate() {
                        if n == 0 {
                            continue;
                        }
                        tally[yi][sex][band] += n;
                        let s = ["m", "f"][sex];
                        csv.line(&format!(
                            "A{address_no:08},{x},{y},{year},{s},{},{n}",
                            BANDS[band]
                        ))?;
                        generated.address_rows += 1;
                    }
                }
            }
        }
        generated.persons += persons;
        write_district_tables(
            &code,
            &years,
            &tally,
            &mut rng,
            &mut migration,
            &mut dwellings,
            &mut indicators,
        )?;
        // Two or three stops, a railway station in every tenth district.
        let nstops = 2 + rng.below(2);
        for k in 0..nstops {
            let rail = k == 0 && d % 10 == 0;
            let dph = if rail {
                rng.range(1.0, 6.0)
            } else {
                rng.range(0.2, 12.0)
            };
            stops.line(&format!(
                "S{d:06}{k},Stop {d} {k},{dph:.1},{},{:.0},{:.0}",
                if rail { "rail" } else { "bus" },
                x0 + rng.range(0.0, inner),
                y0 + rng.range(0.0, inner)
            ))?;
        }
        // Pipeline projects.
        let expected = PROJECTS_PER_DISTRICT;
        let nprojects = expected.floor() as u64 + u64::from(rng.unit() < expected.fract());
        for _ in 0..nprojects {
            project_no += 1;
            let (x, y) = (x0 + rng.range(0.0, inner), y0 + rng.range(0.0, inner));
            let line = project_line(project_no, &mut rng, x, y);
            projects.line(&line)?;
        }
        generated.projects += nprojects;
    }
    for c in [csv, migration, dwellings, indicators, stops, projects] {
        c.finish()?;
    }
    let mut formats = vec![PointFormat::Csv];
    for &format in &scale.point_formats {
        if !formats.contains(&format) {
            write_point_layer(dir, format)?;
            formats.push(format);
        }
    }
    for f in formats {
        generated.manifests.push(write_manifest(dir, scale, f)?);
    }
    Ok(generated)
}

/// A single-year age drawn from [`PYRAMID`] (uniform within the band; 80–99 in the open band).
fn sample_age(rng: &mut Rng) -> i32 {
    let total: f64 = PYRAMID.iter().sum();
    let mut u = rng.unit() * total;
    for (band, w) in PYRAMID.iter().enumerate() {
        if u < *w {
            let width = if band == 16 { 20 } else { 5 };
            return (band * 5) as i32 + rng.below(width) as i32;
        }
        u -= w;
    }
    80
}

/// Migration, dwelling stock and indicators of one district.
fn write_district_tables(
    code: &str,
    years: &[i32],
    tally: &[[[u32; 17]; 2]],
    rng: &mut Rng,
    migration: &mut Csv,
    dwellings: &mut Csv,
    indicators: &mut Csv,
) -> Result<(), GenerateError> {
    // In- and out-migration rates by band: young adults move most.
    const MOVE: [f64; 17] = [
        0.10, 0.06, 0.05, 0.06, 0.20, 0.22, 0.15, 0.10, 0.07, 0.05, 0.04, 0.04, 0.03, 0.03, 0.03,
        0.03, 0.03,
    ];
    let villa_share = rng.range(0.1, 0.8);
    let employment = rng.range(50.0, 90.0);
    let low_econ = rng.range(5.0, 30.0);
    let crowding = rng.range(2.0, 20.0);
    let safety = rng.range(3.0, 9.0);
    for (yi, &year) in years.iter().enumerate() {
        for (sex, bands) in tally[yi].iter().enumerate() {
            for (band, &n) in bands.iter().enumerate() {
                let base = f64::from(n) * MOVE[band];
                let inm = (base * rng.range(0.8, 1.25)).round();
                let outm = (base * rng.range(0.8, 1.2)).round();
                migration.line(&format!(
                    "{code},{year},{},{},{inm},{outm}",
                    ["m", "f"][sex],
                    BANDS[band]
                ))?;
            }
        }
        let persons: u32 = tally[yi].iter().flatten().sum();
        let households = f64::from(persons) / 2.1;
        let villas = (households * villa_share).round();
        let flats = households - villas;
        for (kind, tenure, n) in [
            ("smahus", "aganderatt", villas * 0.9),
            ("smahus", "bostadsratt", villas * 0.1),
            ("flerbostadshus", "hyresratt", flats * 0.6),
            ("flerbostadshus", "bostadsratt", flats * 0.4),
        ] {
            dwellings.line(&format!("{code},{year},{kind},{tenure},{:.0}", n.round()))?;
        }
        let drift = f64::from(year - BASE_YEAR) * 0.3;
        for (name, value) in [
            ("employment", employment + drift),
            ("low_econ", low_econ - drift),
            ("crowding", crowding),
            ("safety_score", safety),
        ] {
            indicators.line(&format!("{code},{year},{name},{value:.1}"))?;
        }
    }
    Ok(())
}

/// One project: stage dates in order from a planbesked request in 2006–2018; stages after the
/// snapshot date (end of [`BASE_YEAR`]) are left empty.
fn project_line(no: u64, rng: &mut Rng, x: f64, y: f64) -> String {
    let as_of = chrono::NaiveDate::from_ymd_opt(BASE_YEAR, 12, 31).unwrap_or_default();
    let start = chrono::NaiveDate::from_ymd_opt(2006, 1, 1).unwrap_or_default()
        + chrono::Days::new(rng.below(13 * 365));
    // Median-ish days between successive stages (planbesked_request … inflyttning).
    const STEPS: [f64; 11] = [
        90.0, 90.0, 400.0, 200.0, 150.0, 5.0, 21.0, 200.0, 60.0, 60.0, 600.0,
    ];
    let mut dates = vec![Some(start)];
    let mut at = start;
    for step in STEPS {
        at = at + chrono::Days::new((step * rng.range(0.5, 1.8)).round() as u64);
        dates.push((at <= as_of).then_some(at));
    }
    let appealed = rng.unit() < 0.25;
    let smahus = rng.unit() < 0.4;
    let (kind, tenure) = if smahus {
        ("smahus", "aganderatt")
    } else if rng.unit() < 0.5 {
        ("flerbostadshus", "hyresratt")
    } else {
        ("flerbostadshus", "bostadsratt")
    };
    let dwellings = if smahus {
        4 + rng.below(40)
    } else {
        12 + rng.below(200)
    };
    let dates: Vec<String> = dates
        .iter()
        .map(|d| d.map(|d| d.to_string()).unwrap_or_default())
        .collect();
    format!(
        "P{no:06},Project {no},{dwellings},{kind},{tenure},{},{appealed},{x:.0},{y:.0}",
        dates.join(",")
    )
}

/// A buffered CSV file.
struct Csv {
    file: PathBuf,
    out: BufWriter<File>,
}

impl Csv {
    fn create(dir: &Path, name: &str) -> Result<Self, GenerateError> {
        let file = dir.join(name);
        let out = File::create(&file).map_err(|source| GenerateError::Io {
            file: file.clone(),
            source,
        })?;
        Ok(Self {
            file,
            out: BufWriter::with_capacity(1 << 20, out),
        })
    }
    fn line(&mut self, line: &str) -> Result<(), GenerateError> {
        self.out
            .write_all(line.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(|source| GenerateError::Io {
                file: self.file.clone(),
                source,
            })
    }
    fn finish(mut self) -> Result<(), GenerateError> {
        self.out.flush().map_err(|source| GenerateError::Io {
            file: self.file.clone(),
            source,
        })
    }
}

/// A new, empty vector file of GDAL's `driver` at `file` (a file already there is removed
/// first), with SWEREF 99 TM (EPSG:3006) for its layers.
fn create_fresh(file: &Path, driver: &str) -> Result<(Dataset, SpatialRef), GenerateError> {
    let gdal_err = |source| GenerateError::Gdal {
        file: file.to_path_buf(),
        source,
    };
    if file.exists() {
        std::fs::remove_file(file).map_err(|source| GenerateError::Io {
            file: file.to_path_buf(),
            source,
        })?;
    }
    let dataset = DriverManager::get_driver_by_name(driver)
        .and_then(|d| d.create_vector_only(file))
        .map_err(gdal_err)?;
    let srs = SpatialRef::from_epsg(3006).map_err(gdal_err)?;
    Ok((dataset, srs))
}

/// The address points of `address_points.csv` (just written) as a GDAL layer
/// `address_points` (GeoPackage in one transaction, or FlatGeobuf), EPSG:3006.
fn write_point_layer(dir: &Path, format: PointFormat) -> Result<(), GenerateError> {
    let (ext, driver) = format.parts();
    let file = dir.join(format!("address_points.{ext}"));
    let gdal_err = |source| GenerateError::Gdal {
        file: file.clone(),
        source,
    };
    let (mut dataset, srs) = create_fresh(&file, driver)?;
    {
        let options = ["SPATIAL_INDEX=NO"];
        let layer = dataset
            .create_layer(LayerOptions {
                name: "address_points",
                srs: Some(&srs),
                ty: OGRwkbGeometryType::wkbPoint,
                options: Some(&options),
            })
            .map_err(gdal_err)?;
        for (name, ty) in [
            ("address_id", OGRFieldType::OFTString),
            ("year", OGRFieldType::OFTInteger),
            ("sex", OGRFieldType::OFTString),
            ("age_band", OGRFieldType::OFTString),
            ("persons", OGRFieldType::OFTInteger),
        ] {
            FieldDefn::new(name, ty)
                .and_then(|f| f.add_to_layer(&layer))
                .map_err(gdal_err)?;
        }
    }
    let csv_file = dir.join("address_points.csv");
    let mut reader = csv::Reader::from_path(&csv_file).map_err(|e| GenerateError::Io {
        file: csv_file.clone(),
        source: e.into(),
    })?;
    let mut copy = |layer: &gdal::vector::Layer<'_>| -> Result<(), GenerateError> {
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    return Err(GenerateError::Io {
                        file: csv_file.clone(),
                        source: e.into(),
                    })
                }
            }
            let number = |i: usize| record.get(i).and_then(|v| v.parse::<f64>().ok());
            let (Some(x), Some(y), Some(year), Some(persons)) =
                (number(1), number(2), number(3), number(6))
            else {
                continue;
            };
            let mut feature = Feature::new(layer.defn()).map_err(gdal_err)?;
            feature
                .set_field_string(0, record.get(0).unwrap_or(""))
                .and_then(|()| feature.set_field_integer(1, year as i32))
                .and_then(|()| feature.set_field_string(2, record.get(4).unwrap_or("")))
                .and_then(|()| feature.set_field_string(3, record.get(5).unwrap_or("")))
                .and_then(|()| feature.set_field_integer(4, persons as i32))
                .map_err(gdal_err)?;
            let mut point = Geometry::empty(OGRwkbGeometryType::wkbPoint).map_err(gdal_err)?;
            point.add_point_2d((x, y));
            feature.set_geometry(point).map_err(gdal_err)?;
            feature.create(layer).map_err(gdal_err)?;
        }
    };
    if format == PointFormat::GeoPackage {
        let txn = dataset.start_transaction().map_err(gdal_err)?;
        copy(&txn.layer(0).map_err(gdal_err)?)?;
        txn.commit().map_err(gdal_err)?;
    } else {
        copy(&dataset.layer(0).map_err(gdal_err)?)?;
    }
    Ok(())
}

/// The districts as a GeoPackage layer `deso` (`desokod`, `namn`, `kommunkod`), EPSG:3006.
fn write_districts(dir: &Path, scale: &Scale, cols: usize) -> Result<(), GenerateError> {
    let file = dir.join("districts.gpkg");
    let gdal_err = |source| GenerateError::Gdal {
        file: file.clone(),
        source,
    };
    let (mut ds, srs) = create_fresh(&file, "GPKG")?;
    ds.create_layer(LayerOptions {
        name: "deso",
        srs: Some(&srs),
        ty: OGRwkbGeometryType::wkbPolygon,
        options: None,
    })
    .map_err(gdal_err)?;
    let txn = ds.start_transaction().map_err(gdal_err)?;
    {
        let layer = txn.layer(0).map_err(gdal_err)?;
        for name in ["desokod", "namn", "kommunkod"] {
            FieldDefn::new(name, OGRFieldType::OFTString)
                .and_then(|f| f.add_to_layer(&layer))
                .map_err(gdal_err)?;
        }
        for d in 0..scale.districts {
            let (code, kommun) = district_code(d);
            let ring = cell_ring(scale.seed, (d % cols) as i64, (d / cols) as i64);
            let wkt = format!(
                "POLYGON(({}))",
                ring.iter()
                    .map(|(x, y)| format!("{x:.2} {y:.2}"))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let mut feature = Feature::new(layer.defn()).map_err(gdal_err)?;
            feature
                .set_field_string(0, &code)
                .and_then(|()| feature.set_field_string(1, &format!("Område {d}")))
                .and_then(|()| feature.set_field_string(2, &kommun))
                .map_err(gdal_err)?;
            feature
                .set_geometry(Geometry::from_wkt(&wkt).map_err(gdal_err)?)
                .map_err(gdal_err)?;
            feature.create(&layer).map_err(gdal_err)?;
        }
    }
    txn.commit().map_err(gdal_err)?;
    Ok(())
}

/// The manifest for the address points in `format`: `national.toml` for CSV,
/// `national-gpkg.toml` and `national-fgb.toml` for the others.
fn write_manifest(
    dir: &Path,
    scale: &Scale,
    format: PointFormat,
) -> Result<PathBuf, GenerateError> {
    let (ext, _) = format.parts();
    let (name, population) = match format {
        PointFormat::Csv => (
            "national.toml".to_string(),
            "source = \"address_points.csv\"\ncrs = \"EPSG:3006\"\nopen_options = [\"X_POSSIBLE_NAMES=x\", \"Y_POSSIBLE_NAMES=y\", \"KEEP_GEOM_COLUMNS=NO\"]\n".to_string(),
        ),
        _ => (
            format!("national-{ext}.toml"),
            format!("source = \"address_points.{ext}\"\n"),
        ),
    };
    let text = format!(
        "# A synthetic national-scale dataset written by `housing-need generate`:\n\
         # {districts} districts, {persons} persons in {BASE_YEAR}, {years} year(s), seed {seed}.\n\
         # Generated on demand for benchmarks and tests; not real data.\n\n\
         [dataset]\n\
         name = \"Synthetic national dataset ({districts} districts, {persons} persons)\"\n\
         as_of = \"{BASE_YEAR}-12-31\"\n\
         open_band = 80\n\n\
         [districts]\n\
         source = \"districts.gpkg\"\n\
         id_field = \"desokod\"\n\
         name_field = \"namn\"\n\n\
         [population]\n{population}\n\
         [migration]\npath = \"migration.csv\"\n\n\
         [dwellings]\npath = \"dwellings.csv\"\n\n\
         [indicators]\npath = \"indicators.csv\"\n\n\
         [transit]\n\
         source = \"transit_stops.csv\"\n\
         crs = \"EPSG:3006\"\n\
         open_options = [\"X_POSSIBLE_NAMES=x\", \"Y_POSSIBLE_NAMES=y\", \"KEEP_GEOM_COLUMNS=NO\"]\n\n\
         [pipeline]\n\
         source = \"projects.csv\"\n\
         crs = \"EPSG:3006\"\n\
         open_options = [\"X_POSSIBLE_NAMES=x\", \"Y_POSSIBLE_NAMES=y\", \"KEEP_GEOM_COLUMNS=NO\"]\n\n\
         [model]\nhorizon = 10\n",
        districts = scale.districts,
        persons = scale.persons,
        years = scale.years,
        seed = scale.seed,
    );
    let file = dir.join(name);
    std::fs::write(&file, text).map_err(|source| GenerateError::Io {
        file: file.clone(),
        source,
    })?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_edges_are_drawn_the_same_from_both_sides() {
        let a = edge_points(7, (3, 4), (4, 4));
        let mut b = edge_points(7, (4, 4), (3, 4));
        // b runs from (4,4) to (3,4) without its end; compare the interior points.
        b.reverse();
        assert_eq!(a[1..], b[..b.len() - 1]);
    }

    #[test]
    fn rings_have_48_to_96_vertices() {
        for (c, r) in [(0, 0), (5, 9), (78, 77)] {
            let n = cell_ring(1, c, r).len() - 1;
            assert!((48..=96).contains(&n), "{n}");
        }
    }
}
