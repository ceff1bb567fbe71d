"""Fuzzing the importers: a few hundred damaged files of every format (truncations, byte
flips, damaged zip members), made from good ones with a fixed seed, imported into a seeded
workspace. Every failure must be a GisCarbonError, the workspace unchanged by it, and the
file sound at the end."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from gis_carbon.errors import GisCarbonError
from gis_carbon.services.imports import import_file
from gis_carbon.services.workspace import open_workspace
from tests.io.io_testfiles import (
    write_gbk_shapefile,
    write_geotiff,
    write_kmz,
    write_ledger,
    zip_with_gbk_names,
)

SEED = 20261204
MUTANTS_PER_FILE = 100


def _good_files(folder: Path) -> dict[str, tuple[Path, dict[str, object]]]:
    """format → (a good file, the import options it takes)."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "台账.csv"
    csv.write_text(
        "项目名称,项目类型,装机容量(MW),建设状态,投产年份,经度,纬度\n"
        "王口风电,风电,100,规划,2025,116.95,38.85\n"
        "大邱庄渔光互补,渔光互补,100,在建,2024,117.06,38.83\n",
        encoding="utf-8",
    )
    geojson = folder / "项目.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"项目名称": "风电", "项目类型": "风电", "装机容量": "10 MW"},
                        "geometry": {"type": "Point", "coordinates": [116.95, 38.85]},
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    kml = folder / "图层.kml"
    kml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        "<Document><Placemark><name>保护区</name><Polygon><outerBoundaryIs><LinearRing>"
        "<coordinates>116.9,38.8 117.0,38.8 117.0,38.9 116.9,38.8</coordinates>"
        "</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>",
        encoding="utf-8",
    )
    shp_folder = folder / "shp"
    write_gbk_shapefile(shp_folder)
    shp_zip = zip_with_gbk_names(sorted(shp_folder.iterdir()), folder / "乡镇.zip")
    gpkg = folder / "园区.gpkg"
    gpd.GeoDataFrame(
        {"name": ["园区", "保护区"]},
        geometry=[box(116.9, 38.8, 117.0, 38.9), Point(117.0, 38.85).buffer(0.01)],
        crs="EPSG:4326",
    ).to_file(gpkg, driver="GPKG")
    return {
        "csv": (csv, {}),
        "xlsx": (write_ledger(folder / "台账.xlsx"), {}),
        "geojson": (geojson, {}),
        "kml": (kml, {"as_layer": "kml", "role": "exclusion"}),
        "kmz": (write_kmz(folder / "奥维.kmz"), {}),
        "zip": (shp_zip, {"as_layer": "zipped", "role": "reference"}),
        "gpkg": (gpkg, {"as_layer": "gpkg", "role": "reference"}),
        "tif": (write_geotiff(folder / "slope.tif"), {"as_layer": "tif", "role": "resource"}),
    }


def _mutate(data: bytes, rng: random.Random, name: str) -> bytes:
    """One damage: cut the file short, flip a few bytes, or break one member of a zip."""
    kind = rng.choice(["truncate", "flip", "flip", "zip_member"])
    if kind == "zip_member" and data[:2] == b"PK":
        try:
            import io

            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
            info = rng.choice(infos)
            start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            buffer = bytearray(data)
            for i in range(start, min(start + info.compress_size, len(buffer)))[:64]:
                buffer[i] ^= rng.randrange(1, 256)
            return bytes(buffer)
        except (zipfile.BadZipFile, IndexError):
            pass
    if kind == "truncate":
        return data[: rng.randrange(0, max(1, len(data)))]
    buffer = bytearray(data)
    for _ in range(rng.randrange(1, 9)):
        buffer[rng.randrange(len(buffer))] = rng.randrange(256)
    return bytes(buffer)


def _state(ws) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return (ws.count_projects(), len(ws.layers()), len(ws.history(1)))


@pytest.mark.slow
def test_damaged_files_of_every_format_fail_cleanly(seeded_path: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    goods = _good_files(tmp_path / "good")
    outcomes: Counter[str] = Counter()
    untyped: list[str] = []
    with open_workspace(seeded_path, seed=False) as ws:
        for fmt, (good, options) in goods.items():
            data = good.read_bytes()
            for n in range(MUTANTS_PER_FILE):
                folder = tmp_path / "mutants" / f"{fmt}{n}"
                folder.mkdir(parents=True)
                mutant = folder / good.name
                mutant.write_bytes(_mutate(data, rng, good.name))
                before = _state(ws)
                try:
                    opts = dict(options)
                    if "as_layer" in opts:
                        opts["as_layer"] = f"{opts['as_layer']}_{n}"
                    import_file(ws, mutant, **opts)  # type: ignore[arg-type]
                    outcomes["imported"] += 1
                except GisCarbonError as exc:
                    outcomes["refused"] += 1
                    assert "\n" not in str(exc).strip(), f"{fmt} #{n}: {exc}"
                    assert _state(ws) == before, f"{fmt} #{n} changed the workspace: {exc}"
                except Exception as exc:  # the defect this test is here to catch
                    untyped.append(f"{fmt} #{n}: {type(exc).__name__}: {exc}")
                shutil.rmtree(folder)
    assert not untyped, "\n".join(untyped[:20])
    total = len(goods) * MUTANTS_PER_FILE
    assert outcomes["imported"] + outcomes["refused"] == total
    assert outcomes["refused"] >= total // 3  # the damage is real: most files are refused
    assert outcomes["imported"] > 0  # and some damage leaves a readable file, imported
    with sqlite3.connect(seeded_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
