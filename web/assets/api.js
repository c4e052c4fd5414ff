// Reading the service's OGC API - Features (the same collections QGIS reads) and the JSON
// endpoints. Every request stays on the page's own origin: `next` links are followed by path,
// so a server that writes another host name into its links (a proxy's public name, say) still
// works and nothing is fetched from elsewhere.

export class HttpError extends Error {
  constructor(status, url, detail) {
    super(`${url}: HTTP ${status}${detail ? ` — ${detail}` : ''}`);
    this.status = status;
    this.url = url;
  }
}

/** A URL on this origin, relative to the page (so a path prefix in front of the service works). */
export function local(path, params = {}) {
  const url = new URL(path, document.baseURI);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
  }
  return url;
}

/** GET `url` as JSON; throws HttpError with the server's own message on failure. */
export async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/geo+json, application/json' } });
  if (!r.ok) {
    let detail = '';
    try {
      const body = await r.json();
      detail = body.description || body.message || body.error || '';
    } catch {
      /* not JSON */
    }
    throw new HttpError(r.status, url.pathname ?? String(url), detail);
  }
  return r.json();
}

/** The collection ids the service offers, or null when `/collections` cannot be read. */
export async function collectionIds() {
  try {
    const doc = await getJSON(local('collections', { f: 'json' }));
    return new Set((doc.collections || []).map((c) => c.id));
  } catch {
    return null;
  }
}

/**
 * Every feature of a collection, following `rel=next` links page by page.
 * `params` are added to the first request (e.g. `{ year: 2028 }`).
 */
export async function allItems(collection, params = {}, pageSize = 1000) {
  let url = local(`collections/${encodeURIComponent(collection)}/items`, { f: 'json', limit: pageSize, ...params });
  const features = [];
  for (let page = 0; page < 10000; page++) {
    const doc = await getJSON(url);
    features.push(...(doc.features || []));
    const next = (doc.links || []).find((l) => l.rel === 'next');
    if (!next || !(doc.features || []).length) break;
    const n = new URL(next.href, url);
    url = new URL(n.pathname + n.search, location.origin);
  }
  return features;
}

/** The district code of a feature of `districts`, `demand` or `flags`. */
export function districtCode(feature) {
  const p = feature.properties || {};
  const code = p.district ?? p.district_id ?? p.code ?? p.nyko ?? p.desokod ?? p.regsokod;
  if (code !== undefined && code !== null) return String(code);
  return feature.id !== undefined ? String(feature.id) : undefined;
}

/** The district name of a feature (falls back to its code). */
export function districtName(feature) {
  const p = feature.properties || {};
  return String(p.name ?? p.district_name ?? p.namn ?? districtCode(feature) ?? '');
}
