//! Data prepared once per data load: every collection's features serialised to GeoJSON text in
//! each CRS, with the bounding boxes, times and property values that filters and sorting read.
//!
//! A request only selects, slices and concatenates what is here. Collections are data, not
//! code: [`CollectionBuilder`] turns any list of features (geometry in EPSG:3006 and lon/lat,
//! an optional year, one value per declared field) into a [`Collection`]; the service's
//! collections are the published layers of [`crate::layers`], rendered by `api::layers`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use geo::{BoundingRect, Geometry, MapCoords};
use serde_json::Value;

use super::crs::{Crs, Family};
use super::geojson;
use super::temporal::TimeSpan;

pub use crate::layers::{Field, FieldKind};

/// One geometry, prepared in every CRS. Several features may share it (every year of a
/// district in `demand` uses the district's polygon).
#[derive(Debug)]
pub struct Shape {
    /// GeoJSON geometry text, indexed by [`Crs::index`].
    pub json: [Box<str>; 3],
    /// Bounding box `[minx, miny, maxx, maxy]` in lon/lat (x = longitude).
    pub bbox_lonlat: [f64; 4],
    /// Bounding box in EPSG:3006 easting/northing (x = easting).
    pub bbox_metric: [f64; 4],
    /// The lon/lat geometry (exact `bbox` tests).
    pub lonlat: Geometry<f64>,
    /// The EPSG:3006 geometry.
    pub metric: Geometry<f64>,
}

impl Shape {
    /// Bounding box in the coordinates of `family`.
    pub fn bbox(&self, family: Family) -> [f64; 4] {
        match family {
            Family::LonLat => self.bbox_lonlat,
            Family::Metric => self.bbox_metric,
        }
    }
    /// Geometry in the coordinates of `family`.
    pub fn geometry(&self, family: Family) -> &Geometry<f64> {
        match family {
            Family::LonLat => &self.lonlat,
            Family::Metric => &self.metric,
        }
    }
}

/// One feature, ready to be written.
#[derive(Debug)]
pub struct Feature {
    /// Feature id (the `id` member and the last path segment of its URL).
    pub id: Box<str>,
    /// Index of its geometry in [`Collection::shapes`], `None` for a feature without geometry.
    pub shape: Option<u32>,
    /// The time the feature describes, for `datetime`.
    pub time: Option<TimeSpan>,
    /// Property values, one per [`Collection::fields`] entry (`Null` when absent).
    pub values: Box<[Value]>,
    /// `{"type":"Feature","id":…,"geometry":`
    head: Box<str>,
    /// `,"properties":{…}}` with every field, `"name":value` each, comma-separated.
    props_all: Box<str>,
    /// Where each field's `"name":value` ends in `props_all` (it starts after the previous
    /// one's end and its comma, the first after [`PROPERTIES_OPEN`]): one text per feature,
    /// not one per field.
    prop_ends: Box<[u32]>,
}

/// What `props_all` starts with.
const PROPERTIES_OPEN: &str = r#","properties":{"#;

impl Feature {
    /// The feature's properties as one JSON object, `{"name":value,…}`, every field in order.
    pub fn properties_json(&self) -> &str {
        let all = &*self.props_all;
        all.get(PROPERTIES_OPEN.len() - 1..all.len() - 1)
            .unwrap_or("{}")
    }

    /// `"name":value` of field `i`.
    fn prop(&self, i: usize) -> Option<&str> {
        let end = *self.prop_ends.get(i)? as usize;
        let start = match i {
            0 => PROPERTIES_OPEN.len(),
            _ => *self.prop_ends.get(i - 1)? as usize + 1,
        };
        self.props_all.get(start..end)
    }
}

