//! Tables for BI tools. The published layers (`demand`, `flags`) are rendered by [`layer_json`]
//! and [`layer_csv`] from their one definition in [`crate::layers`]; the bottleneck report's
//! tables are any serde-serialisable rows turned into JSON and CSV whose columns come in the
//! order the Rust struct declares its fields.
//!
//! `serde_json::Value` sorts object keys alphabetically (the crate is built without
//! `preserve_order`), which would put `accessible_flats_needed` before `district` in every
//! export. So rows go through [`Json`], a JSON value that keeps keys in the order they were
//! written: serialising a struct writes its fields in declaration order, and reading that text
//! back into [`Json`] keeps it. New fields added to a row type therefore appear in the exports
//! without any change here.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::api::Collection;
use crate::layers::{Cell, Layer, Layers};

/// The byte-order mark written at the start of CSV files so that Excel reads UTF-8 (å, ä, ö).
pub const UTF8_BOM: &str = "\u{feff}";

/// A JSON value whose objects keep their keys in written order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null` (also `None` and non-finite floats).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, exactly as serde_json writes it.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in written order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Serialises `value` and reads it back, keeping struct field order.
    ///
    /// The order comes from the text; the numbers come from `serde_json::to_value`, because
    /// serde_json's default float parser may miss the last bit of a float written as text, and
    /// an export must carry exactly the numbers the model computed.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        let text = serde_json::to_string(value)?;
        let mut ordered: Json = serde_json::from_str(&text)?;
        let exact = serde_json::to_value(value)?;
        ordered.take_numbers_from(&exact);
        Ok(ordered)
    }

    /// Replaces every number with the one at the same place in `exact` (same structure).
    fn take_numbers_from(&mut self, exact: &serde_json::Value) {
        use serde_json::Value;
        match (self, exact) {
            (Json::Number(n), Value::Number(e)) => *n = e.clone(),
            (Json::Array(items), Value::Array(e)) => {
                for (i, e) in items.iter_mut().zip(e) {
                    i.take_numbers_from(e);
                }
            }
            (Json::Object(fields), Value::Object(e)) => {
                for (k, v) in fields.iter_mut() {
                    if let Some(e) = e.get(k.as_str()) {
                        v.take_numbers_from(e);
                    }
                }
            }
            _ => {}
        }
    }

    /// The value of `key` in an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string content, for a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// True for an array whose every element is an object (a table).
    pub fn is_table(&self) -> bool {
        matches!(self, Json::Array(items) if items.iter().all(|i| matches!(i, Json::Object(_))))
    }

    /// Compact JSON text.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "null".into())
    }

    /// The text of one CSV cell: empty for null, plain text for scalars, `; `-joined for an
    /// array of scalars, compact JSON for anything nested deeper.
    pub fn to_cell(&self) -> String {
        match self {
            Json::Null => String::new(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => n.to_string(),
            Json::String(s) => s.clone(),
            Json::Array(items)
                if items
                    .iter()
                    .all(|i| !matches!(i, Json::Array(_) | Json::Object(_))) =>
            {
                items
                    .iter()
                    .map(Json::to_cell)
                    .collect::<Vec<_>>()
                    .join("; ")
            }
            Json::Array(_) | Json::Object(_) => self.to_json_string(),
        }
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::String(v) => s.serialize_str(v),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Json::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            fields.push((k, v));
        }
        Ok(Json::Object(fields))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// Writes `rows` as CSV (comma-separated, header first, no BOM): the columns are every key of
/// every row, in order of first appearance; a row that is not an object gives one column
/// `value`. `fallback_header` is written when there are no rows, so an empty export still
/// tells a BI tool its columns.
pub fn to_csv(rows: &[Json], fallback_header: &[&str]) -> Result<String, csv::Error> {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        match row {
            Json::Object(fields) => {
                for (k, _) in fields {
                    if !columns.iter().any(|c| c == k) {
                        columns.push(k.clone());
                    }
                }
            }
            _ => {
                if !columns.iter().any(|c| c == "value") {
                    columns.push("value".into());
                }
            }
        }
    }
    if columns.is_empty() {
        columns = fallback_header.iter().map(|s| s.to_string()).collect();
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if !columns.is_empty() {
        w.write_record(&columns)?;
    }
    for row in rows {
        let record: Vec<String> = columns
            .iter()
            .map(|c| match row {
                Json::Object(_) => row.get(c).map(Json::to_cell).unwrap_or_default(),
                other if c == "value" => other.to_cell(),
                _ => String::new(),
            })
            .collect();
        w.write_record(&record)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A published layer as a BI table in JSON: an array with one object per feature, the layer's
/// fields as keys in their order (no geometry), lists as JSON arrays.
///
/// Written row by row straight into the text: a national layer (80,000 rows) never exists as
/// a tree of values. A cell is a scalar or a list, whose JSON has no keys to reorder.
pub fn layer_json(layer: &Layer) -> Result<Vec<u8>, serde_json::Error> {
    // Room for all rows as long as the first ones, so that the text is not copied over and
    // over as it grows (nor left with twice the room it needs).
    const SAMPLE: usize = 256;
    let mut out = Vec::with_capacity(4096);
    out.push(b'[');
    for (n, f) in layer.features.iter().enumerate() {
        if n == SAMPLE {
            let per_row = out.len() / SAMPLE + 1;
            out.reserve(per_row * (layer.features.len() - SAMPLE) * 21 / 20);
        }
        if n > 0 {
            out.push(b',');
        }
        out.push(b'{');
        for (i, (field, cell)) in layer.fields.iter().zip(&f.values).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, &field.name)?;
            out.push(b':');
            serde_json::to_writer(&mut out, &cell.to_json())?;
        }
        out.push(b'}');
    }
    out.push(b']');
    Ok(out)
}

/// The BI table in JSON of a layer from its prepared collection (the same text as
/// [`layer_json`] of the layer: a prepared feature keeps its properties as that very object),
/// written per request rather than kept; no collection gives `[]`.
pub fn collection_json(c: Option<&Collection>) -> Vec<u8> {
    let features = c.map_or(&[][..], |c| c.features.as_slice());
    let len = features
        .iter()
        .map(|f| f.properties_json().len() + 1)
        .sum::<usize>();
    let mut out = Vec::with_capacity(len + 2);
    out.push(b'[');
    for (n, f) in features.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(f.properties_json().as_bytes());
    }
    out.push(b']');
    out
}

