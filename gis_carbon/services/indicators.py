"""Indicators from Excel: a template of a plan's recorded indicators with a column per year,
filled in by planners and read back all or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gis_carbon.errors import GisCarbonError, InputFileError
from gis_carbon.model.plan import IndicatorValue, Metric, Target
from gis_carbon.model.storage import WorkspaceStore
from gis_carbon.model.units import format_number
from gis_carbon.services.progress import check_indicator_value, indicator_names

LAST_TEMPLATE_YEAR = 2030
_YEAR_HEADER = re.compile(r"^\s*(\d{4})\s*(年)?\s*$")


def _indicator_targets(ws: WorkspaceStore, plan: str) -> list[Target]:
    owner = ws.plan(plan)
    return [t for t in ws.targets(owner.id) if t.metric is Metric.INDICATOR]


def export_indicator_template(ws: WorkspaceStore, plan: str, path: str | Path) -> Path:
    """Write the plan's indicators to `path` (.xlsx): one row per indicator target with its
    sentence, unit and target, and a column per year from the plan's base year to 2030 (or
    the last target year), with the values recorded so far."""
    from gis_carbon.export.indicator_sheet import IndicatorRow, write_indicator_sheet

    owner = ws.plan(plan)
    targets = _indicator_targets(ws, owner.id)
    first = owner.base_year or 2020
    last = max([LAST_TEMPLATE_YEAR, *(t.year for t in targets)])
    years = list(range(first, last + 1))
    # one row per indicator and region: its 2025 and 2030 targets share the row
    grouped: dict[tuple[str, str], list[Target]] = {}
    for target in targets:
        key = str(target.params.get("indicator") or target.id)
        grouped.setdefault((key, target.region_code), []).append(target)
    rows = []
    for (key, region), group in grouped.items():
        recorded = ws.indicator_values(indicator=key, region_code=region)
        first_target = group[0]
        rows.append(
            IndicatorRow(
                target_id="; ".join(t.id for t in group),
                indicator=key,
                region_code=region,
                name=first_target.name_zh,
                unit=first_target.unit,
                target_text="; ".join(
                    f"{t.comparator.symbol}{format_number(t.value)} {t.unit} ({t.year})"
                    for t in group
                ),
                target_year=max(t.year for t in group),
                quote="\n".join(dict.fromkeys(t.quote for t in group)),
                values={v.year: v.value for v in recorded},
            )
        )
    return write_indicator_sheet(Path(path), rows, years)


@dataclass(frozen=True)
class IndicatorImport:
    recorded: list[IndicatorValue]
    rows: int


def import_indicator_workbook(
    ws: WorkspaceStore, path: str | Path, *, source: str | None = None, dry_run: bool = False
) -> IndicatorImport:
    """Read a filled-in template back: every value checked first (the problems of every row
    listed together), then all written in one transaction; nothing on any problem."""
    from gis_carbon.export.indicator_sheet import HEADERS
    from gis_carbon.io.failures import reading
    from gis_carbon.io.records import InputRowsError
    from gis_carbon.io.tabular import read_table

    path = Path(path)
    with reading(path):
        table = read_table(path)
    indicator_column, region_column = HEADERS[1], HEADERS[2]
    missing = [h for h in (indicator_column, region_column) if h not in table.columns]
    if missing:
        raise InputFileError(
            f"{path.name}: not an indicator template (no column {', '.join(missing)}); make"
            " one with `gis-carbon export-indicators`"
        )
    year_columns = {
        column: int(match.group(1))
        for column in table.columns
        if (match := _YEAR_HEADER.match(str(column)))
    }
    known = indicator_names(ws)
    origin = source if source is not None else f"import:{path.name}"
    values: list[IndicatorValue] = []
    problems: list[str] = []
    for row_number, cells in table.rows:
        indicator = cells.get(indicator_column)
        region = cells.get(region_column)
        if indicator is None:
            problems.append(f"row {row_number}: no indicator")
            continue
        for column, year in year_columns.items():
            cell = cells.get(column)
            if cell is None:
                continue
            try:
                values.append(
                    check_indicator_value(
                        known,
                        str(indicator),
                        region_code=str(region or ""),
                        year=year,
                        value=cell,
                        source=origin,
                    )
                )
            except GisCarbonError as exc:
                problems.append(f"row {row_number}: {column}: {exc}")
    if problems:
        raise InputRowsError(path, problems)
    if not dry_run:
        with ws.transaction():
            for value in values:
                ws.record_indicator(value)
    return IndicatorImport(values, len(table.rows))


__all__ = ["IndicatorImport", "export_indicator_template", "import_indicator_workbook"]