impl Feature {
    /// Appends the feature's GeoJSON in `crs` to `out`; `select` limits the properties to the
    /// given field indices, `links` (`,"links":[…]`) is inserted before the closing brace.
    pub fn write(
        &self,
        out: &mut Vec<u8>,
        shapes: &[Shape],
        crs: Crs,
        select: Option<&[usize]>,
        links: Option<&str>,
    ) {
        out.extend_from_slice(self.head.as_bytes());
        match self.shape.and_then(|s| shapes.get(s as usize)) {
            Some(shape) => out.extend_from_slice(shape.json[crs.index()].as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        let closing: &[u8] = match select {
            None => {
                let all = self.props_all.as_bytes();
                out.extend_from_slice(&all[..all.len() - 1]);
                b"}"
            }
            Some(indices) => {
                out.extend_from_slice(PROPERTIES_OPEN.as_bytes());
                for (n, &i) in indices.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    if let Some(p) = self.prop(i) {
                        out.extend_from_slice(p.as_bytes());
                    }
                }
                b"}}"
            }
        };
        match links {
            Some(l) => {
                out.extend_from_slice(&closing[..closing.len() - 1]);
                out.extend_from_slice(l.as_bytes());
                out.push(b'}');
            }
            None => out.extend_from_slice(closing),
        }
    }
}

/// A collection, prepared.
#[derive(Debug)]
pub struct Collection {
    /// Stable id (`districts`, `demand`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Properties, in the order they are written.
    pub fields: Vec<Field>,
    /// Features in their natural order (the order without `sortby`).
    pub features: Vec<Feature>,
    /// Geometries the features point to, shared with the other collections drawn on the same
    /// geometries ([`ShapeSet`]).
    pub shapes: Arc<[Shape]>,
    /// Extent `[minx, miny, maxx, maxy]` in lon/lat, `None` without geometries.
    pub extent_lonlat: Option<[f64; 4]>,
    /// Extent in EPSG:3006 easting/northing.
    pub extent_metric: Option<[f64; 4]>,
    /// Temporal extent, `None` for a collection without time.
    pub temporal: Option<TimeSpan>,
    /// GeoJSON geometry type when all geometries share one (`MultiPolygon`).
    pub geometry_type: Option<String>,
    /// Content hash, part of every ETag.
    pub etag: u64,
    by_id: HashMap<Box<str>, usize>,
    field_index: HashMap<String, usize>,
    /// R-trees over the shapes' bounding boxes, lon/lat and EPSG:3006 (shared with the shapes).
    shape_index: Arc<[rstar::RTree<ShapeBox>; 2]>,
    /// Features of shape `s`: `shape_features[shape_offsets[s]..shape_offsets[s + 1]]`, in
    /// natural order.
    shape_offsets: Vec<u32>,
    shape_features: Vec<u32>,
}

/// A shape's bounding box in one family of coordinates, for the `bbox` index.
#[derive(Debug)]
struct ShapeBox {
    shape: u32,
    envelope: rstar::AABB<[f64; 2]>,
}

impl rstar::RTreeObject for ShapeBox {
    type Envelope = rstar::AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

impl Collection {
    /// Shapes whose bounding box (in `family`) meets the closed box `r` = `[minx, miny, maxx,
    /// maxy]`, through the R-tree: a `bbox` query does not scan every feature.
    pub fn shapes_meeting(&self, family: Family, r: [f64; 4]) -> impl Iterator<Item = usize> + '_ {
        let tree = &self.shape_index[match family {
            Family::LonLat => 0,
            Family::Metric => 1,
        }];
        tree.locate_in_envelope_intersecting(&rstar::AABB::from_corners([r[0], r[1]], [r[2], r[3]]))
            .map(|b| b.shape as usize)
    }

    /// Features using shape `s`, in natural order.
    pub fn features_of_shape(&self, s: usize) -> &[u32] {
        match (self.shape_offsets.get(s), self.shape_offsets.get(s + 1)) {
            (Some(&a), Some(&b)) => &self.shape_features[a as usize..b as usize],
            _ => &[],
        }
    }

