"""Text encodings of files from Chinese sources: honour what the file declares, else detect.

Shapefiles exported by Chinese Windows software are usually GBK without a ``.cpg``; CSV
ledgers saved by Excel are GBK or UTF-8 with a BOM. Detection is deliberately simple and
strict: UTF-8 (which pure ASCII also passes), then GB18030 (a superset of GBK and GB2312).
Nothing is ever decoded with ``errors="replace"``: a U+FFFD in stored text is lost text.
"""

from __future__ import annotations

import codecs
import struct
from pathlib import Path

from gis_carbon.errors import InputFileError

# What the detector tries, in order, when a file declares nothing.
CANDIDATES = ("utf-8", "gb18030")

# .cpg contents and code-page numbers seen in the wild, to Python codec names. GBK/CP936 data
# is read as GB18030: a strict superset, so it decodes every GBK file and a few more.
_CODE_PAGES = {
    "65001": "utf-8",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "936": "gb18030",
    "cp936": "gb18030",
    "ansi 936": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "54936": "gb18030",
    "950": "big5",
    "big5": "big5",
    "1252": "cp1252",
    "ansi 1252": "cp1252",
    "88591": "latin-1",
    "iso-8859-1": "latin-1",
}

REPLACEMENT_CHARACTER = "\ufffd"


def normalise_encoding(name: str) -> str:
    """A Python codec name for an encoding a user or a ``.cpg`` file names ('936', 'GBK')."""
    key = str(name).strip().lower().replace("_", "-")
    codec = _CODE_PAGES.get(key) or _CODE_PAGES.get(key.replace("-", ""))
    if codec is None:
        try:
            codec = codecs.lookup(key).name
        except LookupError:
            raise InputFileError(
                f"unknown text encoding {name!r}; use e.g. --encoding gbk or --encoding utf-8"
            ) from None
    return codec


def detect_encoding(data: bytes, *, what: str) -> str:
    """The first of UTF-8 and GB18030 that decodes ``data`` strictly; else InputFileError."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for codec in CANDIDATES:
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    raise InputFileError(
        f"{what}: the text is neither UTF-8 nor GBK/GB18030; name its encoding with --encoding"
    )


def decode_strict(data: bytes, codec: str, *, what: str) -> str:
    """Decode or raise InputFileError naming where the first undecodable byte is."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{what}: byte {exc.start} cannot be read as {codec}; name the right encoding with "
            "--encoding"
        ) from None
    check_no_replacement(text, what=what)
    return text


def check_no_replacement(text: str, *, what: str) -> None:
    """Refuse text that already carries U+FFFD: it was mis-decoded somewhere upstream."""
    if REPLACEMENT_CHARACTER in text:
        raise InputFileError(
            f"{what}: {text[:40]!r} contains U+FFFD (text lost in a wrong decoding); name the "
            "file's encoding with --encoding"
        )


def read_cpg(shp_path: Path) -> str | None:
    """The codec a shapefile's ``.cpg`` declares (any case of the extension), or None."""
    for suffix in (".cpg", ".CPG", ".Cpg"):
        cpg = shp_path.with_suffix(suffix)
        if cpg.exists():
            text = cpg.read_bytes().decode("ascii", errors="strict").strip()
            return normalise_encoding(text) if text else None
    return None


def dbf_text_bytes(dbf_path: Path, *, max_bytes: int = 8 * 1024 * 1024) -> bytes:
    """The field names and character fields of a dBase file, concatenated (up to max_bytes).

    Only these bytes carry text: the header's numbers and numeric fields would make any
    strict decoder fail, so the detector must not see them."""
    with dbf_path.open("rb") as handle:
        header = handle.read(32)
        if len(header) < 32:
            raise InputFileError(f"{dbf_path.name}: not a dBase file (too short)")
        n_records, header_len, record_len = struct.unpack("<IHH", header[4:12])
        descriptors = handle.read(max(header_len - 32, 0))
        fields: list[tuple[str, int, int]] = []  # (type, offset in record, length)
        names = bytearray()
        offset = 1  # byte 0 of each record is the deletion flag
        for start in range(0, len(descriptors) - 31, 32):
            desc = descriptors[start : start + 32]
            if desc[0] == 0x0D:
                break
            names += desc[:11].split(b"\0", 1)[0] + b" "
            ftype, length = chr(desc[11]), desc[16]
            fields.append((ftype, offset, length))
            offset += length
        text = bytearray(names)
        char_fields = [(o, n) for t, o, n in fields if t in "CM"]
        if record_len <= 0 or not char_fields:
            return bytes(text)
        handle.seek(header_len)
        for _ in range(n_records):
            record = handle.read(record_len)
            if len(record) < record_len or len(text) > max_bytes:
                break
            for o, n in char_fields:
                text += record[o : o + n].rstrip(b" \0") + b" "
        return bytes(text)


def shapefile_encoding(shp_path: Path, *, declared: str | None = None) -> str:
    """The encoding to read a shapefile's attributes with: the user's, the .cpg's, or detected."""
    if declared:
        return normalise_encoding(declared)
    from_cpg = read_cpg(shp_path)
    if from_cpg:
        return from_cpg
    dbf = next(
        (p for p in (shp_path.with_suffix(".dbf"), shp_path.with_suffix(".DBF")) if p.exists()),
        None,
    )
    if dbf is None:
        return "utf-8"
    return detect_encoding(dbf_text_bytes(dbf), what=dbf.name)


def decode_zip_name(info_name: str, flag_bits: int) -> str:
    """The real name of a zip entry. Without the UTF-8 flag Python decodes names as CP437;
    Chinese Windows wrote them in CP936, so undo that and try UTF-8, then GB18030."""
    if flag_bits & 0x800:
        return info_name
    raw = info_name.encode("cp437")
    for codec in CANDIDATES:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info_name
