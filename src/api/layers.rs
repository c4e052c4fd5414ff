//! The service's collections: the published layers of [`crate::layers`] (`districts`,
//! `demand`, `flags`, `projects`), rendered as prepared OGC API collections. Nothing about a
//! layer's fields is decided here; a new field or layer appears by itself.

use super::prepared::{Collection, CollectionBuilder, Prepared};
use super::temporal::TimeSpan;
use crate::domain::Dataset;
use crate::layers::{Layer, Layers};
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

fn render(layers: &Layers, description: &str) -> Prepared {
    Prepared::new(
        &layers.title,
        description,
        layers.layers.iter().map(collection).collect(),
    )
    .with_notes(&layers.notes)
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
    let mut b = CollectionBuilder::new(
        &layer.name,
        &layer.title,
        &layer.description,
        layer.fields.clone(),
    );
    let shapes: Vec<_> = layer
        .shapes
        .iter()
        .map(|s| b.shape(s.metric.clone(), s.lonlat.clone()))
        .collect();
    for f in &layer.features {
        b.feature(
            f.id.clone(),
            f.shape.and_then(|i| shapes.get(i).copied()),
            f.year.and_then(TimeSpan::year),
            f.values.iter().map(|c| c.to_json()).collect(),
        );
    }
    b.build()
}