    /// The feature with id `id`.
    pub fn feature(&self, id: &str) -> Option<&Feature> {
        self.by_id.get(id).and_then(|&i| self.features.get(i))
    }
    /// Index of property `name`.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.field_index.get(name).copied()
    }
}

/// A feature as given to [`CollectionBuilder::feature`].
struct FeatureInput {
    id: String,
    shape: Option<u32>,
    time: Option<TimeSpan>,
    values: Vec<Value>,
}

/// Handle of a geometry added with [`CollectionBuilder::shape`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapeId(u32);

/// Builds a [`Collection`] from plain values.
pub struct CollectionBuilder {
    id: String,
    title: String,
    description: String,
    fields: Vec<Field>,
    shapes: Vec<(Geometry<f64>, Geometry<f64>)>,
    prepared_shapes: Option<ShapeSet>,
    features: Vec<FeatureInput>,
}

/// Geometries prepared once ([`Shape`]: GeoJSON text in each CRS, bounding boxes, the
/// published coordinates) with their R-trees, extents and content hash. Collections drawn on
/// the same geometries (`districts`, `demand` and `flags` all stand on the districts) share
/// one set: cloning it clones references.
#[derive(Debug, Clone)]
pub struct ShapeSet {
    shapes: Arc<[Shape]>,
    index: Arc<[rstar::RTree<ShapeBox>; 2]>,
    extent_lonlat: Option<[f64; 4]>,
    extent_metric: Option<[f64; 4]>,
    geometry_types: Vec<&'static str>,
    hash: u64,
}

impl ShapeSet {
    /// Prepares `shapes`, each given in EPSG:3006 (`metric`) and lon/lat (`lonlat`).
    pub fn prepare(shapes: Vec<(Geometry<f64>, Geometry<f64>)>) -> Self {
        let mut hasher = DefaultHasher::new();
        let mut prepared = Vec::with_capacity(shapes.len());
        let mut extent_lonlat: Option<[f64; 4]> = None;
        let mut extent_metric: Option<[f64; 4]> = None;
        let mut geometry_types: Vec<&'static str> = Vec::new();
        for (metric, lonlat) in shapes {
            // Filters and extents use the coordinates exactly as published, so that a box
            // made of published coordinates (an extent, a feature's own point) contains them.
            let lonlat = as_published(&lonlat, Crs::Crs84.decimals());
            let metric = as_published(&metric, Crs::Epsg3006.decimals());
            let json = Crs::ALL.map(|crs| {
                let mut s = String::new();
                let g = match crs.family() {
                    Family::LonLat => &lonlat,
                    Family::Metric => &metric,
                };
                geojson::write_geometry(&mut s, g, crs);
                s.hash(&mut hasher);
                s.into_boxed_str()
            });
            let bbox_lonlat = bbox_of(&lonlat);
            let bbox_metric = bbox_of(&metric);
            union(&mut extent_lonlat, bbox_lonlat);
            union(&mut extent_metric, bbox_metric);
            let t = geometry_type(&metric);
            if !geometry_types.contains(&t) {
                geometry_types.push(t);
            }
            prepared.push(Shape {
                json,
                bbox_lonlat,
                bbox_metric,
                lonlat,
                metric,
            });
        }
        let index = |family: Family| {
            rstar::RTree::bulk_load(
                prepared
                    .iter()
                    .enumerate()
                    .filter_map(|(i, sh)| {
                        let b = sh.bbox(family);
                        (b[0] <= b[2] && b[1] <= b[3]).then(|| ShapeBox {
                            shape: i as u32,
                            envelope: rstar::AABB::from_corners([b[0], b[1]], [b[2], b[3]]),
                        })
                    })
                    .collect(),
            )
        };
        let index = Arc::new([index(Family::LonLat), index(Family::Metric)]);
        Self {
            shapes: prepared.into(),
            index,
            extent_lonlat,
            extent_metric,
            geometry_types,
            hash: hasher.finish(),
        }
    }

