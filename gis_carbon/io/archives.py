"""Zip and KMZ archives, opened safely: every entry is checked before anything is extracted.

A zip bomb declares small compressed sizes and inflates to gigabytes; a crafted entry name
(``../../.bashrc``) writes outside the target folder. Both are refused from the central
directory alone, and extraction then counts the bytes actually inflated, so an archive that
lies about its sizes is stopped at the declared limit too. GDAL never opens the archive:
entries are extracted here, with CP936 names (Chinese Windows) decoded correctly.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gis_carbon.errors import InputFileError
from gis_carbon.io.encoding import decode_zip_name


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may hold. Defaults fit any real GIS delivery with room to spare."""

    max_entries: int = 10_000
    max_total_bytes: int = 2 * 1024**3  # uncompressed, all entries together
    max_ratio: float = 200.0  # uncompressed / compressed, per entry and overall
    ratio_floor_bytes: int = 1024**2  # entries smaller than this may compress arbitrarily well


DEFAULT_LIMITS = ArchiveLimits()
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ArchiveEntry:
    name: str  # decoded, "/"-separated relative path
    info: zipfile.ZipInfo


def _safe_name(path: Path, name: str) -> str:
    unified = name.replace("\\", "/")
    pure = PurePosixPath(unified)
    if (
        unified.startswith("/")
        or (len(unified) > 1 and unified[1] == ":")
        or any(part == ".." for part in pure.parts)
    ):
        raise InputFileError(
            f"{path.name}: entry {name!r} points outside the archive (path traversal); refused"
        )
    return "/".join(part for part in pure.parts if part not in ("", "."))


def inspect_archive(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> list[ArchiveEntry]:
    """The entries of a zip/KMZ, after checking count, sizes, ratios and names."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(f"{path.name}: not a readable zip archive ({exc})") from None
    with archive:
        infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise InputFileError(
            f"{path.name}: {len(infos)} entries, more than the {limits.max_entries} allowed "
            "(zip bomb?); refused"
        )
    entries: list[ArchiveEntry] = []
    total = compressed = 0
    for info in infos:
        name = _safe_name(path, decode_zip_name(info.filename, info.flag_bits))
        total += info.file_size
        compressed += info.compress_size
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise InputFileError(
                f"{path.name}: entry {name!r} inflates {info.file_size / max(info.compress_size, 1):.0f}"
                f"-fold ({info.file_size:,} bytes), above the {limits.max_ratio:.0f}-fold limit "
                "(zip bomb?); refused"
            )
        if total > limits.max_total_bytes:
            raise InputFileError(
                f"{path.name}: entries inflate to more than {limits.max_total_bytes:,} bytes "
                "(zip bomb?); refused"
            )
        if not info.is_dir():
            entries.append(ArchiveEntry(name, info))
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(compressed, 1):
        raise InputFileError(
            f"{path.name}: the archive inflates {total / max(compressed, 1):.0f}-fold, above "
            f"the {limits.max_ratio:.0f}-fold limit (zip bomb?); refused"
        )
    return entries


def extract_archive(path: Path, target: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> list[Path]:
    """Check then extract every file entry under ``target``; the extracted paths."""
    entries = inspect_archive(path, limits)
    written: list[Path] = []
    total = 0
    root = target.resolve()
    with zipfile.ZipFile(path) as archive:
        for entry in entries:
            out = (root / entry.name).resolve()
            if root not in out.parents:
                raise InputFileError(f"{path.name}: entry {entry.name!r} escapes the archive")
            out.parent.mkdir(parents=True, exist_ok=True)
            size = 0
            try:
                with archive.open(entry.info) as src, out.open("wb") as dst:
                    while chunk := src.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        # an entry that inflates beyond what it declared is lying: stop now
                        if size > entry.info.file_size or total > limits.max_total_bytes:
                            raise InputFileError(
                                f"{path.name}: entry {entry.name!r} inflates beyond its declared "
                                "size (zip bomb?); refused"
                            )
                        dst.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise InputFileError(
                    f"{path.name}: entry {entry.name!r} is unreadable ({exc})"
                ) from None
            written.append(out)
    return written


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
