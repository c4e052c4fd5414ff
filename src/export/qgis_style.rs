//! QGIS layer styles embedded in a GeoPackage: the `layer_styles` table QGIS itself writes
//! ("Save as default" in the layer's style menu) and reads when a layer is opened, so that the
//! `districts` and `demand` layers open as a choropleth of the gap per 1,000 inhabitants.

/// Classes of the gap per 1,000 inhabitants: (lower, upper, label, RGB). Blue for a surplus,
/// yellow around balance, red for a shortage.
const CLASSES: [(f64, f64, &str, &str); 5] = [
    (-1.0e9, -20.0, "surplus over 20", "44,123,182"),
    (-20.0, 0.0, "surplus 0 to 20", "171,217,233"),
    (0.0, 10.0, "shortage 0 to 10", "255,255,191"),
    (10.0, 30.0, "shortage 10 to 30", "253,174,97"),
    (30.0, 1.0e9, "shortage over 30", "215,25,28"),
];

fn fill_symbol(name: usize, rgb: &str) -> String {
    format!(
        r#"   <symbol name="{name}" type="fill" alpha="0.85" clip_to_extent="1" force_rhr="0">
    <layer class="SimpleFill" enabled="1" locked="0" pass="0">
     <prop k="border_width_map_unit_scale" v="3x:0,0,0,0,0,0"/>
     <prop k="color" v="{rgb},255"/>
     <prop k="joinstyle" v="bevel"/>
     <prop k="offset" v="0,0"/>
     <prop k="offset_map_unit_scale" v="3x:0,0,0,0,0,0"/>
     <prop k="offset_unit" v="MM"/>
     <prop k="outline_color" v="70,70,70,255"/>
     <prop k="outline_style" v="solid"/>
     <prop k="outline_width" v="0.26"/>
     <prop k="outline_width_unit" v="MM"/>
     <prop k="style" v="solid"/>
    </layer>
   </symbol>
"#
    )
}

/// A QGIS style (QML) drawing polygons graduated on `attribute` (dwellings per 1,000
/// inhabitants), in the five classes above.
pub fn graduated_qml(attribute: &str) -> String {
    let mut ranges = String::new();
    let mut symbols = String::new();
    for (i, (lower, upper, label, rgb)) in CLASSES.iter().enumerate() {
        ranges.push_str(&format!(
            "   <range symbol=\"{i}\" lower=\"{lower}\" upper=\"{upper}\" label=\"{label}\" \
             render=\"true\"/>\n"
        ));
        symbols.push_str(&fill_symbol(i, rgb));
    }
    format!(
        r#"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
 <renderer-v2 type="graduatedSymbol" attr="{attribute}" graduatedMethod="GraduatedColor" symbollevels="0" forceraster="0" enableorderby="0">
  <ranges>
{ranges}  </ranges>
  <symbols>
{symbols}  </symbols>
  <mode name="manual"/>
 </renderer-v2>
 <layerGeometryType>2</layerGeometryType>
</qgis>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qml_names_the_attribute_and_every_class() {
        let q = graduated_qml("gap_per_1000");
        assert!(q.contains(r#"attr="gap_per_1000""#));
        assert_eq!(q.matches("<range ").count(), 5);
        assert_eq!(q.matches("<symbol ").count(), 5);
    }
}