    /// Shapes in the set.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether the set has no shapes.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// The handle of shape `i`, for [`CollectionBuilder::feature`].
    pub fn id(&self, i: usize) -> Option<ShapeId> {
        (i < self.shapes.len()).then_some(ShapeId(i as u32))
    }
}

impl CollectionBuilder {
    /// A new, empty collection whose features have `fields` (shown in queryables, the OpenAPI
    /// document and HTML).
    pub fn new(id: &str, title: &str, description: &str, fields: Vec<Field>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            description: description.into(),
            fields,
            shapes: Vec::new(),
            prepared_shapes: None,
            features: Vec::new(),
        }
    }

    /// Adds a geometry given in EPSG:3006 (`metric`) and lon/lat (`lonlat`). Not with
    /// [`CollectionBuilder::on_shapes`].
    pub fn shape(&mut self, metric: Geometry<f64>, lonlat: Geometry<f64>) -> ShapeId {
        self.shapes.push((metric, lonlat));
        ShapeId((self.shapes.len() - 1) as u32)
    }

    /// The features stand on `shapes`, prepared beforehand and shared with other collections
    /// (handles from [`ShapeSet::id`]); geometries added with [`CollectionBuilder::shape`] are
    /// then ignored.
    pub fn on_shapes(&mut self, shapes: ShapeSet) -> &mut Self {
        self.prepared_shapes = Some(shapes);
        self
    }

    /// Adds a feature with one value per field, in the order of the fields (missing values are
    /// null).
    pub fn feature(
        &mut self,
        id: impl Into<String>,
        shape: Option<ShapeId>,
        time: Option<TimeSpan>,
        values: Vec<Value>,
    ) -> &mut Self {
        self.features.push(FeatureInput {
            id: id.into(),
            shape: shape.map(|s| s.0),
            time,
            values,
        });
        self
    }

    /// Serialises everything.
    pub fn build(self) -> Collection {
        let mut hasher = DefaultHasher::new();
        self.id.hash(&mut hasher);
        self.title.hash(&mut hasher);
        self.description.hash(&mut hasher);

        let fields = self.fields;
        let field_index: HashMap<String, usize> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        for f in &fields {
            f.name.hash(&mut hasher);
        }

        let set = match self.prepared_shapes {
            Some(set) => set,
            None => ShapeSet::prepare(self.shapes),
        };
        set.hash.hash(&mut hasher);
        let shapes = Arc::clone(&set.shapes);

        // Each field's name as a JSON key with its colon, written once for every feature.
        let keys: Vec<String> = fields
            .iter()
            .map(|f| format!("{}:", Value::String(f.name.clone())))
            .collect();
        let mut features = Vec::with_capacity(self.features.len());
        let mut by_id = HashMap::with_capacity(self.features.len());
        let mut temporal: Option<TimeSpan> = None;
        for f in self.features {
            let mut values = f.values;
            values.resize(fields.len(), Value::Null);
            let head = format!(
                r#"{{"type":"Feature","id":{},"geometry":"#,
                Value::String(f.id.clone())
            );
            let mut props_all = String::from(PROPERTIES_OPEN);
            let mut prop_ends = Vec::with_capacity(fields.len());
            for (n, (key, v)) in keys.iter().zip(&values).enumerate() {
                if n > 0 {
                    props_all.push(',');
                }
                props_all.push_str(key);
                // Writing to a String cannot fail.
                let _ = write!(props_all, "{v}");
                prop_ends.push(u32::try_from(props_all.len()).unwrap_or(u32::MAX));
            }
            props_all.push_str("}}");
            head.hash(&mut hasher);
            props_all.hash(&mut hasher);
            f.shape.hash(&mut hasher);
            if let Some(t) = f.time {
                (t.start, t.end).hash(&mut hasher);
                temporal = Some(match temporal {
                    None => t,
                    Some(o) => TimeSpan {
                        start: o.start.min(t.start),
                        end: o.end.max(t.end),
                    },
                });
            }
            let id: Box<str> = f.id.into();
            if by_id.contains_key(&id) {
                tracing::warn!(collection = %self.id, id = %id, "duplicate feature id: only the first is reachable by id");
            } else {
                by_id.insert(id.clone(), features.len());
            }
            features.push(Feature {
                id,
                shape: f.shape,
                time: f.time,
                values: values.into_boxed_slice(),
                head: head.into(),
                props_all: props_all.into(),
                prop_ends: prop_ends.into_boxed_slice(),
            });
        }

        let mut shape_offsets = vec![0u32; shapes.len() + 1];
        for f in &features {
            if let Some(s) = f.shape.filter(|&s| (s as usize) < shapes.len()) {
                shape_offsets[s as usize + 1] += 1;
            }
        }
        for i in 1..shape_offsets.len() {
            shape_offsets[i] += shape_offsets[i - 1];
        }
        let mut fill = shape_offsets.clone();
        let mut shape_features = vec![0u32; features.len()];
        for (i, f) in features.iter().enumerate() {
            if let Some(s) = f.shape.filter(|&s| (s as usize) < shapes.len()) {
                shape_features[fill[s as usize] as usize] = i as u32;
                fill[s as usize] += 1;
            }
        }
        shape_features.truncate(*shape_offsets.last().unwrap_or(&0) as usize);

        Collection {
            id: self.id,
            title: self.title,
            description: self.description,
            fields,
            features,
            shapes,
            extent_lonlat: set.extent_lonlat,
            extent_metric: set.extent_metric,
            temporal,
            geometry_type: match set.geometry_types.as_slice() {
                [one] => Some((*one).to_string()),
                _ => None,
            },
            etag: hasher.finish(),
            by_id,
            field_index,
            shape_index: set.index,
            shape_offsets,
            shape_features,
        }
    }
}

