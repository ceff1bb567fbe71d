"""The offline HTML map in headless Chromium with the network cut off."""

from __future__ import annotations

import re
from collections import Counter
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
def test_html_draws_every_jinghai_project_offline(seeded, tmp_path: Path, jinghai_seeded):
    path = tmp_path / "jinghai.html"
    export(seeded, "html", path, plan="静海区")
    count = len(seeded.projects(region_code="120118"))
    dom = chromium(path, mode="dom")
    assert 'data-gc-ready="1"' in dom, dom[-3000:]
    assert "data-gc-error=" not in dom
    assert f'data-gc-features="{count}"' in dom
    # one SVG path per project drawn on its own (exact, or alone on its approximate spot);
    # approximate points sharing a district/town point are one cluster each
    projects = seeded.projects(region_code="120118")
    approximate = [
        p for p in projects if p.precision.value != "exact" and p.geometry.geom_type == "Point"
    ]
    spots = Counter((round(p.geometry.x, 5), round(p.geometry.y, 5)) for p in approximate)
    clusters = sorted((n for n in spots.values() if n > 1), reverse=True)
    assert count == jinghai_seeded and clusters
    assert len(re.findall(r'<path[^>]*class="gc-project', dom)) == count - sum(clusters)
    assert f'data-gc-approximate="{len(approximate)}"' in dom
    assert f'data-gc-clusters="{",".join(map(str, clusters))}"' in dom
    assert len(re.findall(r'class="leaflet-marker-icon gc-cluster', dom)) == len(clusters)
    assert len(re.findall(r'<path[^>]*class="gc-boundary', dom)) >= 1
    # the targets panel shows the plan's targets, with progress
    assert "天津市静海区碳达峰实施方案" in dom
    assert "可再生能源电力装机容量" in dom
    assert "2025 年 ≥ 280 万千瓦（力争）" in dom
    assert f"图例 ({jinghai_seeded} 个项目)" in dom
    # no tile layer unless asked for
    assert 'class="leaflet-tile' not in dom and "<img" not in dom


@pytest.mark.browser
def test_html_shows_hostile_names_as_text(seeded, tmp_path: Path, jinghai_seeded):
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
    assert f'data-gc-features="{jinghai_seeded + 2}"' in dom  # + the two added


@pytest.mark.browser
def test_html_screenshot(seeded, tmp_path: Path):
    path = tmp_path / "jinghai.html"
    export(seeded, "html", path, plan="静海区")
    png = tmp_path / "map.png"
    chromium(path, mode="screenshot", out=png)
    assert png.stat().st_size > 20_000  # a drawn map, not a blank page


def _hongqiao_spots(seeded) -> dict[tuple[float, float, str], list]:
    """红桥区's approximate point projects grouped by their spot and precision, as seeded
    (the district's point and the 丁字沽 town point)."""
    spots: dict[tuple[float, float, str], list] = {}
    for p in sorted(seeded.projects(plan_id="hongqiao"), key=lambda p: p.id):
        if p.precision.value != "exact" and p.geometry.geom_type == "Point":
            key = (round(p.geometry.x, 6), round(p.geometry.y, 6), p.precision.value)
            spots.setdefault(key, []).append(p)
    return spots


@pytest.mark.browser
def test_html_hongqiao_spots_are_approximate_clusters_that_fan_out(seeded, tmp_path: Path):
    """红桥区's projects sit on two representative points, the district's and the 丁字沽
    town's: one cluster with its count inside a dashed ring each, no exact marker; a
    #project= link fans its member's cluster out into labelled hollow markers, saying how far
    off the site may be (10 km for the district, 5 km for the town)."""
    path = tmp_path / "hongqiao.html"
    export(seeded, "html", path, plan="红桥区")
    page = path.read_text(encoding="utf-8")
    assert '"precision_radius_m":{"village":1000.0,"town":5000.0,"district":10000.0}' in page
    projects = seeded.projects(plan_id="hongqiao")
    spots = _hongqiao_spots(seeded)
    approximate = sum(len(members) for members in spots.values())
    assert approximate == len(projects)  # every 红桥区 project is at a representative point
    assert sorted(key[2] for key in spots) == ["district", "town"]
    counts = sorted((len(members) for members in spots.values()), reverse=True)
    assert all(n > 1 for n in counts)
    dom = chromium(path, mode="dom")
    assert 'data-gc-ready="1"' in dom, dom[-3000:]
    assert f'data-gc-features="{len(projects)}"' in dom
    assert f'data-gc-approximate="{approximate}"' in dom
    assert f'data-gc-clusters="{",".join(map(str, counts))}"' in dom
    clusters = re.findall(r'class="leaflet-marker-icon gc-cluster[^>]*><span>(\d+)</span>', dom)
    assert sorted(map(int, clusters), reverse=True) == counts
    assert len(re.findall(r'<path[^>]*class="gc-approx-ring', dom)) == len(spots)
    assert not re.findall(r'<path[^>]*class="gc-project', dom)  # nothing drawn as exact
    assert f"近似位置（村/乡镇/区县代表点，虚线圈为误差范围）{approximate}" in dom

    km = {"district": 10, "town": 5}
    for (_x, _y, precision), members in spots.items():
        member = members[min(2, len(members) - 1)]
        fanned = chromium(path, mode="dom", extra_url=f"#project={member.id}")
        hollow = re.findall(r'<path[^>]*class="gc-project gc-approximate', fanned)
        assert len(hollow) == len(members), precision
        # the other spot stays one cluster with its count
        left = re.findall(r'class="leaflet-marker-icon gc-cluster[^>]*><span>(\d+)</span>', fanned)
        assert left == [str(len(m)) for m in spots.values() if m is not members]
        labels = re.findall(r"gc-fan-label[^>]*><span>≈ (.*?)</span>", fanned)
        assert sorted(labels) == sorted(p.name for p in members)
        popup = re.search(r'<div class="gc-title">(.*?)</div>', fanned, re.S)
        assert popup is not None and popup.group(1) == member.name
        assert f"实际位置可能相差约 {km[precision]} km" in fanned
    district = next(m for key, m in spots.items() if key[2] == "district")
    assert "本溪路110千伏站" in {p.name for p in district}
