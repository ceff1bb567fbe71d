"""Removing a user layer: the service and `gis-carbon remove-layer`."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from gis_carbon.cli import main
from gis_carbon.errors import GisCarbonError, NotFoundError, ValidationError
from gis_carbon.services.imports import import_file
from gis_carbon.services.layers import BuiltInLayerError, layer_catalogue, remove_layer
from project_db.sqlite.workspace import Workspace

TANGGUANTUN = "120118101000"  # 唐官屯镇
DAQIUZHUANG = "120118108000"  # 大邱庄镇
# Two townships splitting part of 静海区 along lon 117.02.
TOWNSHIPS = {
    TANGGUANTUN: ("唐官屯镇", box(116.85, 38.70, 117.02, 38.86)),
    DAQIUZHUANG: ("大邱庄镇", box(117.02, 38.70, 117.10, 38.86)),
}


def write_geojson(path: Path, features: list[tuple[dict[str, object], object]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": properties,
                        "geometry": shapely.geometry.mapping(geometry),
                    }
                    for properties, geometry in features
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def write_townships(path: Path, townships: dict[str, tuple[str, object]] = TOWNSHIPS) -> Path:
    return write_geojson(
        path,
        [({"乡镇代码": code, "乡镇名称": name}, geom) for code, (name, geom) in townships.items()],
    )


def in_box(project, code: str) -> bool:  # type: ignore[no-untyped-def]
    """Independent of the index: is the project's point inside that township's box?"""
    boxes = {**TOWNSHIPS, "120118109000": TOWNSHIPS[DAQIUZHUANG]}
    return project.regions.county == "120118" and boxes[code][1].intersects(project.geometry)


def file_sha256(path: Path) -> str:
    # the WAL is folded back on close, so the file alone holds the whole workspace
    return hashlib.sha256(path.read_bytes()).hexdigest()


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("layers", "layer_features", "projects", "project_history")
        }


def test_removing_the_township_layer_clears_the_projects_townships(
    seeded_path: Path, tmp_path: Path
) -> None:
    with Workspace(seeded_path) as ws:
        import_file(ws, write_townships(tmp_path / "乡镇.geojson"), as_layer="township")
        before = {p.id: p for p in ws.projects()}
        had = {pid for pid, p in before.items() if p.regions.township}
        # the import gave each project in a box that box's township
        assert had == {pid for pid, p in before.items() if any(in_box(p, c) for c in TOWNSHIPS)}
        assert len(had) >= 5
        assert ws.projects(region_code=DAQIUZHUANG)

        removed = remove_layer(ws, "township")

        assert (removed.layer.id, removed.features) == ("township", 2)
        assert {p.id for p in removed.projects} == had
        assert all(p.regions.township is None for p in removed.projects)
        assert [layer.id for layer in ws.layers()] == []
        after = {p.id: p for p in ws.projects()}
        assert all(p.regions.township is None for p in after.values())
        assert ws.projects(region_code=DAQIUZHUANG) == []
        for pid, project in after.items():
            # a recorded change for those that had a township, untouched otherwise
            assert project.version == before[pid].version + (pid in had)
            if pid in had:
                assert ws.history(pid)[-1].action == "update"
            assert project.regions.county == before[pid].regions.county
        # the catalogue offers the township type to import again
        entry = next(e for e in layer_catalogue(ws) if e.id == "township")
        assert entry.origin == "importable"
    assert row_counts(seeded_path)["layer_features"] == 0


def test_removing_one_of_two_township_layers_reassigns_from_the_other(
    seeded_path: Path, tmp_path: Path
) -> None:
    from gis_carbon.model.storage import LayerRecord
    from gis_carbon.services.regions import reassign_townships

    ziya = "120118109000"  # a second survey's township over the east box (a higher code)
    with Workspace(seeded_path) as ws:
        import_file(ws, write_townships(tmp_path / "乡镇.geojson"), as_layer="township")
        # The importer names its township layer "township"; a second one is stored directly.
        ws.add_layer(
            LayerRecord(
                id="township_2015",
                title_zh="乡镇（2015）",
                role="boundary",
                kind="vector",
                source="test",
                crs="EPSG:4326",
                params={"level": "township", "code_field": "DM", "name_field": "MC"},
            ),
            [(TOWNSHIPS[DAQIUZHUANG][1], {"DM": ziya, "MC": "子牙镇"})],
        )
        assert reassign_townships(ws) == []  # the lower code, 大邱庄镇, still wins there
        west = {p.id for p in ws.projects() if in_box(p, TANGGUANTUN) and not in_box(p, ziya)}
        east = {p.id for p in ws.projects() if in_box(p, DAQIUZHUANG)}
        assert west and east

        removed = remove_layer(ws, "township")

        assert {p.id for p in removed.projects} == west | east
        assert all(ws.get_project(pid).regions.township is None for pid in west)
        assert all(ws.get_project(pid).regions.township == ziya for pid in east)
        assert [layer.id for layer in ws.layers()] == ["township_2015"]
        assert ws.projects(region_code=DAQIUZHUANG) == []
        assert {p.id for p in ws.projects(region_code=ziya)} == east


def test_removing_a_constraint_layer_leaves_the_projects_alone(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reserve = write_geojson(
        tmp_path / "保护区.geojson",
        [
            ({"名称": "团泊洼"}, box(117.10, 38.88, 117.20, 38.95)),
            ({"名称": "北大港"}, box(0, 0, 1, 1)),
        ],
    )
    with Workspace(seeded_path) as ws:
        import_file(ws, reserve, as_layer="保护区", role="exclusion")
    before = row_counts(seeded_path)
    assert main(["--workspace", str(seeded_path), "remove-layer", "保护区", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["id"], data["role"], data["features"]) == ("保护区", "constraint", 2)
    assert data["projects_changed"] == 0 and data["file_removed"] is None
    after = row_counts(seeded_path)
    assert after == {
        **before,
        "layers": before["layers"] - 1,
        "layer_features": before["layer_features"] - 2,
    }


def test_removing_a_raster_deletes_its_copy(seeded_path: Path, tmp_path: Path) -> None:
    import numpy as np
    import rasterio
    from affine import Affine

    tif = tmp_path / "坡度.tif"
    with rasterio.open(
        tif,
        "w",
        driver="GTiff",
        width=4,
        height=3,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(0.05, 0, 116.8, 0, -0.05, 38.9),
    ) as dst:
        dst.write(np.arange(12, dtype="float32").reshape(1, 3, 4))
    with Workspace(seeded_path) as ws:
        result = import_file(ws, tif, as_layer="slope")
        copy = Path(result.layer.path)
        assert copy.exists() and copy.parent.name == seeded_path.name + ".layers"
        removed = remove_layer(ws, "slope")
        assert removed.file_removed == str(copy) and removed.features == 0
        assert not copy.exists() and tif.exists()  # the user's own file stays
        assert ws.layers() == []


@pytest.mark.parametrize("layer_id", ["county", "province", "city"])
def test_a_built_in_layer_is_refused_and_nothing_changes(
    seeded_path: Path, tmp_path: Path, layer_id: str
) -> None:
    with Workspace(seeded_path) as ws:
        import_file(ws, write_townships(tmp_path / "乡镇.geojson"), as_layer="township")
    digest, counts = file_sha256(seeded_path), row_counts(seeded_path)
    with Workspace(seeded_path) as ws, pytest.raises(BuiltInLayerError) as caught:
        remove_layer(ws, layer_id)
    message = str(caught.value)
    assert f"layer {layer_id!r}" in message and "built-in" in message
    assert isinstance(caught.value, ValidationError) and isinstance(caught.value, GisCarbonError)
    assert file_sha256(seeded_path) == digest and row_counts(seeded_path) == counts


def test_an_unknown_id_is_refused_with_the_id_named(seeded_path: Path, tmp_path: Path) -> None:
    with Workspace(seeded_path) as ws:
        import_file(ws, write_townships(tmp_path / "乡镇.geojson"), as_layer="township")
    digest = file_sha256(seeded_path)
    with Workspace(seeded_path) as ws:
        with pytest.raises(NotFoundError, match=r"no layer '保护区X'.*its layers: township"):
            remove_layer(ws, "保护区X")
        remove_layer(ws, "township")
        # the township TYPE stays in the catalogue, but there is no layer of it to remove
        with pytest.raises(NotFoundError, match=r"no layer 'township'.*its layers: none"):
            remove_layer(ws, "township")
        with pytest.raises(ValidationError, match="a layer id is needed"):
            remove_layer(ws, " ")
    assert file_sha256(seeded_path) != digest  # (the one real removal did write)


def test_cli_remove_layer_prints_a_summary_and_errors_exit_2(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws_args = ["--workspace", str(seeded_path)]
    townships = write_townships(tmp_path / "乡镇.geojson")
    assert main([*ws_args, "import", str(townships), "--layer", "township"]) == 0
    capsys.readouterr()
    assert main([*ws_args, "remove-layer", "township"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("removed layer township (乡镇（街道）边界, boundary): 2 features\n")
    assert "township changed on" in out and "唐官屯" in out
    # errors: one line on stderr, exit 2, nothing on stdout
    for bad, expected in (("county", "built-in"), ("township", "no layer 'township'")):
        assert main([*ws_args, "remove-layer", bad]) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and expected in err
        assert err.startswith("gis-carbon: error: ")
    with Workspace(seeded_path) as ws:
        assert ws.layers() == [] and all(p.regions.township is None for p in ws.projects())


def test_a_failure_inside_the_removal_rolls_everything_back(
    seeded_path: Path, tmp_path: Path
) -> None:
    """Layer, features and township codes go together or not at all: when writing one
    project's new township fails, the layer and its features must still be there and every
    project as it was."""
    with Workspace(seeded_path) as ws:
        import_file(ws, write_townships(tmp_path / "乡镇.geojson"), as_layer="township")
    counts = row_counts(seeded_path)
    with Workspace(seeded_path) as ws:
        # A temporary trigger (this connection only) makes the update of project 1 fail.
        ws.db.conn.execute(
            "CREATE TEMP TRIGGER refuse_update BEFORE UPDATE ON projects WHEN OLD.id = 1 "
            "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )
        with pytest.raises((GisCarbonError, sqlite3.DatabaseError)):
            remove_layer(ws, "township")
        assert [layer.id for layer in ws.layers()] == ["township"]
        assert ws.get_project(1).regions.township == DAQIUZHUANG
    assert row_counts(seeded_path) == counts
