"""The offline HTML map in headless Chromium with the network cut off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gis_carbon.services.exports import export
from tests.export.conftest import chromium
from tests.export.test_tabular_exports import add_plain

PAYLOAD = "<img src=x onerror=alert(1)>${alert(2)}"
# The same attack, but one that leaves a trace we can read back if it ever runs.
CANARY = "<img src=x onerror=\"document.title='PWNED'\">${document.title='PWNED2'}`\\"


def test_html_has_no_remote_script_or_stylesheet(seeded, tmp_path: Path):
    path = tmp_path / "jinghai.html"
    export(seeded, "html", path, plan="静海区")
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text, re.I)
    assert not re.search(r"<link[^>]+href=", text, re.I)
    assert not re.search(r"@import|url\((['\"])?https?:", text, re.I)
    assert "cdn.jsdelivr" not in text and "unpkg" not in text
    assert "Leaflet" in text and "国华大邱庄渔光互补发电项目" in text


@pytest.mark.browser
def test_html_draws_every_jinghai_project_offline(seeded, tmp_path: Path):
    path = tmp_path / "jinghai.html"
    export(seeded, "html", path, plan="静海区")
    count = len(seeded.projects(region_code="120118"))
    dom = chromium(path, mode="dom")
    assert 'data-gc-ready="1"' in dom, dom[-3000:]
    assert "data-gc-error=" not in dom
    assert f'data-gc-features="{count}"' in dom
    # one SVG path per project, drawn by Leaflet
    assert len(re.findall(r'<path[^>]*class="gc-project', dom)) == count >= 27
    assert len(re.findall(r'<path[^>]*class="gc-boundary', dom)) >= 1
    # the targets panel shows the plan's targets, with progress
    assert "天津市静海区碳达峰实施方案" in dom
    assert "可再生能源电力装机容量" in dom
    assert "2025 年 ≥ 280 万千瓦（力争）" in dom
    assert f"图例 ({count} 个项目)" in dom
    # no tile layer unless asked for
    assert 'class="leaflet-tile' not in dom and "<img" not in dom


@pytest.mark.browser
def test_html_shows_hostile_names_as_text(seeded, tmp_path: Path):
    add_plain(seeded, PAYLOAD)
    canary = add_plain(seeded, CANARY)
    path = tmp_path / "hostile.html"
    export(seeded, "html", path, plan="静海区")
    dom = chromium(path, mode="dom", extra_url=f"#project={canary.id}")
    assert 'data-gc-ready="1"' in dom, dom[-3000:]
    assert "PWNED" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert not re.search(r"<img[^>]*src=\"?x", dom)  # nothing became an element
    # the popup opened by the link shows the name, escaped, as text
    popup = re.search(r'<div class="gc-title">(.*?)</div>', dom, re.S)
    assert popup is not None, "the popup of the canary project did not open"
    assert popup.group(1) == (
        "&lt;img src=x onerror=\"document.title='PWNED'\"&gt;${document.title='PWNED2'}`\\"
    )
    count = len(seeded.projects(region_code="120118"))  # the seed's and the two added
    assert f'data-gc-features="{count}"' in dom


@pytest.mark.browser
def test_html_screenshot(seeded, tmp_path: Path):
    path = tmp_path / "jinghai.html"
    export(seeded, "html", path, plan="静海区")
    png = tmp_path / "map.png"
    chromium(path, mode="screenshot", out=png)
    assert png.stat().st_size > 20_000  # a drawn map, not a blank page
