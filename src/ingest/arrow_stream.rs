//! A GDAL layer read column by column: GDAL's Arrow stream (RFC 86, `OGR_L_GetArrowStream`,
//! GDAL ≥ 3.6) as Arrow record batches of up to 65,536 features.
//!
//! Why this module holds the crate's unsafe code (all but one call, in `crate::memory`): GDAL
//! offers its columnar reading only through the Arrow C stream interface, a C struct of
//! callbacks that `OGR_L_GetArrowStream` fills in (wrapped by the `gdal` crate as an unsafe
//! function taking a raw pointer), and the choice of columns only through
//! `OGR_L_SetIgnoredFields`, which the `gdal` crate does not wrap.
//! Everything here is a thin, checked hand-over to the `arrow-array` crate's importer; what
//! comes out ([`Batches`]) is safe to use.
//!
//! GDAL's rules for a stream, and how they are kept: no other call may change the layer while
//! the stream is active ([`Batches`] holds the layer mutably borrowed), and neither the stream
//! nor its batches may be used once the layer's dataset is closed (a [`Batch`] borrows the
//! layer for as long as it lives, so the borrow checker keeps it inside the read).

#![allow(unsafe_code)]

use std::ffi::CStr;
use std::marker::PhantomData;

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader};
use arrow_schema::SchemaRef;
use gdal::cpl::CslStringList;
use gdal::vector::{Layer, LayerAccess, LayerCaps};

/// Features per batch (GDAL's default, named so it does not change under us).
pub(crate) const FEATURES_PER_BATCH: usize = 65_536;

/// The record batches of one layer, in feature order; the first column is the FID.
pub(crate) struct Batches<'l> {
    reader: RecordBatchStreamReader,
    /// Whether the driver has its own columnar reader (else GDAL's generic one builds each
    /// feature and copies it into columns).
    pub fast: bool,
    /// Name of the FID column in the batches.
    pub fid_column: String,
    _layer: PhantomData<&'l mut ()>,
}

/// One record batch, usable while the layer it came from is.
pub(crate) struct Batch<'l> {
    batch: RecordBatch,
    _layer: PhantomData<&'l ()>,
}

impl Batch<'_> {
    /// Rows in the batch.
    pub fn rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column named `name`, if the batch has it.
    pub fn column(&self, name: &str) -> Option<&ArrayRef> {
        self.batch.column_by_name(name)
    }
}

/// Reads only the attribute fields `keep` (and the geometry and FID) of the layer: GDAL leaves
/// the others out of the batches. An error is GDAL's message.
pub(crate) fn keep_only_fields(layer: &mut Layer<'_>, keep: &[&str]) -> Result<(), String> {
    let mut ignored = CslStringList::new();
    for field in layer.defn().fields() {
        let name = field.name();
        if !keep.iter().any(|k| k.eq_ignore_ascii_case(&name)) {
            ignored.add_string(&name).map_err(|e| e.to_string())?;
        }
    }
    ignored.add_string("OGR_STYLE").map_err(|e| e.to_string())?;
    // SAFETY: `c_layer` is the live handle of `layer`, borrowed mutably for the call;
    // `ignored` is a NULL-terminated list of C strings that outlives the call, and GDAL only
    // reads it (the `*mut *const` in the binding is C's missing `const` on the outer pointer).
    let err = unsafe {
        gdal_sys::OGR_L_SetIgnoredFields(layer.c_layer(), ignored.as_ptr() as *mut *const _)
    };
    if err == gdal_sys::OGRErr::OGRERR_NONE {
        Ok(())
    } else {
        Err(format!("GDAL cannot leave fields out (OGR error {err})"))
    }
}

/// Starts GDAL's Arrow stream on `layer`, with the FID as the first column. An error says why
/// the driver or GDAL cannot give one (then read feature by feature).
pub(crate) fn batches<'l>(layer: &'l mut Layer<'_>) -> Result<Batches<'l>, String> {
    let fast = layer.has_capability(LayerCaps::OLCFastGetArrowStream);
    // SAFETY: `c_layer` is the live handle of `layer`; GDAL returns a pointer to a string it
    // owns (possibly empty, never NULL for a valid layer), copied here at once.
    let fid_column = unsafe {
        let name = gdal_sys::OGR_L_GetFIDColumn(layer.c_layer());
        if name.is_null() {
            String::new()
        } else {
            CStr::from_ptr(name).to_string_lossy().into_owned()
        }
    };
    let fid_column = if fid_column.is_empty() {
        // GDAL's name for the FID column of a layer that has none of its own.
        "OGC_FID".to_string()
    } else {
        fid_column
    };
    let mut options = CslStringList::new();
    options
        .set_name_value("INCLUDE_FID", "YES")
        .and_then(|()| {
            options.set_name_value("MAX_FEATURES_IN_BATCH", &FEATURES_PER_BATCH.to_string())
        })
        .map_err(|e| e.to_string())?;
    let mut stream = FFI_ArrowArrayStream::empty();
    // SAFETY: `stream` is an empty (released) Arrow C stream struct; `FFI_ArrowArrayStream` and
    // `gdal_sys::ArrowArrayStream` are both `#[repr(C)]` renderings of the same C struct of the
    // Arrow C stream interface, so the pointer cast is layout-compatible. GDAL fills it in on
    // success and leaves it released on failure. The layer stays mutably borrowed by the
    // returned `Batches` for as long as the stream lives, as GDAL requires.
    let started = unsafe {
        layer.read_arrow_stream((&raw mut stream).cast::<gdal::ArrowArrayStream>(), &options)
    };
    if let Err(e) = started {
        return Err(format!("GDAL gives no Arrow stream for this layer: {e}"));
    }
    let reader = RecordBatchStreamReader::try_new(stream)
        .map_err(|e| format!("GDAL's Arrow stream has no readable schema: {e}"))?;
    Ok(Batches {
        reader,
        fast,
        fid_column,
        _layer: PhantomData,
    })
}

impl Batches<'_> {
    /// The columns every batch will have.
    pub fn schema(&self) -> SchemaRef {
        self.reader.schema()
    }

    /// The name of the column holding the geometry as WKB (Arrow extension `ogc.wkb` or
    /// `geoarrow.wkb`), if the batches have one.
    pub fn geometry_column(&self) -> Option<String> {
        let schema = self.reader.schema();
        let field = schema.fields().iter().find(|f| {
            f.metadata()
                .get("ARROW:extension:name")
                .is_some_and(|n| n == "ogc.wkb" || n == "geoarrow.wkb")
        })?;
        Some(field.name().clone())
    }
}

impl<'l> Iterator for Batches<'l> {
    type Item = Result<Batch<'l>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.reader.next()?;
        Some(
            next.map(|batch| Batch {
                batch,
                _layer: PhantomData,
            })
            .map_err(|e| e.to_string()),
        )
    }
}
