"""Reading a plan document (.txt, .docx, a PDF with a text layer) into its sentences, each
with the section it stands in and its exact place in the text, so every quote taken from it
is verbatim."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gis_carbon.errors import InputFileError

# A heading's number, as Chinese plans number them: 一、 （二） 3. （4） 专栏5
_HEADING = re.compile(
    r"^[#\s*]*(?P<number>[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)"
    r"|\d{1,2}[.．、](?!\d)|（\d{1,2}）|专栏\s*\d+)"
)
# Where a sentence ends: the Chinese full stop, question and exclamation marks, a semicolon
# at the end of a clause list item, or the end of a line.
_SENTENCE_END = re.compile(r"[。！？!?]|[；;](?=\s*$)|\n")
# A bold label that opens a paragraph ("**光伏发电：**"): a heading of its own, not quoted.
_LABEL = re.compile(r"^\s*\*\*[^*\n]{1,40}[：:]\*\*")


@dataclass(frozen=True)
class Sentence:
    text: str  # verbatim: text[start:end] of the document
    start: int
    end: int
    section: str  # "二（三）1", the numbers of the headings above it


@dataclass(frozen=True)
class PlanDocument:
    path: Path
    text: str
    title: str
    sentences: list[Sentence]


def _read_txt(path: Path) -> str:
    from gis_carbon.io.encoding import decode_strict, detect_encoding

    data = path.read_bytes()
    return decode_strict(data, detect_encoding(data, what=path.name), what=path.name)


def _read_docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:  # 专栏 tables: one line per row, cells tab-separated
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    if len(re.sub(r"\s", "", text)) < 20:
        raise InputFileError(
            f"{path.name}: this PDF has no text layer (a scan?): run OCR on it first, or give"
            " the plan as .docx or .txt"
        )
    return text


_READERS = {".txt": _read_txt, ".md": _read_txt, ".docx": _read_docx, ".pdf": _read_pdf}
_REFUSED = {
    ".doc": "an old Word .doc: save it as .docx (Word, WPS or LibreOffice) and import that",
    ".wps": "a WPS document: save it as .docx and import that",
}


def read_plan_document(path: str | Path) -> PlanDocument:
    """The document's text, title and sentences; a format it cannot read is refused with
    one line saying what to do instead."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in _REFUSED:
        raise InputFileError(f"{path.name}: {_REFUSED[suffix]}")
    reader = _READERS.get(suffix)
    if reader is None:
        raise InputFileError(
            f"{path.name}: unknown plan document type {suffix!r} (.txt, .docx or a text PDF)"
        )
    from gis_carbon.io.failures import reading

    with reading(path):
        text = reader(path)
    return PlanDocument(path, text, _title(text, path), split_sentences(text))


def _title(text: str, path: Path) -> str:
    """The plan's title: the first line that names a 方案 or 规划, without markdown."""
    for line in text.splitlines():
        clean = line.strip().strip("#* ").strip()
        if 4 <= len(clean) <= 60 and re.search(r"(方案|规划|计划)(（[^）]*）)?$", clean):
            return clean
    return path.stem


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence with its place in `text` and the section numbers above it."""
    sentences: list[Sentence] = []
    levels: list[str] = []
    position = 0
    for line in text.splitlines(keepends=True):
        heading = _HEADING.match(line)
        if heading:
            number = re.sub(r"\s", "", heading.group("number")).rstrip("、.．")
            levels = _section_levels(levels, number)
        body_start = position
        label = _LABEL.match(line)
        if label:
            body_start += label.end()
        for piece_start, piece_end in _pieces(text, body_start, position + len(line)):
            piece = text[piece_start:piece_end]
            stripped_left = len(piece) - len(piece.lstrip(" \t#*>-|"))
            piece_start += stripped_left
            piece = text[piece_start:piece_end].rstrip()
            if len(re.sub(r"[\s*#|]", "", piece)) >= 4:
                sentences.append(
                    Sentence(piece, piece_start, piece_start + len(piece), "".join(levels))
                )
        position += len(line)
    return sentences


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end() if match.group() != "\n" else match.start()
        if stop > cursor:
            pieces.append((cursor, stop))
        cursor = match.end()
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


# The kind of a section number decides its depth: 一、 > （一） > 1. > （1）; a 专栏 sits
# inside the section it follows.
_KINDS = (
    (re.compile(r"^[一二三四五六七八九十]+$"), 0),
    (re.compile(r"^[（(][一二三四五六七八九十]+[）)]$"), 1),
    (re.compile(r"^\d+$"), 2),
    (re.compile(r"^（\d+）$"), 3),
    (re.compile(r"^专栏\d+$"), 4),
)


def _section_levels(levels: list[str], number: str) -> list[str]:
    depth = next((d for pattern, d in _KINDS if pattern.match(number)), 4)
    kept = [lv for lv in levels if _depth(lv) < depth]
    return [*kept, number]


def _depth(number: str) -> int:
    return next((d for pattern, d in _KINDS if pattern.match(number)), 4)