/// The BI table in CSV of layer `name` from its prepared collection (the same text as
/// [`layer_csv`] of the layer), written per request rather than kept; no collection gives the
/// layer's header alone.
pub fn collection_csv(c: Option<&Collection>, name: &str) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    match c {
        Some(c) => {
            w.write_record(c.fields.iter().map(|f| f.name.as_str()))?;
            for f in &c.features {
                w.write_record(f.values.iter().map(value_text))?;
            }
        }
        None => w.write_record(Layers::empty(name).fields.iter().map(|f| f.name.as_str()))?,
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// A prepared value as [`Cell::to_text`] writes the cell it came from ([`Cell::to_json`]):
/// integers as integers, reals in Rust's shortest form, lists as JSON text, none as empty.
fn value_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (None, None, Some(x)) => x.to_string(),
            (None, None, None) => n.to_string(),
        },
        Value::Array(_) | Value::Object(_) => v.to_string(),
    }
}

/// A published layer as a BI table in CSV (comma-separated, CRLF, header first, no BOM): the
/// layer's fields as columns, each cell as every CSV output writes it ([`Cell::to_text`]).
/// An empty layer still has its header.
pub fn layer_csv(layer: &Layer) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(layer.fields.iter().map(|f| f.name.as_str()))?;
    for f in &layer.features {
        w.write_record(f.values.iter().map(Cell::to_text))?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(serde::Serialize)]
    struct Row {
        zeta: &'static str,
        alpha: Option<f64>,
        list: Vec<&'static str>,
        nested: Vec<(u8, u8)>,
    }

    #[test]
    fn keeps_field_order_and_flattens_cells() {
        let rows = Json::from_serialize(&vec![
            Row {
                zeta: "Sörhaga, norra",
                alpha: Some(1.5),
                list: vec!["a", "b"],
                nested: vec![(1, 2)],
            },
            Row {
                zeta: "x",
                alpha: None,
                list: vec![],
                nested: vec![],
            },
        ])
        .unwrap();
        let Json::Array(rows) = rows else {
            panic!("not an array")
        };
        let csv = to_csv(&rows, &[]).unwrap();
        assert_eq!(
            csv,
            "zeta,alpha,list,nested\r\n\"Sörhaga, norra\",1.5,a; b,\"[[1,2]]\"\r\nx,,,\r\n"
        );
    }

    #[test]
    fn empty_rows_give_the_fallback_header() {
        assert_eq!(to_csv(&[], &["a", "b"]).unwrap(), "a,b\r\n");
    }

    #[test]
    fn round_trips_floats_exactly() {
        let v = Json::from_serialize(&[0.1 + 0.2, 1e-7, 2.0]).unwrap();
        assert_eq!(v.to_json_string(), "[0.30000000000000004,1e-7,2.0]");
        // Floats the default text parser would read one bit off.
        let hard = [
            3690.0084076351754_f64,
            22.080000000000002,
            1397.2020993000879,
        ];
        let Json::Array(items) = Json::from_serialize(&hard).unwrap() else {
            panic!("not an array")
        };
        for (item, x) in items.iter().zip(hard) {
            let Json::Number(n) = item else {
                panic!("not a number")
            };
            assert_eq!(n.as_f64(), Some(x));
        }
    }

    #[test]
    fn layer_json_is_the_ordered_tree_written_out() {
        use crate::layers::{Feature, Field, FieldKind, LayerGeometry};
        let field = |name: &str, kind| Field {
            name: name.into(),
            kind,
            unit: None,
            description: String::new(),
        };
        let layer = Layer {
            name: "t".into(),
            title: "T".into(),
            description: String::new(),
            geometry: LayerGeometry::Any,
            fields: vec![
                field("zeta \"q\"", FieldKind::Text),
                field("alpha", FieldKind::Integer),
                field("mid", FieldKind::Real),
                field("flag", FieldKind::Boolean),
                field("reasons", FieldKind::List),
            ],
            shapes: Vec::new(),
            features: [
                vec![
                    Cell::Text("Ödenäs, \"x\"\n".into()),
                    Cell::Integer(-3),
                    Cell::Real(0.1 + 0.2),
                    Cell::Boolean(true),
                    Cell::Json(serde_json::json!(["b", "a"])),
                ],
                vec![
                    Cell::Null,
                    Cell::Integer(i64::MAX),
                    Cell::Real(f64::NAN),
                    Cell::Boolean(false),
                    Cell::Json(serde_json::json!({"z": 1.5e300, "a": [1, null]})),
                ],
                vec![
                    Cell::Text(String::new()),
                    Cell::Integer(0),
                    Cell::Real(1e300),
                    Cell::Boolean(true),
                    Cell::Null,
                ],
                vec![
                    Cell::Text("a,b".into()),
                    Cell::Integer(i64::MIN),
                    Cell::Real(-0.0),
                    Cell::Boolean(false),
                    Cell::Json(serde_json::json!({"z": 1.5e300, "a": [1, null]})),
                ],
            ]
            .into_iter()
            .enumerate()
            .map(|(i, values)| Feature {
                id: i.to_string(),
                shape: None,
                year: None,
                values,
            })
            .collect(),
        };
        // The same text as building every row as an ordered tree and writing that.
        let rows: Vec<Json> = layer
            .features
            .iter()
            .map(|f| {
                let row = layer
                    .fields
                    .iter()
                    .zip(&f.values)
                    .map(|(field, cell)| {
                        (
                            field.name.clone(),
                            Json::from_serialize(&cell.to_json()).unwrap(),
                        )
                    })
                    .collect();
                Json::Object(row)
            })
            .collect();
        let tree = serde_json::to_vec(&Json::Array(rows)).unwrap();
        let streamed = layer_json(&layer).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(tree).unwrap()
        );
        // From the prepared collection: the very same JSON and CSV.
        let collection = crate::api::layers::collection(&layer);
        assert_eq!(
            String::from_utf8(collection_json(Some(&collection))).unwrap(),
            String::from_utf8(layer_json(&layer).unwrap()).unwrap()
        );
        assert_eq!(
            collection_csv(Some(&collection), "t").unwrap(),
            layer_csv(&layer).unwrap()
        );
        let empty = Layer {
            features: Vec::new(),
            ..layer
        };
        assert_eq!(layer_json(&empty).unwrap(), b"[]");
        assert_eq!(collection_json(None), b"[]");
        assert_eq!(
            collection_csv(None, "demand").unwrap(),
            layer_csv(&Layers::empty("demand")).unwrap()
        );
    }
}
