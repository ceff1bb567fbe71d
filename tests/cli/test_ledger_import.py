"""Real ledgers: every kind of plant by its generic Chinese name, value maps, a default
status, the refused rows as a grouped summary and a problems table, --skip-invalid."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from gis_carbon.cli import main
from gis_carbon.services.workspace import open_workspace

HEADER = "项目名称,类型,装机容量,建设状态,投产年份,经度,纬度\n"
GENERIC = {  # what ledgers write → the type code it is
    "煤电": "coal_power",
    "水电": "hydro",
    "气电": "gas_power",
    "核电": "nuclear",
    "油电": "oil_power",
    "光伏": "pv",
    "风电": "wind",
    "地热": "geothermal",
    "生物质": "biomass",
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ledger(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_generic_plant_name_imports_and_fossil_counts_toward_no_renewable_target(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws_args = ("--workspace", str(seeded_path))
    before = {
        s["target_id"]: s["current"]
        for s in _run_json(capsys, *ws_args, "status", "--plan", "静海区", "--count", "pipeline")
    }
    rows = [
        f"台账{name},{name},100 MW,投产,2024,116.9{i},38.8{i}\n" for i, name in enumerate(GENERIC)
    ]
    ledger = _ledger(tmp_path / "电厂台账.csv", rows)
    imported = _run_json(capsys, *ws_args, "import", str(ledger))
    assert {p["name"]: p["type"] for p in imported["projects"]} == {
        f"台账{name}": code for name, code in GENERIC.items()
    }
    after = {
        s["target_id"]: s["current"]
        for s in _run_json(capsys, *ws_args, "status", "--plan", "静海区", "--count", "pipeline")
    }
    renewables = "jinghai.renewables_capacity.2025"
    renewable_names = ("光伏", "风电", "水电", "地热", "生物质")
    added = after[renewables] - before[renewables]
    assert added == pytest.approx(100.0 * len(renewable_names))  # no coal, gas, oil, nuclear


def test_value_maps_and_a_default_status(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "光伏台账.csv"
    ledger.write_text(
        "项目名称,类型,装机容量,投产年份,经度,纬度\n"
        "王口光伏,PV-地面,50 MW,2024,116.95,38.85\n"
        "子牙光伏,PV-屋顶,5 MW,2024,116.96,38.86\n",
        encoding="utf-8",
    )
    argv = ["--workspace", str(seeded_path), "import", str(ledger)]
    assert main(argv) == 2  # unknown types, without a map
    capsys.readouterr()
    result = _run_json(
        capsys,
        *argv,
        "--value-map",
        "type:PV-地面=pv_ground",
        "--value-map",
        "type:PV-屋顶=pv_rooftop",
        "--status",
        "operating",
    )
    assert [(p["type"], p["status"]) for p in result["projects"]] == [
        ("pv_ground", "operating"),
        ("pv_rooftop", "operating"),
    ]
    assert any("stored as operating" in n for n in result["notes"])


def test_a_ledger_with_300_bad_rows_is_summarised_and_listed(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kinds = ["煤矿", "火箭", "核聚变"]
    rows = [f"项目{i},{kinds[i % 3]},10 MW,规划,2025,116.9,38.8\n" for i in range(300)]
    rows += [f"好项目{i},风电,10 MW,规划,2025,116.9,38.8\n" for i in range(20)]
    ledger = _ledger(tmp_path / "台账.csv", rows)
    before = digest(seeded_path)
    assert main(["--workspace", str(seeded_path), "import", str(ledger)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) <= 15
    assert err[0].startswith("300 rows refused")
    assert any("煤矿 (100 rows)" in line and "火箭 (100 rows)" in line for line in err)
    assert digest(seeded_path) == before
    problems = tmp_path / "台账.csv.problems.csv"
    with problems.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 300
    assert {r["column"] for r in table} == {"type"}
    assert table[0]["row"] == "row 2" and table[0]["value"] == "煤矿"
    assert table[0]["suggestion"].startswith("--value-map type:煤矿=")

    # with --json a refused import is a JSON error object
    assert main(["--workspace", str(seeded_path), "import", str(ledger), "--json"]) == 2
    error = json.loads(capsys.readouterr().out)
    assert error["problems"] == 300 and error["problems_file"].endswith(".problems.csv")

    # --skip-invalid: the 20 good rows go in, in one transaction, and the rest are listed
    result = _run_json(
        capsys, "--workspace", str(seeded_path), "import", str(ledger), "--skip-invalid"
    )
    assert result["count"] == 20 and len(result["refused"]) == 300
    assert any("300 rows left out" in n for n in result["notes"])
    with open_workspace(seeded_path) as ws:
        assert sum(p.name.startswith("好项目") for p in ws.projects()) == 20


def test_a_monthly_reimport_with_a_key_updates_instead_of_duplicating(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"风场{i},风电,{50 + i} MW,在建,2025,116.9{i % 10},38.8{i % 7}\n" for i in range(20)]
    ledger = _ledger(tmp_path / "台账11月.csv", rows)
    ws_args = ["--workspace", str(seeded_path)]
    first = _run_json(capsys, *ws_args, "import", str(ledger))
    assert first["count"] == 20

    again = _run_json(capsys, *ws_args, "import", str(ledger), "--key", "项目名称")
    assert {k: len(v) for k, v in again["diff"].items()} == {
        "added": 0, "changed": 0, "unchanged": 20, "missing": 0,
    }  # fmt: skip

    # next month: ten capacities revised, one farm new, one gone
    revised = [
        row.replace(f"{50 + i} MW", f"{70 + i} MW") if i < 10 else row for i, row in enumerate(rows)
    ]
    edited = [*revised[:-1], "风场新,风电,30 MW,规划,2026,116.97,38.87\n"]
    december = _ledger(tmp_path / "台账12月.csv", edited)
    dry = _run_json(capsys, *ws_args, "import", str(december), "--key", "项目名称", "--dry-run")
    diff = dry["diff"]
    assert [c["changes"] for c in diff["changed"]] == [
        {"capacity": [50.0 + i, 70.0 + i]} for i in range(10)
    ]
    assert diff["added"] == ["风场新"] and [m["name"] for m in diff["missing"]] == ["风场19"]
    with open_workspace(seeded_path) as ws:
        assert sum(p.name.startswith("风场") for p in ws.projects()) == 20  # dry: nothing

    assert main([*ws_args, "import", str(december), "--key", "项目名称"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 added, 10 changed, 9 unchanged, 1 missing from the file")
    with open_workspace(seeded_path) as ws:
        farms = {p.name: p for p in ws.projects() if p.name.startswith("风场")}
        assert len(farms) == 21  # 风场19 kept without --delete-missing
        assert farms["风场3"].capacity == 73.0
        history = ws.history(farms["风场3"].id or 0)
        assert [h.action for h in history] == ["insert", "update"]
        assert history[-1].author == "import:台账12月.csv"
        assert history[-1].before["capacity"] == 53.0  # type: ignore[index]

    # importing the same file twice changes nothing
    twice = _run_json(capsys, *ws_args, "import", str(december), "--key", "项目名称")
    assert twice["diff"]["changed"] == [] and twice["diff"]["added"] == []
    gone = _run_json(
        capsys, *ws_args, "import", str(december), "--key", "项目名称", "--delete-missing"
    )
    assert [m["name"] for m in gone["diff"]["missing"]] == ["风场19"]
    with open_workspace(seeded_path) as ws:
        assert not [p for p in ws.projects() if p.name == "风场19"]


def test_commissioning_years_from_1900_and_a_future_year_refused_in_one_line(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws_args = ("--workspace", str(seeded_path))
    rows = [
        "丰满水电站,水电,1002.5 MW,投产,1941,126.68,43.72\n",  # 丰满, Jilin: 1941
        "最早的小水电,水电,0.5 MW,投产,1900,116.91,38.81\n",
        "官厅水电站,水电,30 MW,投产,1958年,116.93,38.82\n",
    ]
    imported = _run_json(capsys, *ws_args, "import", str(_ledger(tmp_path / "存量.csv", rows)))
    assert [(p["name"], p["year"]) for p in imported["projects"]] == [
        ("丰满水电站", 1941),
        ("最早的小水电", 1900),
        ("官厅水电站", 1958),
    ]
    with open_workspace(seeded_path) as ws:
        stored = {p.name: p.year for p in ws.projects() if p.source == "import:存量.csv"}
    assert stored == {"丰满水电站": 1941, "最早的小水电": 1900, "官厅水电站": 1958}

    # beyond the model's horizon: refused, one line naming the file, the row and the value
    future = _ledger(tmp_path / "远期.csv", [rows[0], "未来电站,水电,1 MW,规划,2101,116.9,38.8\n"])
    before = digest(seeded_path)
    assert main([*ws_args, "import", str(future)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "gis-carbon: error: 远期.csv: row 3: year must be a year between 1900 and 2100; "
        f"got 2101 (also in {tmp_path / '远期.csv.problems.csv'})"
    ]
    assert digest(seeded_path) == before

    # before 1900 and after 2100 are typing errors wherever a project year is entered
    for year in ("1899", "2101"):
        argv = [*ws_args, "add-project", "--name", "x", "--type", "hydro", "--lon", "116.9",
                "--lat", "38.8", "--year", year]  # fmt: skip
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"gis-carbon: error: year must be a year between 1900 and 2100; got {year}"]


CITIES_WITHOUT_COUNTIES = {  # name → (lon, lat, city code, MW)
    "东莞": (113.75, 23.02, "441900", 10.0),
    "中山": (113.39, 22.52, "442000", 20.0),
    "嘉峪关": (98.29, 39.77, "620200", 30.0),
    "儋州": (109.58, 19.52, "460400", 40.0),
}


def test_cities_without_counties_are_the_lowest_region_and_the_sea_is_counted(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws_args = ("--workspace", str(seeded_path))
    rows = [
        f"{name}光伏,光伏,{mw} MW,投产,2024,{lon},{lat}\n"
        for name, (lon, lat, _code, mw) in CITIES_WITHOUT_COUNTIES.items()
    ]
    rows += [f"海上风电{i},风电,5 MW,规划,2026,{123.5 + i / 100},29.0\n" for i in range(23)]
    ledger = _ledger(tmp_path / "全国台账.csv", rows)
    result = _run_json(capsys, *ws_args, "import", str(ledger))
    assert result["count"] == 27  # the sea rows are stored too, and counted
    located = {p["name"]: (p["province"], p["city"], p["county"]) for p in result["projects"]}
    for name, (_lon, _lat, code, _mw) in CITIES_WITHOUT_COUNTIES.items():
        assert located[f"{name}光伏"] == (code[:2] + "0000", code, None)
    assert located["海上风电0"] == (None, None, None)
    assert result["outside"] == [f"row {n}" for n in range(6, 29)]
    assert (
        "4 rows in cities without counties, counted under the city: 东莞市 441900 (1), "
        "中山市 442000 (1), 儋州市 460400 (1), 嘉峪关市 620200 (1)"
    ) in result["notes"]
    outside_note = next(n for n in result["notes"] if "outside" in n)
    assert outside_note.startswith("23 rows outside China's regions (at sea or abroad): row 6, ")
    assert outside_note.endswith("row 25 (and 3 more not listed)")
    assert "outside every county" not in " ".join(result["notes"])

    # the status and the roll-up count each city's projects under that city
    _run_json(capsys, *ws_args, "add-plan", "--name", "广东省碳达峰实施方案", "--region", "440000")
    _run_json(capsys, *ws_args, "add-plan", "--name", "东莞市碳达峰实施方案", "--region",
              "441900", "--parent", "广东省")  # fmt: skip
    for plan, value in (("广东省", "100 MW"), ("东莞市", "20 MW")):
        _run_json(capsys, *ws_args, "add-target", "--plan", plan, "--metric", "capacity_sum",
                  "--value", value, "--year", "2025", "--quote", "光伏", "--types", "pv")  # fmt: skip
    (dongguan,) = _run_json(capsys, *ws_args, "status", "--plan", "东莞市")
    assert (dongguan["current"], dongguan["by_region"]) == (10.0, {"441900": 10.0})
    (guangdong,) = _run_json(capsys, *ws_args, "rollup", "--plan", "广东省")
    assert guangdong["current"] == 30.0
    assert [(d["region_name"], d["value"]) for d in guangdong["districts"]] == [
        ("东莞市", 10.0),
        ("中山市", 20.0),
    ]

    # the table printed without --json shows the city as the project's region
    again = _ledger(tmp_path / "东莞.csv", rows[:1])
    assert main([*ws_args, "import", str(again), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "  region  " in out and "441900" in out


FORMULA_LIKE = ['=HYPERLINK("http://x","点我")', "+86 光伏", "-1号风场", "@储能站"]


def test_an_exported_excel_ledger_reimports_with_key_id_unchanged(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    ws_args = ("--workspace", str(seeded_path))
    ledger = tmp_path / "公式.csv"
    with ledger.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["项目名称", "类型", "装机容量", "建设状态", "投产年份", "备注", "经度", "纬度"]
        )
        for i, name in enumerate(FORMULA_LIKE):
            out.writerow([name, "风电", f"{10 + i} MW", "在建", 2025, "=SUM(A1:A9)", 116.9, 38.8])
    _run_json(capsys, *ws_args, "import", str(ledger))

    book_path = tmp_path / "静海区.xlsx"
    assert main([*ws_args, "export", "xlsx", str(book_path), "--plan", "静海区"]) == 0
    capsys.readouterr()
    sheet = load_workbook(book_path)["项目-静海区"]
    header = [c.value for c in sheet[1]]
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    for name in FORMULA_LIKE:  # the value as stored, protected by the cell's quotePrefix
        cell = cells[name][1]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (name, "s", True)
        assert cells[name][header.index("备注")].value == "=SUM(A1:A9)"
    assert not [c for row in sheet.iter_rows() for c in row if str(c.value)[:2] in ("'=", "'-")]
    rows = sheet.max_row - 1
    with open_workspace(ws_args[1]) as ws:  # 静海区's seed projects (points, lines, polygons)
        assert rows == len(ws.projects(region_code="120118"))
    assert rows >= 27 + len(FORMULA_LIKE)

    again = _run_json(capsys, *ws_args, "import", str(book_path), "--key", "id")
    assert {k: len(v) for k, v in again["diff"].items()} == {
        "added": 0, "changed": 0, "unchanged": rows, "missing": 0,
    }  # fmt: skip

    # edited in Excel: one capacity; the import updates that project in place
    book = load_workbook(book_path)
    sheet = book["项目-静海区"]
    mw = [c.value for c in sheet[1]].index("装机容量(MW)") + 1
    target = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "-1号风场")
    sheet.cell(row=target[0].row, column=mw).value = 12.5
    book.save(book_path)
    edited = _run_json(capsys, *ws_args, "import", str(book_path), "--key", "id")
    assert [(c["name"], c["changes"]) for c in edited["diff"]["changed"]] == [
        ("-1号风场", {"capacity": [12.0, 12.5]})
    ]
    with open_workspace(seeded_path) as ws:
        stored = {p.name: p for p in ws.projects() if p.source == "import:公式.csv"}
    assert sorted(stored) == sorted(FORMULA_LIKE)  # no apostrophe stored, nothing duplicated
    assert stored["-1号风场"].capacity == 12.5 and stored["@储能站"].notes == "=SUM(A1:A9)"

    # a CSV export carries the apostrophe; reading it back drops it again
    table = tmp_path / "静海区.csv"
    assert main([*ws_args, "export", "csv", str(table), "--plan", "静海区"]) == 0
    capsys.readouterr()
    assert "'=HYPERLINK" in table.read_text(encoding="utf-8-sig")
    csv_again = _run_json(capsys, *ws_args, "import", str(table), "--key", "id")
    assert {k: len(v) for k, v in csv_again["diff"].items()} == {
        "added": 0, "changed": 0, "unchanged": rows, "missing": 0,
    }  # fmt: skip
