#!/usr/bin/env python3
"""Derive the files the manifest reads beside SCB's and Västtrafik's own files.

Run from anywhere: `python3 geodata/alingsas-deso2025/derive.py`. Standard library only;
the output is byte-for-byte the same on every run. It writes, next to this script:

  districts.geojson        the 23 DeSO 2025 polygons of deso2025_am-dashboard/ unchanged,
                           with one property added: `regsonamn`, the RegSO name of each area
                           (scb_deso_regso_koppling/; 1 DeSO = 1 RegSO in Alingsås).
  regso_omradestyp.csv     SCB's RegSO area type (områdestyp 1–5) for 2022 and 2023 per DeSO
                           code, as `district,year,indicator,value` with indicator `regso_type`,
                           joined from the index's RegSO names through the same koppling.
  transit_stops.csv        Västtrafik's 274 stop areas (ids 9021…) of 2021 with lon/lat, the
                           API's traffic `weight`, and an ESTIMATED `departures_per_hour`
                           (see below), `mode` rail for Alingsås station, bus otherwise.

Departures per hour are not in the source. Västtrafik's `weight` (unit not stated) breaks
cleanly between 317 (rural lines) and 1,288 (town lines and the station); stop areas with a
weight of 1,000 or more are taken as served at least once an hour (1.0), the others as not
(0.0). That is an estimate, stated in the manifest's notes.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATION = "9021014017510000"
FREQUENT_WEIGHT = 1000.0


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, header: list[str], data: list[list[object]]) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(data)
    path.write_text(out.getvalue(), encoding="utf-8")


def main() -> None:
    koppling = rows(HERE / "scb_deso_regso_koppling/alingsas_koppling_deso2018_regso2020.csv")
    name_of = {r["DeSO_2018"]: r["RegSO_2020"] for r in koppling}
    code_of = {r["RegSO_2020"]: r["DeSO_2018"] for r in koppling}

    src = json.loads((HERE / "deso2025_am-dashboard/alingsas_deso2025.geojson").read_text("utf-8"))
    for feature in src["features"]:
        p = feature["properties"]
        p["regsonamn"] = name_of[p["name"]]
    (HERE / "districts.geojson").write_text(
        json.dumps(src, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )

    index = rows(HERE / "scb_deso_regso_koppling/alingsas_regso_socioekonomiskt_index_2022_2023.csv")
    types = []
    for r in index:
        name = r["Område"].removeprefix("Alingsås (").removesuffix(")")
        for year in (2022, 2023):
            types.append([code_of[name], year, "regso_type", r[f"index_{year}"]])
    types.sort()
    write_csv(HERE / "regso_omradestyp.csv", ["district", "year", "indicator", "value"], types)

    stops = []
    for r in rows(HERE / "vasttrafik_stops_2021/alingsas_vasttrafik_stops_2021.csv"):
        if not r["id"].startswith("9021"):
            continue  # platforms (9022…) would count their stop area twice
        weight = float(r["weight"])
        stops.append(
            [
                r["id"],
                r["name"].removesuffix(", Alingsås"),
                r["lon"],
                r["lat"],
                r["weight"],
                "1.0" if weight >= FREQUENT_WEIGHT else "0.0",
                "rail" if r["id"] == STATION else "bus",
            ]
        )
    stops.sort()
    write_csv(
        HERE / "transit_stops.csv",
        ["stop_id", "name", "lon", "lat", "weight", "departures_per_hour", "mode"],
        stops,
    )


if __name__ == "__main__":
    main()
