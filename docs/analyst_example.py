"""gis-carbon from Python: an analyst's session, start to end.

    python docs/analyst_example.py [WORKSPACE] [--out FOLDER]

Without WORKSPACE a new workspace is made in a temporary folder (seeded with the five
plans); with one, that workspace is used and CHANGED (two projects are added). The map and
the capacity chart are written to --out (default: that temporary folder).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed

import pandas as pd
from matplotlib import font_manager

import gis_carbon as gc

# Chinese axis labels need a CJK font (Debian: fonts-noto-cjk, or any Noto Sans CJK install).
CJK = sorted({f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name})
matplotlib.rcParams["font.sans-serif"] = [*CJK[:1], "DejaVu Sans"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", nargs="?", help="workspace file (default: a new one)")
    parser.add_argument("--out", help="folder for the map and the chart")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="gis-carbon-example-"))
    out = Path(args.out) if args.out else scratch
    out.mkdir(parents=True, exist_ok=True)

    with gc.open(args.workspace or scratch / "example.gpkg") as ws:
        # 1. The plans, and the projects of one of them as a GeoDataFrame (EPSG:4326).
        print(ws.plans()[["id", "region_name", "name"]].to_string(index=False))
        projects = ws.projects(plan="天津市")
        print(f"\n天津市: {len(projects)} projects, CRS {projects.crs.to_string()}")

        # 2. Filter: the wind and solar projects not yet operating.
        renewables = projects[
            projects["type"].isin(["wind", "pv_fishery", "pv_ground", "pv_rooftop"])
            & (projects["status"] != "operating")
        ]
        print(f"wind and solar not yet operating: {len(renewables)}")

        # 3. Capacity by county with pandas (MW; every type here is measured in MW).
        by_county = (
            renewables.groupby(["county_name", "type_zh"], observed=True)["capacity"]
            .sum()
            .unstack(fill_value=0.0)
        )
        print("\nMW by county and type:\n" + by_county.round(1).to_string())
        ax = by_county.plot.barh(stacked=True, figsize=(8, 5), title="风光装机 MW")
        ax.figure.savefig(out / "capacity_by_county.png", dpi=100, bbox_inches="tight")

        # 4. Progress of 静海区's targets: the figures `gis-carbon status` prints.
        status = ws.status(plan="静海区")
        counted = status[status["verdict"] != "no_data"]
        print("\n" + counted[["name_zh", "year", "percent", "verdict"]].to_string(index=False))

        # 5. Add two projects from a ledger kept in pandas: lon/lat in WGS 84, capacities
        #    as numbers in the type's unit (MW) or with their own unit.
        ledger = pd.DataFrame(
            {
                "name": ["示例渔光互补项目", "示例风电项目"],
                "type": ["渔光互补", "wind"],
                "capacity": ["10万千瓦", 50],
                "status": ["规划", "在建"],
                "year": [2026, 2025],
                "lon": [116.93, 117.02],
                "lat": [38.80, 38.92],
            }
        )
        added = ws.add_projects(ledger)
        print(f"\nadded projects {added.added}")
        # Again with key="name": the same rows update nothing instead of duplicating.
        print(ws.add_projects(ledger, key="name"))

        # 6. The plan on a folium map (open the HTML in a browser; in Jupyter just show `m`).
        m = ws.map(plan="静海区")
        m.save(out / "jinghai_map.html")
        print(f"\nwrote {out / 'jinghai_map.html'} and {out / 'capacity_by_county.png'}")


if __name__ == "__main__":
    main()
