"""Helpers for the export tests: the real clients (ogrinfo, validate_gpkg, Chromium)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

OGRINFO = shutil.which("ogrinfo")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# validate_gpkg.py comes with GDAL's Python bindings (Debian python3-gdal, or pip gdal-utils
# next to a GDAL-enabled osgeo); the system Python has them here, the venv need not.
VALIDATE_GPKG_PYTHONS = [sys.executable, "/usr/bin/python3"]


def ogrinfo(*args: str | Path) -> str:
    if OGRINFO is None:
        pytest.skip("ogrinfo (Debian gdal-bin) is not installed")
    done = subprocess.run(
        [OGRINFO, "-ro", *map(str, args)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def feature_counts(path: Path | str) -> dict[str, int]:
    """Layer name -> feature count, as `ogrinfo -al -so` reports them."""
    out = ogrinfo("-al", "-so", path)
    counts, layer = {}, None
    for line in out.splitlines():
        if line.startswith("Layer name: "):
            layer = line.removeprefix("Layer name: ").strip()
        elif line.startswith("Feature Count: ") and layer is not None:
            counts[layer] = int(line.removeprefix("Feature Count: "))
    return counts


def validate_gpkg(path: Path) -> subprocess.CompletedProcess[str]:
    for python in VALIDATE_GPKG_PYTHONS:
        if not Path(python).exists():
            continue
        probe = subprocess.run(
            [python, "-c", "import osgeo_utils.samples.validate_gpkg"], capture_output=True
        )
        if probe.returncode == 0:
            return subprocess.run(
                [python, "-m", "osgeo_utils.samples.validate_gpkg", str(path)],
                capture_output=True,
                text=True,
                timeout=120,
            )
    pytest.skip("validate_gpkg not available (install Debian python3-gdal or pip gdal-utils)")


def chromium(html: Path, *, mode: str, extra_url: str = "", out: Path | None = None) -> str:
    """Run headless Chromium on a local file with networking cut off: DNS resolves nothing and
    every request is sent to a dead proxy. mode 'dom' returns the DOM after scripts ran."""
    if CHROMIUM is None:
        pytest.skip("chromium (Debian chromium) is not installed")
    profile = html.parent / f".chromium-{html.stem}"
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--window-size=1400,900",
        "--virtual-time-budget=5000",
    ]
    if mode == "dom":
        args.append("--dump-dom")
    else:
        assert out is not None
        args.append(f"--screenshot={out}")
    args.append(html.resolve().as_uri() + extra_url)
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
