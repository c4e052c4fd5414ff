//! A GDAL layer as a source of rows for [`super::rows::read`]: every feature, its FID as the
//! row number, its fields by position and its geometry.

use std::borrow::Cow;
use std::path::Path;

use gdal::vector::{Feature, Geometry as GdalGeometry, Layer, LayerAccess};

use super::gdal_source::{field_names, missing_field};
use super::rows::{EachRow, Record, RowSource};
use super::{Finding, Findings};

/// A layer read row by row: every feature, its FID as the row number.
pub(crate) struct LayerRows<'a, 'd> {
    /// The source, for messages.
    pub file: &'a Path,
    /// The layer.
    pub layer: &'a mut Layer<'d>,
}

impl RowSource for LayerRows<'_, '_> {
    fn file(&self) -> &Path {
        self.file
    }

    /// Ignoring case, as OGR matches field names.
    fn find(&self, name: &str) -> Option<usize> {
        self.layer.defn().field_index(name).ok()
    }

    fn missing(&self, theirs: &str, _ours: &str) -> Finding {
        missing_field(
            self.file,
            &self.layer.name(),
            &field_names(self.layer),
            theirs,
        )
    }

    fn each(&mut self, found: &mut Findings, each: &mut EachRow<'_>) {
        for feature in self.layer.features() {
            each(feature.fid(), &feature, found);
        }
    }
}

impl Record for Feature<'_> {
    /// The field as text; `""` for null.
    fn text(&self, at: usize) -> Cow<'_, str> {
        Cow::Owned(self.field_as_string(at).ok().flatten().unwrap_or_default())
    }
    fn geometry(&self) -> Option<&GdalGeometry> {
        Feature::geometry(self)
    }
}
