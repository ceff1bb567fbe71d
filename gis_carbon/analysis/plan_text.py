"""Candidate targets and named projects in the sentences of a plan document. Pure functions
on strings, driven by tables of the words Chinese plans use; nothing here reads a file.

A target candidate is a quantity with its unit ("280万千瓦", "23%左右", "2.55 万亩") in a
sentence that sets a goal for a year ("到2025年", "2030年前", "“十四五”期间"), with the
comparator its words give (达到 ≥, 超过 >, 左右 ≈, 控制在…以内 ≤, 力争 = aspirational), the
metric and project types its nouns suggest, and the sentence verbatim. A project candidate is
a named facility (…项目, …工程, …变电站, 王虎庄、子牙三号…等变电站, 国华大邱庄 100MW 渔光互补发电)
with any capacity stated. Every candidate is a proposal for the user to review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol


class SentenceLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def section(self) -> str: ...


# ------------------------------------------------------------------ numbers and units
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_FRACTIONS = {"二分之一": 50.0, "三分之一": 100 / 3, "三分之二": 200 / 3, "四分之一": 25.0,
              "四分之三": 75.0, "五分之一": 20.0}  # fmt: skip


def chinese_number(text: str) -> float | None:
    """一 → 1, 十二 → 12, 三百 → 300, 两 → 2; None for anything else."""
    if not text or any(c not in _CN_DIGITS and c not in _CN_UNITS for c in text):
        return None
    total, digit = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        else:
            total += (digit or 1) * _CN_UNITS[char]
            digit = 0
    return float(total + digit)


# Units as plans write them, longest first so 万千瓦 wins over 千瓦; the value is the unit
# the app knows (model.units) or the word itself for counts.
_UNITS: dict[str, str] = {
    "个百分点": "个百分点",
    "万千瓦时": "万千瓦时",
    "万千瓦": "万千瓦",
    "万kW": "万千瓦",
    "千瓦": "千瓦",
    "兆瓦": "MW",
    "MWh": "MWh",
    "MW": "MW",
    "GW": "GW",
    "kW": "kW",
    "%": "%",
    "％": "%",
    "万公顷": "万公顷",
    "公顷": "公顷",
    "万亩": "万亩",
    "亩": "亩",
    "万平方米": "万平方米",
    "平方米": "平方米",
    "亿立方米": "亿立方米",
    "万立方米": "万立方米",
    "万吨标准煤": "万吨标准煤",
    "吨标准煤": "吨标准煤",
    "万吨": "万吨",
    "公里": "公里",
    "千米": "公里",
    "km": "公里",
    "万辆": "万辆",
    "辆": "辆",
    "个": "个",
    "座": "座",
    "台": "台",
    "家": "家",
    "条": "条",
    "处": "处",
    "所": "所",
    "项": "项",
    "套": "套",
    "min": "min",
    "分钟": "min",
}
_UNIT_PATTERN = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_NUMBER = r"\d+(?:[.．]\d+)?|[零一二两三四五六七八九十百千]+"
# "1至2个", "2—3条": a range counts by its lower bound; "55万吨/日" keeps its per-unit
_QUANTITY = re.compile(
    rf"(?<![\d.．A-Za-z第])(?P<number>{_NUMBER})(?:\s*(?:至|到|—|–|~|-)\s*(?:{_NUMBER}))?"
    rf"\s*(?P<unit>{_UNIT_PATTERN})(?P<per>/[\u4e00-\u9fa5A-Za-z·]{{1,8}})?(?![A-Za-z])"
    r"|(?P<fraction>[二三四五]分之[一二三四])"
)

# ------------------------------------------------------------------ years
_YEAR = re.compile(r"(?:(?P<from>\d{4})\s*[—–-]+\s*)?(?P<year>20[2-6]\d)\s*年(?P<tail>前|底|末)?")
_PERIOD_YEARS = {"十四五": 2025, "十五五": 2030, "十六五": 2035}
_PERIOD = re.compile(r"[“\"]?(十四五|十五五|十六五)[”\"]?(?:期间|时期|末)")
# a year that is a base of comparison, not a goal: 比2020年, 较 2005 年, 2020年的基础上
_BASE_BEFORE = re.compile(r"(比|较|与|相比|以|对比)\s*$")
_BASE_AFTER = re.compile(r"^\s*(的?基础上|水平|相比|基数|基准)")
FIRST_TARGET_YEAR = 2021  # statements about 2020 and before are the baseline, not goals
PEAK_YEAR = 2030  # the carbon peak every 碳达峰实施方案 works towards

# ------------------------------------------------------------------ words
# A clause sets a goal when it holds one of these; each names a comparator (None: keeps ≥).
_CUES: tuple[tuple[str, str | None], ...] = (
    ("左右", "approx"),
    ("不超过", "le"),
    ("以内", "le"),
    ("控制在", "le"),
    ("不高于", "le"),
    ("不大于", "le"),
    ("低于", "lt"),
    ("小于", "lt"),
    ("少于", "lt"),
    ("短于", "lt"),
    ("突破", "gt"),
    ("超过", "gt"),
    ("高于", "gt"),
    ("大于", "gt"),
    ("多于", "gt"),
    ("不低于", "ge"),
    ("不少于", "ge"),
    ("以上", "ge"),
    ("达到", "ge"),
    ("提高到", "ge"),
    ("提高至", "ge"),
    ("提升至", "ge"),
    ("提升到", "ge"),
    ("增长", "ge"),
    ("下降", "ge"),
    ("降低", "ge"),
    ("减少", "ge"),
    ("提高", "ge"),
    ("提升", "ge"),
    ("新增", "ge"),
    ("新建", "ge"),
    ("建成", "ge"),
    ("累计", "ge"),
    ("完成", "ge"),
    ("保持", "ge"),
    ("稳定在", "ge"),
    ("实现", "ge"),
    ("覆盖", "ge"),
    ("达", "ge"),
    ("为", "ge"),
    ("至", "ge"),
)
_ASPIRATIONAL = ("力争", "争取", "努力")
# A sentence that opens with its year or period states a goal even without a verb
_YEAR_LED = re.compile(
    r"^[\s#*]*(?:到|至|在)?\s*(?:20[2-6]\d\s*(?:[—–-]+\s*20[2-6]\d\s*)?年|[“\"]?十[四五六]五)"
)
# "完成唐官屯货运专线建设并投入运营": a facility finished by a year is a milestone target
_DONE = re.compile(r"完成|建成|投入运营|投运|投产|并网")
_MILESTONE_UNITS = (("专线", "条"), ("专用线", "条"), ("铁路", "条"), ("线", "条"), ("站", "座"))
# Nouns of a clause → (metric, project types counted); the first that matches wins.
_SCOPES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("储能", "capacity_sum", ("storage",)),
    ("风电", "capacity_sum", ("wind", "wind_distributed")),
    ("光伏", "capacity_sum", ("pv_fishery", "pv_ground", "pv_rooftop")),
    ("可再生能源", "capacity_sum", ("renewable",)),
    ("新能源", "capacity_sum", ("renewable",)),
    ("充电", "count", ("charging",)),
    ("森林覆盖率", "area_share", ("forest",)),
    ("覆盖率", "indicator", ()),
    ("造林", "area_sum", ("forest",)),
    ("抚育", "area_sum", ("forest",)),
    ("林", "area_sum", ("forest",)),
    ("半径", "coverage_radius", ("charging",)),
)
_CAPACITY_UNITS = {"万千瓦", "千瓦", "MW", "GW", "kW"}
_AREA_UNITS = {"万亩", "亩", "公顷", "万公顷"}


@dataclass(frozen=True)
class TargetCandidate:
    year: int
    value: float
    unit: str
    comparator: str
    aspirational: bool
    metric: str
    scope: tuple[str, ...]
    name: str  # the clause's noun phrase, e.g. 非化石能源消费比重
    quote: str  # the sentence, verbatim
    start: int  # where the sentence starts in the document
    offset: int  # where the value stands in the document
    section: str
    # the sentence gives no year: the plan's horizon (its last goal year) stands in for it
    year_from_horizon: bool = False


@dataclass(frozen=True)
class ProjectCandidate:
    name: str
    capacity: str | None  # as written: "100MW", "2.55 万亩"
    quote: str
    start: int
    section: str
    kind: str = ""  # the word that made it a facility (变电站, 渔光互补…)
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ targets
def _years(text: str) -> list[tuple[int, int]]:
    """(position, year) of every goal year in a sentence (base years left out)."""
    found: list[tuple[int, int]] = []
    for match in _YEAR.finditer(text):
        before, after = text[: match.start()], text[match.end() :]
        if _BASE_BEFORE.search(before) or _BASE_AFTER.match(after):
            continue
        found.append((match.start(), int(match.group("year"))))
    for match in _PERIOD.finditer(text):
        found.append((match.start(), _PERIOD_YEARS[match.group(1)]))
    return sorted(found)


def _value(number: str, unit: str) -> float | None:
    clean = number.replace("．", ".")
    if clean in _FRACTIONS:
        return _FRACTIONS[clean]
    try:
        return float(clean)
    except ValueError:
        return chinese_number(clean)


def _clause(text: str, position: int) -> tuple[str, str]:
    """The clause around a value: the words before it back to the last separator, and the
    few after it (左右, 以上, 以内 follow the number)."""
    start = max(text.rfind(sep, 0, position) for sep in "，,；;：:、（(") + 1
    stop_candidates = [text.find(sep, position) for sep in "，,；;。（("]
    stop = min((s for s in stop_candidates if s >= 0), default=len(text))
    return text[start:position], text[position:stop]


# Words right after a number qualify it, and decide before any verb ("提高至23%左右": about)
_QUALIFIERS = (("左右", "approx"), ("以上", "ge"), ("以内", "le"), ("以下", "le"))


def _comparator(before: str, after: str) -> str | None:
    """The comparator a clause states: a qualifier after the number, else the longest cue
    word in the clause (不少于 over 少于)."""
    head = after.lstrip()[:3]
    for word, comparator in _QUALIFIERS:
        if head.startswith(word):
            return comparator
    words = before + after
    present = [(len(cue), -i, c) for i, (cue, c) in enumerate(_CUES) if cue in words]
    return max(present)[2] if present else None


def _name(before: str) -> str:
    """The noun phrase of a clause: year phrases, cue words and leading verbs removed."""
    text = _YEAR.sub("", before)
    text = _PERIOD.sub("", text)
    text = re.sub(r"[“”\"*#\s]", "", text)
    for cue, _ in _CUES:
        text = text.replace(cue, " ")
    for word in (*_ASPIRATIONAL, "到", "全市", "全区", "全县", "确保", "基本", "每年", "年均"):
        text = text.replace(word, " ")
    return re.sub(r"\s+", "", text)[-24:]


def _scope(name: str, unit: str) -> tuple[str, tuple[str, ...]]:
    for word, metric, scope in _SCOPES:
        if word in name:
            if metric == "capacity_sum" and unit not in _CAPACITY_UNITS:
                continue
            if metric == "area_sum" and unit not in _AREA_UNITS:
                continue
            return metric, scope
    # a count of something that is no project type (企业, 城区, 园区) is a recorded indicator
    return "indicator", ()


def plan_horizon(sentences: Iterable[SentenceLike]) -> int | None:
    """The year a carbon-peak plan runs to: 2030 when it names it (碳达峰 by 2030), else its
    last goal year. Undated commitments are read as holding to it, and say so."""
    goal_years = {y for s in sentences for _, y in _years(s.text) if y >= FIRST_TARGET_YEAR}
    if not goal_years:
        return None
    return PEAK_YEAR if PEAK_YEAR in goal_years else max(goal_years)


def target_candidates(sentences: Iterable[SentenceLike]) -> list[TargetCandidate]:
    """Every quantity that a sentence sets as a goal for a year from 2021 on."""
    found: list[TargetCandidate] = []
    sentences = list(sentences)
    horizon = plan_horizon(sentences)
    context_year: int | None = None
    last_end = -1
    previous = ""
    section: str | None = None
    for sentence in sentences:
        text = sentence.text
        # a new paragraph or numbered item: the year context ends
        if sentence.start > last_end + 2 or sentence.section != section:
            context_year = None
        section = sentence.section
        # a year broken across lines: "…到 2025" / "年，全区…"
        broken = re.search(r"(20[2-6]\d)\s*$", previous)
        if broken and text.lstrip().startswith("年"):
            context_year = int(broken.group(1))
        last_end = sentence.start + len(text)
        years = _years(text)
        if years:
            context_year = years[-1][1]
        quantities: list[TargetCandidate] = []
        for match in _QUANTITY.finditer(text):
            if match.group("fraction"):
                number, unit = match.group("fraction"), "%"
            else:
                number = match.group("number")
                unit = _UNITS[match.group("unit")] + (match.group("per") or "")
            position = match.start()
            if text[match.end() : match.end() + 1] in ("年", "月", "日", "号"):
                continue
            preceding = [y for p, y in years if p < position]
            following = [y for p, y in years if p > position]
            year = preceding[-1] if preceding else following[0] if following else context_year
            undated = year is None
            if undated:
                year = horizon  # "确保生活垃圾无害化处理率达到100%": holds to the horizon
            if year is None or year < FIRST_TARGET_YEAR:
                continue
            before, after = _clause(text, position)
            after = after[len(match.group()) :]
            comparator = _comparator(before, after)
            if comparator is None and _YEAR_LED.match(text):
                comparator = "ge"  # "到2025年，人工造林 2.55 万亩": the goal is the sentence
            if comparator is None:
                continue
            value = _value(number, unit)
            if value is None or value <= 0:
                continue
            # the noun: before the value ("森林覆盖率达到"), else that of the value before it
            # ("…达到 10%，2030 年达到 15%"), else after it ("累计为400家企业…")
            name = _name(before) or (quantities[-1].name if quantities else "") or _name(after)
            if not name:
                continue
            metric, scope = _scope(name, unit)
            quantities.append(
                TargetCandidate(
                    year=year,
                    value=value,
                    unit=unit,
                    comparator=comparator,
                    aspirational=any(w in before for w in _ASPIRATIONAL),
                    metric=metric,
                    scope=scope,
                    name=name,
                    quote=text,
                    start=sentence.start,
                    offset=sentence.start + position,
                    section=sentence.section,
                    year_from_horizon=undated,
                )
            )
        found.extend(quantities)
        year_here = years[-1][1] if years else context_year
        if year_here is not None and year_here >= FIRST_TARGET_YEAR:
            found.extend(_commitments(sentence, year_here, years))
        elif horizon is not None:
            # "巩固散煤“清零”治理成效": an undated commitment holds to the plan's horizon
            found.extend(
                replace(c, year_from_horizon=True) for c in _commitments(sentence, horizon, years)
            )
        found.extend(_milestones(sentence, years or ([(0, context_year)] if context_year else [])))
        previous = text
    return found


# Commitments without a number: 全覆盖 is 100 %, "2030年前碳达峰" a milestone recorded as 1
_FULL_COVERAGE = re.compile(r"(?:实现|达到)?全覆盖|全部实现|全面覆盖|全面实现|全部实施")
_PEAK = re.compile(r"(20[2-6]\d)\s*年前\s*(?:实现)?(?:碳达峰|达到峰值)")
# "煤炭消费保持清零", "巩固散煤“清零”": zero, at most (less is better)
_ZERO = re.compile(r"(?P<name>煤炭消费|散煤|煤炭)[^，。；]{0,4}?“?清零")
# "基本建成“无废城市”", "“无废城市”建设…取得明显成效": a qualitative goal, recorded as 1
_ZERO_WASTE = re.compile(r"建成“?无废城市|无废城市”?建设[^。；]{0,12}?取得明显成效")
# A direction without a level ("煤炭消费继续减少", "装机容量进一步增长"): more than a 0 % change
_DIRECTION_ONLY = re.compile(r"(?:继续|进一步)(?:减少|下降|增长)")


def _commitments(
    sentence: SentenceLike, year: int, years: list[tuple[int, int]]
) -> list[TargetCandidate]:
    text = sentence.text
    out = []

    def candidate(value: float, unit: str, name: str, metric: str, at: int) -> TargetCandidate:
        return TargetCandidate(
            year=year,
            value=value,
            unit=unit,
            comparator="ge",
            aspirational=any(w in text[:at] for w in _ASPIRATIONAL),
            metric=metric,
            scope=(),
            name=name,
            quote=text,
            start=sentence.start,
            offset=sentence.start + at,
            section=sentence.section,
        )

    for match in _FULL_COVERAGE.finditer(text):
        name = _name(_clause(text, match.start())[0]) or "全覆盖"
        out.append(candidate(100.0, "%", name, "indicator", match.start()))
    for match in _ZERO.finditer(text):
        zero = candidate(0.0, "万吨", f"{match.group('name')}清零", "indicator", match.start())
        out.append(replace(zero, comparator="le"))
    for match in _ZERO_WASTE.finditer(text):
        out.append(candidate(1.0, "", "无废城市", "indicator", match.start()))
    for match in _DIRECTION_ONLY.finditer(text):
        # the year of its own period: "“十四五”时期…继续减少，…“十五五”时期…进一步减少"
        own = [y for p, y in years if p < match.start()]
        name = _name(_clause(text, match.start())[0]) or match.group()
        found = candidate(0.0, "%", name + match.group()[-2:], "indicator", match.start())
        out.append(replace(found, comparator="gt", year=own[-1] if own else year))
    for match in _PEAK.finditer(text):
        if text.rfind("《", 0, match.start()) > text.rfind("》", 0, match.start()):
            continue  # 《2030年前碳达峰行动方案》 names a document, it commits to nothing
        out.append(
            replace(
                candidate(1.0, "", "碳达峰", "indicator", match.start()),
                year=int(match.group(1)),
            )
        )
    return out


def _milestones(sentence: SentenceLike, years: list[tuple[int, int]]) -> list[TargetCandidate]:
    """A named facility the sentence says is finished by a year: one milestone per facility
    (value 1, unit from what it is: a line 条, a station 座)."""
    if not years or not _DONE.search(sentence.text) or years[-1][1] < FIRST_TARGET_YEAR:
        return []
    year = years[-1][1]
    out = []
    for project in project_candidates([sentence]):
        unit = next((u for word, u in _MILESTONE_UNITS if word in project.name), "个")
        out.append(
            TargetCandidate(
                year=year,
                value=1.0,
                unit=unit,
                comparator="ge",
                aspirational=False,
                metric="milestone",
                scope=(),
                name=project.name,
                quote=sentence.text,
                start=sentence.start,
                offset=sentence.start + max(0, sentence.text.find(project.name[:4])),
                section=sentence.section,
            )
        )
    return out


# ------------------------------------------------------------------ named projects
_FACILITY_WORDS = (
    "变电站扩建工程", "变电站", "特高压通道", "铁路专用线", "铁路专线", "货运专线", "专用线", "专线",
    "储能电站", "共享储能电站", "加油站", "加气站", "充电站", "110千伏站", "220千伏站", "千伏站",
    "示范工程", "项目", "工程", "基地", "湿地保护和修复", "湿地", "屏障区",
    "储备中心", "储气站", "集散中心", "码头", "锚地", "物流园", "物流区", "产业园", "科技园",
    "供热站", "供热设施", "燃气管道", "示范区",
    "航站楼", "高压管网", "科技城", "集聚发展", "岸电设施", "铁路通道", "一体化等试点",
)  # fmt: skip
_FACILITY = "|".join(re.escape(w) for w in sorted(_FACILITY_WORDS, key=len, reverse=True))
_NAME_CHARS = r"[\u4e00-\u9fa5A-Za-z0-9（）()“”\"—\-]"
_LEADING_VERBS = re.compile(
    r"^(?:[，、；：\s]|重点|积极|大力|全力|加快|有序|稳步|着力|力争|争取|推动|推进|实施|建设|启动|"
    r"完成|开展|打造|规划|新建|谋划|支持|引进|落地|加强|全面|深入|持续|研究|开工|建成|以|和|与|及|"
    r"等|在|将|对|于|的|其中|包括|围绕|依托)+"
)
# "国华大邱庄 100MW 渔光互补发电": a name, a capacity, what it is
_WITH_CAPACITY = re.compile(
    rf"(?P<name>{_NAME_CHARS}{{2,16}}?)\s*(?P<capacity>\d+(?:\.\d+)?\s*(?:MW|GW|万千瓦|兆瓦|MWh))"
    r"\s*(?P<kind>[\u4e00-\u9fa5]{0,6}?(?:渔光互补|农光互补|林光互补|风力发电|风电|光伏|储能|发电))"
)
# "王虎庄、子牙三号、医学城等变电站", "芥园道、勤俭道220千伏变电站扩建工程"
_ITEM_CHARS = r"[\u4e00-\u9fa5A-Za-z（）()“”\"]"  # no digits: "…道220千伏" leaves the voltage
_ENUMERATION = re.compile(
    rf"(?P<items>{_ITEM_CHARS}{{2,14}}(?:、{_ITEM_CHARS}{{2,14}})+)(?:等|共)?\s*"
    rf"(?P<between>\d+\s*(?:个|座|处|千伏|kV)?)?\s*(?P<suffix>{_FACILITY}|湿地保护和修复)"
)
_NAMED = re.compile(rf"(?P<name>{_NAME_CHARS}{{3,40}}?(?:{_FACILITY}))")
_GENERIC_NAMES = re.compile(r"^(?:重点|新能源|相关|一批|若干|各类|有关|示范|基础设施|重大|该|本)")


def _strip_verbs(name: str) -> str:
    return _LEADING_VERBS.sub("", name).strip('“”"')


def project_candidates(sentences: Iterable[SentenceLike]) -> list[ProjectCandidate]:
    """Named facilities, each once per sentence, with the capacity written next to it."""
    found: list[ProjectCandidate] = []
    for sentence in sentences:
        found.extend(_facilities(sentence))
    return found


def _facilities(sentence: SentenceLike) -> list[ProjectCandidate]:
    text = sentence.text
    names: dict[str, ProjectCandidate] = {}

    def add(name: str, capacity: str | None, kind: str) -> None:
        name = _strip_verbs(re.sub(r"\s+", "", name))
        if len(name) < 4 or _GENERIC_NAMES.match(name) or name in names:
            return
        names[name] = ProjectCandidate(name, capacity, text, sentence.start, sentence.section, kind)

    for match in _WITH_CAPACITY.finditer(text):
        name = _strip_verbs(match.group("name"))
        add(f"{name}{match.group('kind')}项目", match.group("capacity"), match.group("kind"))
    for match in _ENUMERATION.finditer(text):
        suffix = (match.group("between") or "") + match.group("suffix")
        suffix = re.sub(r"^\d+\s*(个|座|处)", "", suffix)  # "团泊4个湿地…": the count goes
        for item in match.group("items").split("、"):
            add(f"{_strip_verbs(item).removesuffix('等')}{suffix}", None, match.group("suffix"))
    for match in _NAMED.finditer(text):
        name = match.group("name")
        # the last of a run of facilities: "…通道和天津南特高压变电站扩建工程"
        name = name if name.endswith("示范工程") else re.split(r"[和及与、]", name)[-1]
        add(name, None, "")
    return list(names.values())


# ------------------------------------------------------------------ measuring
def normalised_name(name: str) -> str:
    """A name compared loosely: no spaces, capacities, or generic words."""
    text = re.sub(r"\s+|\*", "", name)
    text = re.sub(r"\d+(?:\.\d+)?(?:MW|GW|万千瓦|兆瓦|万亩|千伏|kV)", "", text)
    for word in ("项目", "工程", "建设", "发电", "扩建", "市", "区", "新能源", "开发利用"):
        text = text.replace(word, "")
    return text


def names_match(a: str, b: str) -> bool:
    x, y = normalised_name(a), normalised_name(b)
    if not x or not y:
        return False
    if x in y or y in x:
        return True
    grams = lambda s: {s[i : i + 2] for i in range(len(s) - 1)}  # noqa: E731
    gx, gy = grams(x), grams(y)
    return bool(gx and gy) and len(gx & gy) / len(gx | gy) >= 0.5


def quotes_overlap(a: str, b: str, at_least: int = 12) -> bool:
    """Whether two sentences share a run of text (quotes cut at different places)."""
    from difflib import SequenceMatcher

    x, y = re.sub(r"\s+", "", a), re.sub(r"\s+", "", b)
    if x in y or y in x:
        return True
    match = SequenceMatcher(None, x, y, autojunk=False).find_longest_match(0, len(x), 0, len(y))
    return match.size >= min(at_least, len(x), len(y))


def dedupe(candidates: Sequence[TargetCandidate]) -> list[TargetCandidate]:
    seen: set[tuple[int, float, str, int]] = set()
    out = []
    for c in candidates:
        key = (c.year, c.value, c.unit, c.offset)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
