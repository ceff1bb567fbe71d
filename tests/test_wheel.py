"""A built wheel works on its own: installed into a fresh virtualenv, its `gis-carbon`
exports an HTML map and checks a site, its `gis-carbon-app` renders the window, and the
analyst example runs, all with the package data read from the installed package."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SITE = "POLYGON ((116.93 38.85, 116.95 38.85, 116.95 38.87, 116.93 38.87, 116.93 38.85))"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; the dependencies are made visible by a .pth line
    naming this interpreter's site-packages (a .pth path is only appended to sys.path: the
    .pth files inside it, such as the editable install of the checkout, do not run)."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(REPO)],
        check=True,
        timeout=600,
    )
    (wheel,) = dist.glob("gis_carbon-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "outer-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return venv


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GIS_CARBON_WORKSPACE")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["GIS_CARBON_CACHE_DIR"] = os.environ.get("GIS_CARBON_CACHE_DIR", str(REPO / ".cache"))
    env["HOME"] = str(tmp_path)  # no per-user workspace or settings from the developer
    return env


def _run(venv: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / argv[0]), *argv[1:]],
        cwd=tmp_path,  # not the checkout: `import gis_carbon` must find the wheel's copy
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_the_package_comes_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    result = _run(
        installed,
        tmp_path,
        "python",
        "-c",
        "import gis_carbon, gis_carbon.resources as r; print(gis_carbon.__file__);"
        " print(r.resource_path('web', 'leaflet.js'))",
    )
    assert result.returncode == 0, result.stderr
    module, leaflet = result.stdout.split()
    assert module.startswith(str(installed)), module
    assert leaflet.startswith(str(installed)) and Path(leaflet).is_file()


@pytest.mark.slow
def test_export_html_and_check_site_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "ws.gcarbon.gpkg"
    out = tmp_path / "jinghai.html"
    result = _run(
        installed, tmp_path, "gis-carbon", "--workspace", str(workspace), "export", "html",
        str(out), "--plan", "静海区",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "国华大邱庄" in page
    assert "Leaflet" in page and "<script src=" not in page  # inlined, works offline
    result = _run(
        installed, tmp_path, "gis-carbon", "--workspace", str(workspace), "check-site",
        "--wkt", SITE, "--type", "pv_ground", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # the 2 × 2 km square: ~3.85 km² = ~5,780 亩, measured in the zone's Gauss–Krüger CRS,
    # against the siting rules read from the installed package
    assert report["crs"] == "EPSG:4548"
    assert report["footprint_mu"] == pytest.approx(report["footprint_m2"] / 666.6667, rel=1e-4)
    assert 5500 < report["footprint_mu"] < 6000
    assert report["type"] == "pv_ground" and "capacity_hint" in json.dumps(report)


@pytest.mark.slow
@pytest.mark.qt
def test_the_window_renders_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    result = _run(
        installed, tmp_path, "gis-carbon-app", "--workspace", str(tmp_path / "ws.gcarbon.gpkg"),
        "--plan", "静海区", "--screenshot", str(shot), "--size", "1200x800",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1200, 800)


@pytest.mark.slow
def test_the_analyst_example_runs_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    result = _run(
        installed, tmp_path, "python", str(REPO / "docs" / "analyst_example.py"),
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "capacity_by_county.png").exists()