/// `g` with every coordinate rounded as [`geojson::number`] writes it with `decimals`
/// decimals (the value a client reads back from the GeoJSON text).
fn as_published(g: &Geometry<f64>, decimals: usize) -> Geometry<f64> {
    g.map_coords(|c| geo::Coord {
        x: published(c.x, decimals),
        y: published(c.y, decimals),
    })
}

/// `v` as [`geojson::number`] writes it with `decimals` decimals, read back. Monotonic, so a
/// `bbox` rounded with it keeps every feature whose exact coordinates lie inside the box, and
/// every feature whose published coordinates do.
pub fn published(v: f64, decimals: usize) -> f64 {
    let mut s = String::new();
    geojson::number(&mut s, v, decimals);
    s.parse::<f64>().unwrap_or(v)
}

fn bbox_of(g: &Geometry<f64>) -> [f64; 4] {
    match g.bounding_rect() {
        Some(r) => [r.min().x, r.min().y, r.max().x, r.max().y],
        None => [f64::NAN; 4],
    }
}

fn union(acc: &mut Option<[f64; 4]>, b: [f64; 4]) {
    if b.iter().any(|v| !v.is_finite()) {
        return;
    }
    *acc = Some(match *acc {
        None => b,
        Some(a) => [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            a[3].max(b[3]),
        ],
    });
}

fn geometry_type(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// A JSON document with the service's base URL left open: built once per data load,
/// completed per request with the base URL the client used.
#[derive(Debug, Clone, Default)]
pub struct Template {
    parts: Vec<Box<str>>,
}

/// Placeholder for the base URL inside values given to [`Template::json`]: put
/// `format!("{BASE}/collections")` where the absolute URL belongs. (A control character: JSON
/// writes it as `\u0001`, which no text from the data produces unless it contains U+0001.)
pub const BASE: &str = "\u{1}";

impl Template {
    /// Serialises `v`, remembering where [`BASE`] occurs.
    pub fn json(v: &Value) -> Self {
        let s = v.to_string();
        Self {
            parts: s.split("\\u0001").map(Into::into).collect(),
        }
    }

    /// The document with `base` filled in.
    pub fn render(&self, base: &str) -> String {
        let len = self.parts.iter().map(|p| p.len()).sum::<usize>()
            + base.len() * self.parts.len().saturating_sub(1);
        let mut out = String::with_capacity(len);
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push_str(base);
            }
            out.push_str(p);
        }
        out
    }
}

