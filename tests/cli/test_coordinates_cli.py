"""One coordinate parser for every way in: add-project and edit-project take degrees-minutes-
seconds as locate does, refuse a bad coordinate in one line, and carry 60″ into the minute."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gis_carbon.cli import main
from gis_carbon.feedback import RecordingFeedback
from gis_carbon.geo.coordinates import parse_coordinate
from tests.cli.test_core_cli import digest


def _add(seeded_path: Path, lon: str, lat: str, *extra: str) -> int:
    return main(
        [
            "--workspace",
            str(seeded_path),
            "add-project",
            "--name",
            "大邱庄东光伏",
            "--type",
            "pv_ground",
            "--capacity",
            "20 MW",
            "--lon",
            lon,
            "--lat",
            lat,
            *extra,
        ]
    )


def test_add_project_takes_dms_and_lands_in_jinghai(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(seeded_path, "116°55′48″E", "38°56′24″N", "--json") == 0
    project = json.loads(capsys.readouterr().out)
    assert (project["lon"], project["lat"]) == pytest.approx((116.93, 38.94), abs=1e-12)
    assert project["county"] == "120118"  # 静海区


def test_locate_and_add_project_read_the_same_text_the_same_way(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = ("东经116度55分48秒", "北纬38度56分24秒")
    assert main(["--workspace", str(seeded_path), "locate", *text, "--json"]) == 0
    located = json.loads(capsys.readouterr().out)
    assert _add(seeded_path, *text, "--json") == 0
    added = json.loads(capsys.readouterr().out)
    assert (located["lon"], located["lat"]) == (added["lon"], added["lat"])
    assert located["county"]["code"] == added["county"]


@pytest.mark.parametrize(
    ("lon", "lat", "named"),
    [
        ("116°55′48″N", "38°56′24″N", "116°55′48″N"),  # a latitude given as longitude
        ("116°75′48″E", "38°56′24″N", "116°75′48″E"),  # 75 minutes
        ("east", "38.94", "'east'"),
        ("116.93", "98.5", "98.5"),  # outside ±90°
    ],
)
def test_a_bad_coordinate_is_one_line_exit_2_and_nothing_written(
    seeded_path: Path, capsys: pytest.CaptureFixture[str], lon: str, lat: str, named: str
) -> None:
    before = digest(seeded_path)
    assert _add(seeded_path, lon, lat) == 2
    err = capsys.readouterr().err
    assert err.startswith("gis-carbon: error: ") and err.count("\n") == 1
    assert named in err and "Traceback" not in err
    assert digest(seeded_path) == before


def test_edit_project_moves_a_project_to_a_dms_point(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(seeded_path, "116.9", "38.9", "--json") == 0
    pid = json.loads(capsys.readouterr().out)["id"]
    code = main(
        [
            "--workspace",
            str(seeded_path),
            "edit-project",
            str(pid),
            "--lon",
            "116°51′00″E",
            "--lat",
            "38°49′12″N",
            "--json",
        ]
    )
    assert code == 0
    moved = json.loads(capsys.readouterr().out)
    assert (moved["lon"], moved["lat"]) == pytest.approx((116.85, 38.82), abs=1e-12)


def test_sixty_seconds_are_carried_into_the_minute_with_a_note(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = RecordingFeedback()
    assert parse_coordinate("116°55′60.00″E", "lon", notes) == pytest.approx(116 + 56 / 60)
    assert parse_coordinate("38°59′60″N", "lat", notes) == pytest.approx(39.0)
    assert notes.notes == [
        "longitude '116°55′60.00″E': 60″ carried into the minute (116°56′00″)",
        "latitude '38°59′60″N': 60″ carried into the minute (39°00′00″)",
    ]
    with pytest.raises(Exception, match="below 60"):
        parse_coordinate("116°55′60.5″E", "lon")  # not a rounding: still refused
    # through the CLI: stored at the carried value, the note on stderr
    assert _add(seeded_path, "116°55′60.00″E", "38°56′24″N") == 0
    captured = capsys.readouterr()
    assert "added project" in captured.out
    assert "note: longitude '116°55′60.00″E': 60″ carried into the minute" in captured.err
