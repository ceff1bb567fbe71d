"""Reading plan documents: candidate targets and named projects from sentences, including
phrasings of other provinces than the five shipped plans, and the same proposals from a
.txt, a .docx and a PDF of one plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis_carbon.analysis.plan_text import (
    chinese_number,
    names_match,
    project_candidates,
    target_candidates,
)
from gis_carbon.errors import InputFileError
from gis_carbon.io.plan_documents import read_plan_document, split_sentences

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
JINGHAI = SEEDS / "002_8f0cb15813cef04d.txt"


def _targets(text: str) -> list[tuple[int, float, str, str]]:
    return [
        (c.year, round(c.value, 2), c.unit, c.comparator)
        for c in target_candidates(split_sentences(text))
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # shipped phrasing
        (
            "到 2025 年，全区可再生能源电力装机容量力争达到 280 万千瓦。",
            [(2025, 280.0, "万千瓦", "ge")],
        ),
        ("到2025年，非化石能源消费比重提高至23%左右。", [(2025, 23.0, "%", "approx")]),
        # other provinces' phrasing
        ("到2025年，全县光伏发电装机规模力争突破50万千瓦。", [(2025, 50.0, "万千瓦", "gt")]),
        ("至2030年，单位GDP能耗较2020年下降18%。", [(2030, 18.0, "%", "ge")]),
        ("“十四五”末，森林覆盖率稳定在45%以上。", [(2025, 45.0, "%", "ge")]),
        ("到2025年底，新增储能规模不少于20万千瓦时。", [(2025, 20.0, "万千瓦时", "ge")]),
        ("到2025年，外受电中绿电比重达到三分之一。", [(2025, 33.33, "%", "ge")]),
        ("到2025年，新建绿色生态城区1至2个。", [(2025, 1.0, "个", "ge")]),
        ("到2025年，建成两座加氢站。", [(2025, 2.0, "座", "ge")]),
        ("到2025年，城区公共充电服务半径小于2公里。", [(2025, 2.0, "公里", "lt")]),
        ("到2030年，海水淡化规模达到55万吨/日。", [(2030, 55.0, "万吨/日", "ge")]),
        # a statement about the base year is no goal
        ("2020年，全市可再生能源装机达到300万千瓦。", []),
        # two goals of one noun, two years
        (
            "到 2025 年，城镇建筑可再生能源替代率达到 10%，2030 年达到 15%。",
            [(2025, 10.0, "%", "ge"), (2030, 15.0, "%", "ge")],
        ),
    ],
)
def test_target_phrasings(text: str, expected: list[tuple[int, float, str, str]]) -> None:
    assert _targets(text) == expected


def test_metric_scope_and_aspiration_from_the_words() -> None:
    (target,) = target_candidates(
        split_sentences("到2025年，全县光伏发电装机规模力争突破50万千瓦。")
    )
    assert target.metric == "capacity_sum"
    assert set(target.scope) == {"pv_fishery", "pv_ground", "pv_rooftop"}
    assert target.aspirational
    assert target.name.endswith("光伏发电装机规模")


def test_a_year_broken_across_lines_still_counts() -> None:
    text = "推广农业减排技术，到 2025\n\n年，全区农作物秸秆综合利用率达 98%以上。"
    assert _targets(text) == [(2025, 98.0, "%", "ge")]


def test_chinese_numbers() -> None:
    assert [chinese_number(t) for t in ("一", "两", "十二", "三百", "二十五", "x")] == [
        1.0,
        2.0,
        12.0,
        300.0,
        25.0,
        None,
    ]


def test_named_projects_from_lists_and_capacities() -> None:
    sentences = split_sentences(
        "重点推动国华大邱庄 100MW 渔光互补发电、唐官屯镇大郝庄 20MW 渔光互补发电等重点光伏发电项目建设。\n"
        "规划新建王虎庄、子牙三号、医学城等变电站。\n"
        "全力加快芥园道、勤俭道220千伏变电站扩建工程进度。\n"
    )
    found = {c.name: c for c in project_candidates(sentences)}
    daqiuzhuang = next(c for name, c in found.items() if "国华大邱庄" in name)
    assert daqiuzhuang.capacity == "100MW"
    for name in ("王虎庄变电站", "子牙三号变电站", "医学城变电站"):
        assert name in found
    assert "芥园道220千伏变电站扩建工程" in found
    assert names_match("勤俭道220千伏变电站扩建工程", "勤俭道 220 千伏变电站扩建工程项目")


def test_sections_are_the_headings_above() -> None:
    sentences = split_sentences(
        "## 三、重点任务\n\n### （三）能源绿色低碳转型行动\n\n1. 大力发展新能源。到2025年，光伏达到10万千瓦。\n"
    )
    (target,) = target_candidates(sentences)
    assert target.section == "三（三）1"


def test_every_quote_is_verbatim_in_the_seed(tmp_path: Path) -> None:
    document = read_plan_document(JINGHAI)
    text = JINGHAI.read_text(encoding="utf-8")
    for sentence in document.sentences:
        assert text[sentence.start : sentence.end] == sentence.text
    assert document.title == "天津市静海区碳达峰实施方案"


# ------------------------------------------------------------------ other formats
def _key(path: Path) -> set[tuple[int, float, str]]:
    from gis_carbon.services.plan_import import propose

    return {(t.year, round(t.value, 3), t.unit) for t in propose(path).targets}


def test_docx_and_pdf_of_a_plan_give_the_same_targets_as_its_text(tmp_path: Path) -> None:
    import docx
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    from matplotlib.backends.backend_pdf import PdfPages
    from pypdf import PdfReader

    from gis_carbon.export.charts import find_cjk_font

    lines = JINGHAI.read_text(encoding="utf-8").splitlines()
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    docx_path = tmp_path / "静海区.docx"
    document.save(str(docx_path))

    font = font_manager.FontProperties(fname=find_cjk_font().path)
    pdf_path = tmp_path / "静海区.pdf"
    per_page = 70
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(pdf_path) as pdf:
        for page in range(0, len(lines), per_page):
            figure = plt.figure(figsize=(8.27, 11.69))
            for i, line in enumerate(lines[page : page + per_page]):
                figure.text(0.02, 0.98 - i * 0.0135, line, fontproperties=font, fontsize=5)
            pdf.savefig(figure)
            plt.close(figure)
    assert any("280" in page.extract_text() for page in PdfReader(str(pdf_path)).pages)

    from_text = _key(JINGHAI)
    assert (2025, 280.0, "万千瓦") in from_text
    assert _key(docx_path) == from_text
    from_pdf = _key(pdf_path)
    assert len(from_pdf & from_text) >= 0.95 * len(from_text)


def test_a_scanned_pdf_and_an_old_doc_are_refused_with_a_reason(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    scan = tmp_path / "扫描件.pdf"
    figure = plt.figure()
    figure.figimage(np.random.default_rng(1).random((200, 300)))
    figure.savefig(scan)
    plt.close(figure)
    with pytest.raises(InputFileError, match="no text layer"):
        read_plan_document(scan)
    old = tmp_path / "方案.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputFileError, match=r"\.docx"):
        read_plan_document(old)