/// Everything the service answers from, for one data load.
#[derive(Debug)]
pub struct Prepared {
    /// Service title.
    pub title: String,
    /// Service description.
    pub description: String,
    /// The dataset's notes (which inputs are real, estimated, synthetic or missing), shown on
    /// the landing page.
    pub notes: Vec<String>,
    /// Collections in listing order.
    pub collections: Vec<Collection>,
    /// When this data was prepared (RFC 3339), used as `timeStamp`.
    pub prepared_at: String,
    /// Hash over all collections, part of every ETag.
    pub etag: u64,
    by_id: HashMap<String, usize>,
}

impl Prepared {
    /// Prepares `collections` (listed in this order) under a service `title`.
    pub fn new(title: &str, description: &str, collections: Vec<Collection>) -> Self {
        let mut hasher = DefaultHasher::new();
        title.hash(&mut hasher);
        description.hash(&mut hasher);
        let mut by_id = HashMap::new();
        for (i, c) in collections.iter().enumerate() {
            c.etag.hash(&mut hasher);
            by_id.insert(c.id.clone(), i);
        }
        let prepared_at = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        Self {
            title: title.into(),
            description: description.into(),
            notes: Vec::new(),
            collections,
            prepared_at,
            etag: hasher.finish(),
            by_id,
        }
    }

    /// With the dataset's `notes` (part of the ETag, as the landing page shows them).
    pub fn with_notes(mut self, notes: &[String]) -> Self {
        let mut hasher = DefaultHasher::new();
        self.etag.hash(&mut hasher);
        notes.hash(&mut hasher);
        self.etag = hasher.finish();
        self.notes = notes.to_vec();
        self
    }

    /// The collection with id `id`.
    pub fn collection(&self, id: &str) -> Option<&Collection> {
        self.by_id.get(id).and_then(|&i| self.collections.get(i))
    }

    /// Index of collection `id` in [`Prepared::collections`].
    pub fn collection_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use geo::point;

    fn field(name: &str, kind: FieldKind) -> Field {
        Field {
            name: name.into(),
            kind,
            unit: None,
            description: String::new(),
        }
    }

    #[test]
    fn features_are_written_whole_or_selected() {
        let fields = vec![
            field("zeta", FieldKind::Text),
            field("alpha", FieldKind::Integer),
            field("mid", FieldKind::Real),
        ];
        let mut b = CollectionBuilder::new("t", "T", "test", fields);
        let s = b.shape(
            point!(x: 1.0, y: 2.0).into(),
            point!(x: 12.0, y: 57.0).into(),
        );
        b.feature(
            "a",
            Some(s),
            None,
            vec![Value::from("z"), Value::from(1), Value::from(2.0)],
        );
        let c = b.build();
        assert_eq!(c.fields[1].kind, FieldKind::Integer);
        let f = c.feature("a").unwrap();
        let mut out = Vec::new();
        f.write(&mut out, &c.shapes, Crs::Epsg3006, None, None);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[2,1]},"properties":{"zeta":"z","alpha":1,"mid":2.0}}"#
        );
        let mut out = Vec::new();
        f.write(
            &mut out,
            &c.shapes,
            Crs::Crs84,
            Some(&[1]),
            Some(r#","links":[]"#),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[12,57]},"properties":{"alpha":1},"links":[]}"#
        );
    }

    #[test]
    fn templates_fill_in_the_base() {
        let t = Template::json(&serde_json::json!({"href": format!("{BASE}/x")}));
        assert_eq!(t.render("http://h:1"), r#"{"href":"http://h:1/x"}"#);
    }
}
