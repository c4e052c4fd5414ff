"""Loads every collection of an OGC API - Features service in QGIS (headless) and checks it.

Run with QGIS's Python (Debian: python3-qgis), QT_QPA_PLATFORM=offscreen and HOME pointing at
a fresh folder (QGIS keeps a profile and an HTTP cache there):

    python3 qgis_oapif.py --url http://127.0.0.1:8080 \
        --expect districts=48 --expect demand=1008 \
        --geojson '1008=http://127.0.0.1:8080/scenarios/run?net_migration_multiplier=1.5' \
        --extent-3006 344700,6404400,364800,6452900 --tolerance 2000

For each collection (read in pages of 50 features, so QGIS must follow the next links): the
OAPIF layer must be valid, have every feature (counted by iterating,
not by trusting numberMatched) and every field of the first feature's properties. Then each
layer is loaded again asking for EPSG:3006 (`srsname`); QGIS 3.22 has no OGC API Part 2
support and keeps such a layer in EPSG:4326, so the extent is transformed to EPSG:3006 before it
is compared with the municipality's extent in metres. Each `--geojson COUNT=URL` (a what-if
scenario's GeoJSON URL) is opened as a plain vector layer through GDAL (Layer > Add Vector
Layer > Protocol: HTTP(S)) and must have COUNT features with every property of the first
feature and lie in the same extent. Prints one JSON line per check and exits 1 when any check
fails.
"""

import argparse
import json
import os
import sys
import urllib.request

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProject,
    QgsVectorLayer,
)


def fields_of_first_feature(url, collection):
    with urllib.request.urlopen(f"{url}/collections/{collection}/items?limit=1&f=json") as r:
        doc = json.load(r)
    return sorted(doc["features"][0]["properties"].keys())


def load(url, collection, srsname=None):
    # A small page size makes QGIS follow several next links.
    uri = f"url='{url}' typename='{collection}' pagingEnabled='true' pageSize='50'"
    if srsname:
        uri += f" srsname='{srsname}'"
    return QgsVectorLayer(uri, collection, "OAPIF")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--expect", action="append", default=[], help="collection=count")
    ap.add_argument("--geojson", action="append", default=[], help="count=URL")
    ap.add_argument("--extent-3006", required=True, help="minE,minN,maxE,maxN")
    ap.add_argument("--tolerance", type=float, default=2000.0, help="metres")
    args = ap.parse_args()
    expected = {k: int(v) for k, v in (e.split("=", 1) for e in args.expect)}
    min_e, min_n, max_e, max_n = (float(v) for v in args.extent_3006.split(","))
    tol = args.tolerance

    QgsApplication.setPrefixPath("/usr", True)
    qgs = QgsApplication([], False)
    qgs.initQgis()
    failed = False

    def report(**kv):
        nonlocal failed
        if not kv.get("ok"):
            failed = True
        print(json.dumps(kv, ensure_ascii=False), flush=True)

    epsg3006 = QgsCoordinateReferenceSystem("EPSG:3006")
    for collection, count in expected.items():
        layer = load(args.url, collection)
        # Never call layer.error() on an invalid layer: it can crash QGIS 3.22.
        if not layer.isValid():
            report(check="valid", collection=collection, ok=False)
            continue
        n = sum(1 for _ in layer.getFeatures())
        want_fields = fields_of_first_feature(args.url, collection)
        got_fields = sorted(f.name() for f in layer.fields())
        missing = [f for f in want_fields if f not in got_fields]
        report(
            check="features_and_fields",
            collection=collection,
            features=n,
            expected=count,
            fields=len(got_fields),
            missing_fields=missing,
            crs=layer.crs().authid(),
            ok=(n == count and not missing),
        )

        layer3006 = load(args.url, collection, "EPSG:3006")
        if not layer3006.isValid():
            report(check="valid_3006", collection=collection, ok=False)
            continue
        extent = layer3006.extent()
        if layer3006.crs().authid() != "EPSG:3006":
            xform = QgsCoordinateTransform(layer3006.crs(), epsg3006, QgsProject.instance())
            extent = xform.transformBoundingBox(extent)
        inside = (
            extent.xMinimum() >= min_e - tol
            and extent.yMinimum() >= min_n - tol
            and extent.xMaximum() <= max_e + tol
            and extent.yMaximum() <= max_n + tol
            and extent.width() > 0
            and extent.height() > 0
        )
        report(
            check="extent_3006",
            collection=collection,
            layer_crs=layer3006.crs().authid(),
            extent=[
                round(extent.xMinimum()),
                round(extent.yMinimum()),
                round(extent.xMaximum()),
                round(extent.yMaximum()),
            ],
            ok=inside,
        )

    for spec in args.geojson:
        count, url = spec.split("=", 1)
        layer = QgsVectorLayer(url, "scenario", "ogr")
        if not layer.isValid():
            report(check="geojson_valid", url=url, ok=False)
            continue
        with urllib.request.urlopen(url) as r:
            doc = json.load(r)
        want_fields = sorted(doc["features"][0]["properties"].keys())
        got_fields = sorted(f.name() for f in layer.fields())
        missing = [f for f in want_fields if f not in got_fields]
        n = sum(1 for _ in layer.getFeatures())
        extent = layer.extent()
        xform = QgsCoordinateTransform(layer.crs(), epsg3006, QgsProject.instance())
        extent = xform.transformBoundingBox(extent)
        inside = (
            extent.xMinimum() >= min_e - tol
            and extent.yMinimum() >= min_n - tol
            and extent.xMaximum() <= max_e + tol
            and extent.yMaximum() <= max_n + tol
        )
        report(
            check="geojson_features_and_fields",
            url=url,
            features=n,
            expected=int(count),
            missing_fields=missing,
            crs=layer.crs().authid(),
            ok=(n == int(count) and not missing and inside),
        )

    return 1 if failed else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip QGIS's teardown: exitQgis() with provider threads still alive can crash at exit
    # and turn a passing run into a failing status.
    os._exit(code)
