"""Plans and targets as the user's data, and the existing stock (存量): through the CLI and
the services on real workspace files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gis_carbon.cli import main
from gis_carbon.errors import GisCarbonError, ValidationError
from gis_carbon.services import plans
from gis_carbon.services.projects import ProjectInput, add_project
from gis_carbon.services.workspace import open_workspace

NINGHE_QUOTE = "到2025年，全区风电、光伏发电装机容量达到50万千瓦。"
RENEWABLES_2025 = "tianjin.renewables_capacity.2025"


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fresh_path(tmp_path: Path) -> Path:
    """A new, unseeded workspace file (the acceptance starts from one)."""
    path = tmp_path / "fresh.gcarbon.gpkg"
    open_workspace(path, seed=False).close()
    return path


def test_a_new_county_plan_and_target_show_in_status_with_the_quote(
    fresh_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws_args = ("--workspace", str(fresh_path))
    plan = cli_json(
        capsys,
        *ws_args,
        "add-plan",
        "--name",
        "宁河区碳达峰实施方案",
        "--region",
        "宁河区",
        "--base-year",
        "2020",
    )
    assert (plan["region_code"], plan["region_name"], plan["base_year"]) == (
        "120117",
        "宁河区",
        2020,
    )
    target = cli_json(
        capsys,
        *ws_args,
        "add-target",
        "--plan",
        plan["id"],
        "--metric",
        "capacity_sum",
        "--types",
        "wind,pv_ground",
        "--value",
        "50万千瓦",
        "--year",
        "2025",
        "--quote",
        NINGHE_QUOTE,
    )
    assert target["scope"] == ["wind", "pv_ground"]
    status = cli_json(capsys, *ws_args, "status", "--plan", plan["id"])
    assert [(s["target_id"], s["value"], s["unit"], s["quote"]) for s in status] == [
        (target["id"], 500.0, "MW", NINGHE_QUOTE)
    ]
    assert main([*ws_args, "edit-target", target["id"], "--value", "60万千瓦"]) == 0
    capsys.readouterr()
    status = cli_json(capsys, *ws_args, "status", "--plan", plan["id"])
    assert status[0]["value"] == 600.0
    history = cli_json(capsys, *ws_args, "plan-history", target["id"])
    assert [h["action"] for h in history] == ["insert", "update"]
    assert (history[1]["before"]["value"], history[1]["after"]["value"]) == (50.0, 60.0)
    assert history[1]["author"] == "tester"


def test_a_draft_revised_to_final_keeps_its_history(seeded_path: Path) -> None:
    with open_workspace(seeded_path) as ws:
        plan = plans.add_plan(ws, name="宁河区碳达峰实施方案（征求意见稿）", region="120117")
        draft = plans.add_target(
            ws,
            plan=plan.id,
            metric_name="capacity_sum",
            value="45万千瓦",
            year=2025,
            types="renewable",
            quote="到2025年，可再生能源装机达到45万千瓦左右。",
            comparator_name="左右",
            author="planner-a",
        )
        final = plans.edit_target(
            ws,
            draft.id,
            {"value": "50万千瓦", "comparator": "ge", "quote": NINGHE_QUOTE},
            author="planner-b",
        )
        plans.edit_plan(ws, plan.id, {"name": "宁河区碳达峰实施方案", "date": "2023-05-01"})
        entries = plans.history(ws, entity_id=draft.id)
        plan_entries = plans.history(ws, entity_id=plan.id)
    assert (final.value, final.unit, final.comparator.value) == (50.0, "万千瓦", "ge")
    assert [(e.action, e.author) for e in entries] == [
        ("insert", "planner-a"),
        ("update", "planner-b"),
    ]
    assert entries[1].before is not None and entries[1].after is not None
    assert entries[1].before["quote"] == "到2025年，可再生能源装机达到45万千瓦左右。"
    assert entries[1].after["quote"] == NINGHE_QUOTE
    assert entries[1].before["comparator"] == "approx"
    assert [e.action for e in plan_entries] == ["insert", "update"]
    assert plan_entries[1].after is not None
    assert plan_entries[1].after["name"] == "宁河区碳达峰实施方案"


def test_deleting_a_plan_with_targets_needs_with_targets_and_is_one_transaction(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(seeded_path)
    assert main(["--workspace", str(seeded_path), "delete-plan", "jinshi"]) == 2
    assert "has" in capsys.readouterr().err
    assert digest(seeded_path) == before
    with open_workspace(seeded_path) as ws:
        n_targets = len(ws.targets("jinshi"))
        assert n_targets > 10
    assert main(["--workspace", str(seeded_path), "delete-plan", "jinshi", "--with-targets"]) == 0
    with open_workspace(seeded_path) as ws:
        assert "jinshi" not in {p.id for p in ws.plans()}
        assert ws.targets("jinshi") == []
        deleted = [e for e in ws.record_history("target") if e.action == "delete"]
        assert len(deleted) == n_targets
        # the plan's projects stay, no longer tied to the deleted plan
        assert ws.projects(region_code="430781")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--value", "12,5 万千瓦"], "12,5"),
        (["--value", "50万千瓦", "--year", "twenty"], "twenty"),
        (["--value", "50万千瓦", "--types", "煤矿"], "煤矿"),
        (["--value", "50万千瓦", "--comparator", "much"], "much"),
    ],
    ids=["comma-decimal", "bad-year", "unknown-type", "bad-comparator"],
)
def test_bad_target_input_is_one_line_exit_2_and_changes_nothing(
    seeded_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    before = digest(seeded_path)
    defaults = {"--year": "2025", "--types": "wind"}
    for key, value in defaults.items():
        if key not in argv:
            argv = [*argv, key, value]
    code = main(
        [
            "--workspace",
            str(seeded_path),
            "add-target",
            "--plan",
            "静海区",
            "--metric",
            "capacity_sum",
            "--quote",
            "到2025年，风电装机达到50万千瓦。",
            *argv,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert digest(seeded_path) == before


def test_a_target_without_its_sentence_is_refused(seeded: object) -> None:
    with pytest.raises(ValidationError, match="quote"):
        plans.add_target(
            seeded,  # type: ignore[arg-type]
            plan="静海区",
            metric_name="capacity_sum",
            value="50万千瓦",
            year=2025,
            types="wind",
            quote="  ",
        )


# ------------------------------------------------------------------ existing stock (存量)
def _wind(name: str, year: int | None, capacity: str, lon: float = 117.03, lat: float = 38.93):
    return ProjectInput(
        name=name,
        type="wind",
        capacity=capacity,
        status="operating",
        year=year,
        lon=lon,
        lat=lat,
    )


def test_baseline_plus_projects_after_the_base_year_without_double_counting(
    seeded_path: Path,
) -> None:
    with open_workspace(seeded_path) as ws:
        plan = plans.add_plan(ws, name="测试区方案", region="120118", base_year=2020)
        target = plans.add_target(
            ws,
            plan=plan.id,
            metric_name="capacity_sum",
            value="100万千瓦",
            year=2025,
            types="wind",
            quote="到2025年，风电装机达到100万千瓦。",
        )
        from gis_carbon.services.progress import evaluate_target

        without = evaluate_target(ws, target.id).current
        add_project(ws, _wind("旧风场", 2018, "50 MW"))  # inside the 2020 stock
        add_project(ws, _wind("新风场", 2023, "30 MW"))  # new since 2020
        add_project(ws, _wind("无年份风场", None, "5 MW"))  # counts as new, named in notes
        plans.record_baseline(
            ws, region="静海区", types="wind", year=2020, value="40万千瓦", source="统计公报"
        )
        result = evaluate_target(ws, target.id)
    assert without is not None
    assert result.current == pytest.approx(400 + without + 30 + 5)
    parts = result.to_json()["parts"]
    assert parts == {
        "baseline": 400.0,
        "new": pytest.approx(without + 35),
        "baseline_years": [2020],
    }
    excluded = {e["name"]: e["reason"] for e in result.to_json()["excluded"]}
    assert "inside the 2020 baseline" in excluded["旧风场"]
    assert any("year unknown" in n for n in result.notes)


def test_baseline_acceptance_tianjin_renewables(
    seeded_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws_args = ("--workspace", str(seeded_path))
    before = {s["target_id"]: s for s in cli_json(capsys, *ws_args, "status", "--plan", "天津市")}[
        RENEWABLES_2025
    ]
    assert "parts" not in before  # without a baseline nothing changes
    assert (
        main(
            [
                *ws_args,
                "record-baseline",
                "--region",
                "天津市",
                "--types",
                "renewable",
                "--year",
                "2020",
                "--value",
                "300万千瓦",
            ]
        )
        == 0
    )
    capsys.readouterr()
    after = {s["target_id"]: s for s in cli_json(capsys, *ws_args, "status", "--plan", "天津市")}[
        RENEWABLES_2025
    ]
    # the seeded named projects have no commissioning year before 2021: all count as new
    assert after["parts"]["baseline"] == 3000.0
    assert after["parts"]["new"] == pytest.approx(before["current"])
    assert after["current"] == pytest.approx(3000.0 + before["current"])
    assert main([*ws_args, "status", "--plan", "天津市"]) == 0
    assert "存量 300 万千瓦 (3000 MW) (2020) + 新增" in capsys.readouterr().out


def test_a_baseline_needs_a_power_value(seeded_path: Path) -> None:
    with open_workspace(seeded_path) as ws, pytest.raises(GisCarbonError):
        plans.record_baseline(ws, region="天津市", types="wind", year=2020, value="30万亩")


# ------------------------------------------------------------------ parks (园区)
def test_a_park_plan_counts_only_projects_inside_the_park(
    seeded_path: Path, tmp_path: Path
) -> None:
    from gis_carbon.services.imports import import_file

    park = tmp_path / "parks.geojson"
    square = [[117.00, 38.90], [117.06, 38.90], [117.06, 38.96], [117.00, 38.96], [117.00, 38.90]]
    park.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "静海经济开发区"},
                        "geometry": {"type": "Polygon", "coordinates": [square]},
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    with open_workspace(seeded_path) as ws:
        layer = import_file(ws, park, as_layer="parks", role="reference").layer
        assert layer is not None
        plan = plans.add_plan(
            ws, name="静海经济开发区碳达峰方案", region_layer=layer.id, feature="静海经济开发区"
        )
        assert (plan.region_code, plan.region_name) == (f"layer:{layer.id}/1", "静海经济开发区")
        target = plans.add_target(
            ws,
            plan=plan.id,
            metric_name="capacity_sum",
            value="10万千瓦",
            year=2025,
            types="wind",
            quote="到2025年，园区风电装机达到10万千瓦。",
        )
        add_project(ws, _wind("园区风场", 2024, "60 MW", lon=117.03, lat=38.93))
        add_project(ws, _wind("园区外风场", 2024, "70 MW", lon=116.93, lat=38.80))
        from gis_carbon.services.progress import evaluate_target

        result = evaluate_target(ws, target.id)
    names = {c["name"] for c in result.to_json()["contributors"]}
    assert names == {"园区风场"}
    assert result.current == 60.0
    assert result.percent == pytest.approx(60.0)


def test_the_stock_shows_beside_the_new_projects_in_rollup_html_and_excel(
    seeded_path: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from gis_carbon.services.exports import export
    from gis_carbon.services.progress import rollup

    with open_workspace(seeded_path) as ws:
        plans.record_baseline(ws, region="天津市", types="renewable", year=2020, value="300万千瓦")
        rows = {r.progress.target.id: r for r in rollup(ws, "天津市")}
        export(ws, "html", tmp_path / "tj.html", plan="天津市")
        export(ws, "xlsx", tmp_path / "tj.xlsx", plan="天津市")
    districts = {d.region_code: d for d in rows[RENEWABLES_2025].districts}
    assert (districts["120000"].region_name, districts["120000"].value) == ("存量 天津市", 3000.0)
    html_text = (tmp_path / "tj.html").read_text(encoding="utf-8")
    assert "存量 300 (2020) + 新增" in html_text
    sheet = load_workbook(tmp_path / "tj.xlsx")["目标"]
    header = [c.value for c in sheet[1]]
    stock_column = header.index("其中存量")
    stock = [r[stock_column] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert 300 in stock
