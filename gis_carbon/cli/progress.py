"""Progress against targets: status, rollup, chart, record-indicator."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gis_carbon.cli import add_command, open_from_args, print_json, print_table
from gis_carbon.errors import ValidationError

if TYPE_CHECKING:
    pass

_POLICIES = ("operating", "construction", "pipeline")


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers,
        "status",
        cmd_status,
        "progress of each target: quoted sentence, target, operating and pipeline values, "
        "%, gap and verdict",
    )
    cmd.add_argument("--plan", help="plan id or region name (default: every plan)")
    cmd.add_argument("--year", type=int, help="only the targets of this year (2025, 2030 …)")
    cmd.add_argument("--as-of", type=int, help="count only projects commissioned by this year")
    cmd.add_argument(
        "--count",
        choices=_POLICIES,
        default="pipeline",
        help="which projects count for %%, gap and verdict: operating only, + under "
        "construction, or the whole pipeline (default)",
    )
    cmd.add_argument(
        "--metric", action="append", help="only this metric (capacity_sum, indicator …; repeatable)"
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        subparsers,
        "rollup",
        cmd_rollup,
        "a city plan's summed targets against its districts' contributions",
    )
    cmd.add_argument("--plan", required=True, help="plan id or region name, e.g. 天津市")
    cmd.add_argument("--count", choices=_POLICIES, default="pipeline", help="status policy")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        subparsers,
        "chart",
        cmd_chart,
        "draw a plan's progress bars and capacity trajectories to a PNG",
    )
    cmd.add_argument("--plan", required=True, help="plan id or region name")
    cmd.add_argument("--out", required=True, help="output PNG file")
    cmd.add_argument("--lang", choices=("zh", "en"), default="zh", help="label language")

    cmd = add_command(
        subparsers,
        "record-indicator",
        cmd_record_indicator,
        "record the value of an indicator (非化石能源消费比重 …) for a region and year",
    )
    cmd.add_argument("--indicator", required=True, help="indicator name, e.g. non_fossil_share")
    group = cmd.add_mutually_exclusive_group(required=True)
    group.add_argument("--plan", help="plan id or region name: its region")
    group.add_argument("--region", help="region code (GB/T 2260)")
    cmd.add_argument("--year", required=True, help="the year the value is for")
    cmd.add_argument("--value", required=True, help='the value, e.g. "10.5" or "10.5%%"')
    cmd.add_argument("--unit", help="its unit (default: the target's)")
    cmd.add_argument("--source", default="", help="where the value comes from")
    cmd.add_argument("--json", action="store_true", help="print the stored value as JSON")


# ---------------------------------------------------------------------------- formatting


def format_value(target: Any, value: float | None) -> str:
    from gis_carbon.services.progress import value_text

    return value_text(target, value)


def _target_text(target: Any) -> str:
    from gis_carbon.services.progress import target_text

    return target_text(target)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


# ---------------------------------------------------------------------------- commands


def cmd_status(args: argparse.Namespace) -> None:
    from gis_carbon.cli.terminal import terminal_feedback
    from gis_carbon.services.progress import status_json, status_rows

    with open_from_args(args) as ws:
        plans = [ws.plan(args.plan)] if args.plan else None
        with terminal_feedback(args, unit="targets") as feedback:
            out = status_rows(
                ws,
                plans,
                count=args.count,
                year=args.year,
                as_of=args.as_of,
                metrics=args.metric,
                feedback=feedback,
            )
        if args.json:
            print_json([status_json(row) for row in out])
            return
        _print_status(out, args.count)


def _print_status(rows: list[dict[str, Any]], policy: str) -> None:
    from gis_carbon.services.progress import StatusPolicy

    chosen = StatusPolicy(policy)
    table, footnotes = [], []
    for n, row in enumerate(rows, start=1):
        progress, target = row["progress"], row["progress"].target
        operating = row["by_policy"]["operating"]
        pipeline = row["by_policy"]["pipeline"]
        table.append(
            (
                n,
                f"{row['plan'].region_name} {target.name_zh}",
                target.year,
                _target_text(target),
                format_value(target, operating.current),
                format_value(target, pipeline.current),
                _percent(progress.percent),
                format_value(target, progress.gap),
                f"{progress.verdict.name_zh} {progress.verdict.value}",
            )
        )
        lines = [f"[{n}] 「{target.quote}」"]
        parts = progress.to_json().get("parts")
        if parts:
            years = "、".join(str(y) for y in parts["baseline_years"])
            lines.append(
                f"     存量 {format_value(target, parts['baseline'])} ({years})"
                f" + 新增 {format_value(target, parts['new'])}"
            )
        if progress.reason:
            lines.append(f"     无数据: {progress.reason}")
        lines.extend(f"     注: {note}" for note in progress.notes)
        footnotes.append("\n".join(lines))
    print_table(
        table,
        [
            "#",
            "目标 target",
            "年份",
            "目标值 target",
            "投产 operating",
            "全部规划 pipeline",
            f"% ({chosen.name_zh})",
            "差距 gap",
            "判断 verdict",
        ],
    )
    if footnotes:
        print()
        print("\n".join(footnotes))


def cmd_rollup(args: argparse.Namespace) -> None:
    from gis_carbon.services.progress import rollup

    with open_from_args(args) as ws:
        rows = rollup(ws, args.plan, policy=args.count)
        if args.json:
            print_json(
                [
                    {
                        **row.progress.to_json(),
                        "districts": [
                            {
                                "region_code": d.region_code,
                                "region_name": d.region_name,
                                "value": round(d.value, 6),
                                "plan_id": d.plan_id,
                                "own_target": None
                                if d.own_target is None
                                else {
                                    "target_id": d.own_target.target.id,
                                    "target_value": d.own_target.target.base_value,
                                    "current": d.own_target.current,
                                    "percent": d.own_target.percent,
                                    "verdict": d.own_target.verdict.value,
                                },
                            }
                            for d in row.districts
                        ],
                    }
                    for row in rows
                ]
            )
            return
        for row in rows:
            p, target = row.progress, row.progress.target
            print(
                f"{target.name_zh} {target.year}: {_target_text(target)}; "
                f"current {format_value(target, p.current)} = {_percent(p.percent)}, "
                f"{p.verdict.name_zh} {p.verdict.value}"
            )
            print(f"  「{target.quote}」")
            print_table(
                [
                    (
                        d.region_name,
                        d.region_code,
                        format_value(target, d.value),
                        ""
                        if d.own_target is None
                        else f"{_target_text(d.own_target.target)} → {_percent(d.own_target.percent)}",
                    )
                    for d in row.districts
                ],
                ["district", "code", "contribution", "its own plan's target"],
            )
            print()


def cmd_chart(args: argparse.Namespace) -> None:
    from gis_carbon.services.progress import draw_chart

    with open_from_args(args) as ws:
        path = draw_chart(ws, args.plan, args.out, lang=args.lang)
    print(path)


def cmd_record_indicator(args: argparse.Namespace) -> None:
    from gis_carbon.services.progress import record_indicator

    with open_from_args(args) as ws:
        region_code = ws.plan(args.plan).region_code if args.plan else args.region
        if not region_code:
            raise ValidationError("give --plan or --region", "region", None)
        stored = record_indicator(
            ws,
            args.indicator,
            region_code=region_code,
            year=args.year,
            value=args.value,
            unit=args.unit,
            source=args.source,
        )
        data = dict(stored.__dict__)
        data.pop("id", None)
        if args.json:
            print_json(data)
            return
        print(
            f"recorded {stored.indicator} {stored.region_code} {stored.year}: "
            f"{stored.value:g} {stored.unit}"
        )
