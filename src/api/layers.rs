//! The service's collections: the published layers of [`crate::layers`] (`districts`,
//! `demand`, `flags`, `projects`), rendered as prepared OGC API collections. Nothing about a
//! layer's fields is decided here; a new field or layer appears by itself.

use super::prepared::{Collection, CollectionBuilder, Prepared, ShapeSet};
use super::temporal::TimeSpan;
use crate::domain::Dataset;
use crate::layers::{Layer, Layers, Shape};
use crate::model::ModelRun;

/// Prepares the service's data from a dataset and a model run: `districts` and `demand`.
pub fn prepare(dataset: &Dataset, run: &ModelRun) -> Prepared {
    render(
        &Layers::from_parts(dataset, run, &[], None),
        &service_description(dataset, run),
    )
}

/// Prepares every published layer of one data load (built once by [`Layers::build`]) as the
/// service's collections, in their order.
pub fn prepare_layers(dataset: &Dataset, run: &ModelRun, layers: &Layers) -> Prepared {
    render(layers, &service_description(dataset, run))
}

/// Layers drawn on the same geometries (`districts`, `demand` and `flags` all stand on the
/// districts) share one prepared [`ShapeSet`]: each geometry is kept once.
fn render(layers: &Layers, description: &str) -> Prepared {
    let mut sets: Vec<(&[Shape], ShapeSet)> = Vec::new();
    let mut collections = Vec::with_capacity(layers.layers.len());
    for layer in &layers.layers {
        let set = match sets.iter().find(|(s, _)| *s == layer.shapes.as_slice()) {
            Some((_, set)) => set.clone(),
            None => {
                let set = shape_set(layer);
                sets.push((&layer.shapes, set.clone()));
                set
            }
        };
        collections.push(collection_on(layer, set));
    }
    Prepared::new(&layers.title, description, collections).with_notes(&layers.notes)
}

fn shape_set(layer: &Layer) -> ShapeSet {
    ShapeSet::prepare(
        layer
            .shapes
            .iter()
            .map(|s| (s.metric.clone(), s.lonlat.clone()))
            .collect(),
    )
}

fn service_description(dataset: &Dataset, run: &ModelRun) -> String {
    format!(
        "Housing need per district for {}: base-year facts per district and the projected \
         population, households, dwelling demand and gap per district and year \
         ({}–{}, base year {}).",
        dataset.name, run.first_year, run.horizon_year, run.base_year
    )
}

/// One layer as a collection: its fields, shapes and features (a year becomes the feature's
/// time, for `datetime`).
pub fn collection(layer: &Layer) -> Collection {
    collection_on(layer, shape_set(layer))
}

/// [`collection`] on the layer's shapes prepared beforehand.
fn collection_on(layer: &Layer, shapes: ShapeSet) -> Collection {
    let mut b = CollectionBuilder::new(
        &layer.name,
        &layer.title,
        &layer.description,
        layer.fields.clone(),
    );
    let ids: Vec<_> = (0..shapes.len()).filter_map(|i| shapes.id(i)).collect();
    b.on_shapes(shapes);
    for f in &layer.features {
        b.feature(
            f.id.clone(),
            f.shape.and_then(|i| ids.get(i).copied()),
            f.year.and_then(TimeSpan::year),
            f.values.iter().map(|c| c.to_json()).collect(),
        );
    }
    b.build()
}
