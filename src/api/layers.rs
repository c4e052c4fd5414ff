//! The service's collections: the published layers of [`crate::layers`] (`districts`,
//! `demand`, `flags`, `projects`), rendered as prepared OGC API collections. Nothing about a
//! layer's fields is decided here; a new field or layer appears by itself.

use std::borrow::Cow;

use super::prepared::{Collection, CollectionBuilder, Prepared, ShapeSet};
use super::temporal::TimeSpan;
use crate::domain::Dataset;
use crate::layers::{Layer, Layers, Shape};
use crate::model::ModelRun;

/// Prepares the service's data from a dataset and a model run: `districts` and `demand`.
pub fn prepare(dataset: &Dataset, run: &ModelRun) -> Prepared {
    prepare_owned_layers(dataset, run, Layers::from_parts(dataset, run, &[], None))
}

/// Prepares every published layer of one data load (built once by [`Layers::build`]) as the
/// service's collections, in their order.
pub fn prepare_layers(dataset: &Dataset, run: &ModelRun, layers: &Layers) -> Prepared {
    render(
        layers.layers.iter().map(Cow::Borrowed).collect(),
        &layers.title,
        &layers.notes,
        &service_description(dataset, run),
    )
}

/// [`prepare_layers`] for a caller done with the layers: each is dropped as soon as its
/// collection is prepared, so a data load's peak memory does not hold the layers and all the
/// collections at once.
pub fn prepare_owned_layers(dataset: &Dataset, run: &ModelRun, layers: Layers) -> Prepared {
    let Layers {
        title,
        layers,
        notes,
    } = layers;
    render(
        layers.into_iter().map(Cow::Owned).collect(),
        &title,
        &notes,
        &service_description(dataset, run),
    )
}

/// Layers drawn on the same geometries (`districts`, `demand` and `flags` all stand on the
/// districts) share one prepared [`ShapeSet`]: each geometry is kept once. An owned layer is
/// dropped once its collection is made (only its shapes are kept, to compare the next
/// layers' with).
fn render(
    layers: Vec<Cow<'_, Layer>>,
    title: &str,
    notes: &[String],
    description: &str,
) -> Prepared {
    let mut sets: Vec<(Cow<'_, [Shape]>, ShapeSet)> = Vec::new();
    let mut collections = Vec::with_capacity(layers.len());
    for layer in layers {
        let shared = sets
            .iter()
            .find(|(s, _)| s.as_ref() == layer.shapes.as_slice())
            .map(|(_, set)| set.clone());
        match shared {
            Some(set) => collections.push(collection_on(&layer, set)),
            None => {
                let set = shape_set(&layer.shapes);
                collections.push(collection_on(&layer, set.clone()));
                let shapes = match layer {
                    Cow::Borrowed(l) => Cow::Borrowed(l.shapes.as_slice()),
                    Cow::Owned(mut l) => Cow::Owned(std::mem::take(&mut l.shapes)),
                };
                sets.push((shapes, set));
            }
        }
    }
    Prepared::new(title, description, collections).with_notes(notes)
}

fn shape_set(shapes: &[Shape]) -> ShapeSet {
    ShapeSet::prepare(
        shapes
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
    collection_on(layer, shape_set(&layer.shapes))
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
