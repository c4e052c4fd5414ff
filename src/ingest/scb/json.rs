//! SCB's two JSON answers: PxWebApi v2's JSON-stat 2.0 (`id`, `size`, `dimension`, `value` in
//! row-major order, the last dimension varying fastest) and PxWeb API v1's JSON (`columns` typed
//! `d` dimension, `t` time, `c` contents; `data` rows of `key` and `values`).

use serde_json::Value;

use super::{value, Category, Cell, Dimension, Format, Role, ScbError, ScbTable};

fn read(bytes: &[u8]) -> Result<Value, Vec<ScbError>> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| vec![ScbError::new(format!("not valid JSON: {e}"))])
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON value (number, numeric string, SCB symbol or null) as a cell value.
fn cell_value(v: &Value) -> Result<Option<f64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) => value(s),
        _ => Err("not a number".into()),
    }
}

/// Parses a PxWebApi v2 JSON-stat 2.0 dataset.
pub(super) fn parse_jsonstat2(bytes: &[u8]) -> Result<ScbTable, Vec<ScbError>> {
    let doc = read(bytes)?;
    let err = |m: &str| vec![ScbError::new(format!("not a JSON-stat 2.0 dataset: {m}"))];
    let ids: Vec<String> = doc["id"]
        .as_array()
        .ok_or_else(|| err("no `id` list"))?
        .iter()
        .filter_map(text)
        .collect();
    let sizes: Vec<usize> = doc["size"]
        .as_array()
        .ok_or_else(|| err("no `size` list"))?
        .iter()
        .filter_map(|v| v.as_u64().map(|n| n as usize))
        .collect();
    if ids.len() != sizes.len() || ids.is_empty() {
        return Err(err("`id` and `size` differ in length"));
    }
    let role_of = |name: &str, id: &str| {
        doc["role"][name]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(id)))
    };
    let mut dimensions = Vec::with_capacity(ids.len());
    for (id, &size) in ids.iter().zip(&sizes) {
        let dim = &doc["dimension"][id];
        let label = dim["label"].as_str().unwrap_or(id).to_string();
        let mut codes: Vec<Option<String>> = vec![None; size];
        match &dim["category"]["index"] {
            Value::Object(map) => {
                for (code, pos) in map {
                    if let Some(p) = pos.as_u64().map(|p| p as usize).filter(|p| *p < size) {
                        codes[p] = Some(code.clone());
                    }
                }
            }
            Value::Array(list) => {
                for (p, code) in list.iter().enumerate().take(size) {
                    codes[p] = text(code);
                }
            }
            _ => {
                // A dimension of one category may list only its label.
                if let (1, Some(Value::Object(labels))) =
                    (size, dim["category"].get("label").map(|l| l.to_owned()))
                {
                    codes[0] = labels.keys().next().cloned();
                }
            }
        }
        let mut categories = Vec::with_capacity(size);
        for (p, code) in codes.into_iter().enumerate() {
            let Some(code) = code else {
                return Err(err(&format!(
                    "dimension '{id}' has no category at position {p}"
                )));
            };
            let label = dim["category"]["label"][&code]
                .as_str()
                .unwrap_or(&code)
                .to_string();
            categories.push(Category { code, label });
        }
        let role = if role_of("time", id) {
            Role::Time
        } else if role_of("metric", id) {
            Role::Contents
        } else {
            Role::of(id, &label)
        };
        dimensions.push(Dimension {
            code: id.clone(),
            label,
            role,
            categories,
        });
    }

    let total: usize = sizes.iter().product();
    let values: Vec<(usize, &Value)> = match &doc["value"] {
        Value::Array(list) => list.iter().enumerate().collect(),
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| k.parse::<usize>().ok().map(|i| (i, v)))
            .collect(),
        _ => return Err(err("no `value`")),
    };
    if matches!(doc["value"], Value::Array(_)) && values.len() != total {
        return Err(err(&format!(
            "`value` has {} entries where the sizes {:?} give {total}",
            values.len(),
            sizes
        )));
    }
    let mut errors = Vec::new();
    let mut cells = Vec::with_capacity(values.len());
    for (i, v) in values {
        if i >= total {
            continue;
        }
        let mut categories = vec![0; sizes.len()];
        let mut rest = i;
        for d in (0..sizes.len()).rev() {
            categories[d] = rest % sizes[d];
            rest /= sizes[d];
        }
        match cell_value(v) {
            Ok(value) => cells.push(Cell {
                categories,
                value,
                row: i as u64 + 1,
            }),
            Err(message) => errors.push(
                ScbError::new(message)
                    .at(i as u64 + 1)
                    .field("value")
                    .value(&v.to_string()),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ScbTable {
        format: Format::JsonStat2,
        title: doc["label"].as_str().map(str::to_string),
        dimensions,
        cells,
    })
}

/// Parses a PxWeb API v1 JSON answer. Its keys are category codes only (`1489`, `SMÅHUS`,
/// `2020`); the contents columns (`type: "c"`) become one contents dimension.
pub(super) fn parse_pxweb_v1(bytes: &[u8]) -> Result<ScbTable, Vec<ScbError>> {
    let doc = read(bytes)?;
    let err = |m: &str| vec![ScbError::new(format!("not a PxWeb v1 JSON answer: {m}"))];
    let columns = doc["columns"]
        .as_array()
        .ok_or_else(|| err("no `columns` list"))?;
    let mut key_columns = Vec::new();
    let mut contents = Vec::new();
    for c in columns {
        let code = c["code"].as_str().unwrap_or_default().to_string();
        let label = c["text"].as_str().unwrap_or(&code).to_string();
        match c["type"].as_str() {
            Some("c") => contents.push(Category { code, label }),
            Some("t") => key_columns.push((code, label, Role::Time)),
            _ => {
                let role = Role::of(&code, &label);
                key_columns.push((code, label, role));
            }
        }
    }
    if contents.is_empty() {
        return Err(err("no contents column (type \"c\")"));
    }
    let mut dimensions: Vec<Dimension> = key_columns
        .into_iter()
        .map(|(code, label, role)| Dimension {
            code,
            label,
            role,
            categories: Vec::new(),
        })
        .collect();
    let keys = dimensions.len();
    dimensions.push(Dimension {
        code: "ContentsCode".into(),
        label: "tabellinnehåll".into(),
        role: Role::Contents,
        categories: contents,
    });
    let data = doc["data"]
        .as_array()
        .ok_or_else(|| err("no `data` list"))?;
    let mut index: Vec<std::collections::HashMap<String, usize>> = vec![Default::default(); keys];
    let mut errors = Vec::new();
    let mut cells = Vec::new();
    for (i, entry) in data.iter().enumerate() {
        let row = i as u64 + 1;
        let key: Vec<String> = entry["key"]
            .as_array()
            .map(|k| k.iter().filter_map(text).collect())
            .unwrap_or_default();
        let values = entry["values"].as_array().cloned().unwrap_or_default();
        if key.len() != keys || values.len() != dimensions[keys].categories.len() {
            errors.push(
                ScbError::new(format!(
                    "has {} key(s) and {} value(s); the columns give {keys} and {}",
                    key.len(),
                    values.len(),
                    dimensions[keys].categories.len()
                ))
                .at(row),
            );
            continue;
        }
        let mut base = Vec::with_capacity(keys + 1);
        for (d, code) in key.into_iter().enumerate() {
            let dims = &mut dimensions;
            let at = *index[d].entry(code.clone()).or_insert_with(|| {
                dims[d].categories.push(Category {
                    code: code.clone(),
                    label: code,
                });
                dims[d].categories.len() - 1
            });
            base.push(at);
        }
        for (c, v) in values.iter().enumerate() {
            match cell_value(v) {
                Ok(value) => {
                    let mut categories = base.clone();
                    categories.push(c);
                    cells.push(Cell {
                        categories,
                        value,
                        row,
                    });
                }
                Err(message) => errors.push(
                    ScbError::new(message)
                        .at(row)
                        .field(&dimensions[keys].categories[c].code)
                        .value(&v.to_string()),
                ),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let title = doc["metadata"][0]["label"].as_str().map(str::to_string);
    Ok(ScbTable {
        format: Format::PxwebJson,
        title,
        dimensions,
        cells,
    })
}
