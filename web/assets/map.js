// The Leaflet map: district polygons coloured by the chosen measure, a legend with the class
// breaks, flag markers with their reasons, and an optional basemap (off by default, so the
// page needs nothing from outside the service).

// A relative path rather than an import map, so the page needs no inline script and its
// Content-Security-Policy can allow scripts from this service only.
import * as L from '../../vendor/leaflet/dist/leaflet-src.esm.js';
import { colorOf, NO_DATA } from './classify.js';
import { fmt, h } from './format.js';

export class DistrictMap {
  /**
   * @param el the map element
   * @param districts [{ code, name, feature }]
   * @param options { basemap?: URL template, onSelect(code) }
   */
  constructor(el, districts, { basemap, onSelect } = {}) {
    this.map = L.map(el, { zoomSnap: 0.25, attributionControl: true, renderer: L.svg({ padding: 0.5 }) });
    this.map.attributionControl.setPrefix(false);
    if (basemap) {
      L.tileLayer(basemap, { maxZoom: 19, attribution: 'Basemap: configured tile service' }).addTo(this.map);
    }
    this.map.createPane('flags').style.zIndex = 650;
    this.layers = new Map();
    this.selected = null;
    const fc = { type: 'FeatureCollection', features: districts.map((d) => d.feature) };
    this.geojson = L.geoJSON(fc, {
      style: () => ({ color: '#444', weight: 1, fillColor: NO_DATA, fillOpacity: 0.85, className: 'district' }),
      onEachFeature: (feature, layer) => {
        const d = districts.find((x) => x.feature === feature);
        if (!d) return;
        this.layers.set(d.code, layer);
        layer.on('click', (ev) => {
          L.DomEvent.stopPropagation(ev);
          onSelect?.(d.code);
        });
        layer.on('mouseover', () => layer.setStyle({ weight: this.selected === d.code ? 3 : 2 }));
        layer.on('mouseout', () => layer.setStyle({ weight: this.selected === d.code ? 3 : 1 }));
      },
    });
    // The map needs a view before its layers get SVG elements.
    const bounds = this.geojson.getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [12, 12] });
    else this.map.setView([57.93, 12.53], 11);
    this.geojson.addTo(this.map);
    for (const [code, layer] of this.layers) {
      layer.getElement()?.setAttribute('data-district', code);
    }
    this.legend = L.control({ position: 'bottomright' });
    this.legend.onAdd = () => {
      this.legendEl = L.DomUtil.create('div', 'legend');
      L.DomEvent.disableClickPropagation(this.legendEl);
      return this.legendEl;
    };
    this.legend.addTo(this.map);
    this.flagLayer = L.layerGroup().addTo(this.map);
  }

  /** Colours every district; `values` maps code → number, `describe(code)` gives tooltip text. */
  recolor(classes, values, describe) {
    for (const [code, layer] of this.layers) {
      const v = values.get(code);
      layer.setStyle({ fillColor: colorOf(classes, v) });
      layer.unbindTooltip();
      layer.bindTooltip(describe(code), { sticky: true, direction: 'top', className: 'district-tip' });
    }
  }

  /** Draws the legend: measure, method and one line per class. */
  setLegend(measure, classes, note) {
    if (!this.legendEl) return;
    this.legendEl.replaceChildren(
      h('div', { class: 'legend-title' }, measure.label),
      ...classes.map((c) =>
        h('div', { class: 'legend-row' },
          h('span', { class: 'legend-swatch', style: `background:${c.color}` }),
          `${fmt(c.lo, measure.digits)} – ${fmt(c.hi, measure.digits)}`)),
      h('div', { class: 'legend-row' }, h('span', { class: 'legend-swatch', style: `background:${NO_DATA}` }), 'no data'),
      h('div', { class: 'legend-note' }, note),
      h('div', { class: 'legend-row flags-key' },
        h('span', { class: 'flag-badge densify' }, 'D'), ' densify (förtätning) ',
        h('span', { class: 'flag-badge upgrade' }, 'U'), ' upgrade (upprustning)'),
    );
  }

  /** Outlines the selected district. */
  select(code) {
    if (this.selected && this.layers.get(this.selected)) {
      this.layers.get(this.selected).setStyle({ weight: 1, color: '#444' });
    }
    this.selected = code;
    const layer = this.layers.get(code);
    if (layer) {
      layer.setStyle({ weight: 3, color: '#111' });
      layer.bringToFront();
    }
  }

  /**
   * Draws one marker per flagged district (D: densify, U: upgrade) at the district's centre;
   * clicking it shows every flag's reasons. `flagsByDistrict`: Map code → [flag].
   */
  setFlags(flagsByDistrict, nameOf, reasonsHtml) {
    this.flagLayer.clearLayers();
    for (const [code, flags] of flagsByDistrict) {
      const layer = this.layers.get(code);
      const shown = flags.filter((f) => f.flagged !== false);
      if (!layer || shown.length === 0) continue;
      const kinds = [...new Set(shown.map((f) => String(f.flag || 'flag')))];
      const html = h('span', {}, kinds.map((k) => h('span', { class: `flag-badge ${cssKind(k)}`, title: k }, letter(k))));
      const marker = L.marker(layer.getCenter(), {
        pane: 'flags',
        icon: L.divIcon({ className: 'flag-marker', html, iconSize: [18 * kinds.length + 4, 22], iconAnchor: [9 * kinds.length + 2, 11] }),
        keyboard: true,
        title: `${nameOf(code)}: ${kinds.join(', ')}`,
      });
      marker.bindPopup(() => reasonsHtml(code, shown), { maxWidth: 360 });
      marker.addTo(this.flagLayer);
      marker.getElement()?.setAttribute('data-district', code);
    }
  }
}

function letter(kind) {
  if (/densif|förtät/i.test(kind)) return 'D';
  if (/upgrad|safety|trygg|upprust/i.test(kind)) return 'U';
  return kind.slice(0, 1).toUpperCase();
}

function cssKind(kind) {
  const l = letter(kind);
  return l === 'D' ? 'densify' : l === 'U' ? 'upgrade' : 'other';
}
