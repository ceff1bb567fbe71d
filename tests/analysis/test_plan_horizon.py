"""import-plan: a commitment whose sentence gives no year holds to the plan's horizon (2030
for a carbon-peak plan), says so, and a year of another numbered item does not leak in."""

from __future__ import annotations

from gis_carbon.analysis.plan_text import plan_horizon, target_candidates
from gis_carbon.io.plan_documents import Sentence


def sentences(*items: tuple[str, str]) -> list[Sentence]:
    out, start = [], 0
    for section, text in items:
        out.append(Sentence(text=text, start=start, end=start + len(text), section=section))
        start += len(text) + 1  # one newline between lines
    return out


def test_an_undated_commitment_holds_to_2030_and_says_so():
    doc = sentences(
        ("二", "到2025年，非化石能源消费比重达到10%。"),
        ("二", "到2030年，非化石能源消费比重达到15%。"),
        ("三（四）1", "巩固散煤“清零”治理成效，持续开展“回头看”行动。"),
        ("三（七）4", "确保生活垃圾无害化处理率达到100%。"),
    )
    assert plan_horizon(doc) == 2030
    found = {(c.name, c.year, c.value, c.year_from_horizon) for c in target_candidates(doc)}
    assert ("散煤清零", 2030, 0.0, True) in found
    assert ("生活垃圾无害化处理率", 2030, 100.0, True) in found
    assert ("非化石能源消费比重", 2025, 10.0, False) in found


def test_the_year_of_the_previous_item_does_not_leak_into_the_next():
    doc = sentences(
        ("三（三）2", "到2025年，绿色出行比例达到75%。"),
        ("三（四）1", "巩固散煤“清零”治理成效。"),
    )
    zero = [c for c in target_candidates(doc) if c.name == "散煤清零"]
    assert [(c.year, c.year_from_horizon) for c in zero] == [(2025, True)]
