"""One place where a reader's failure becomes the user's error: whatever a format library
raises while reading an input file (a corrupt zip inside an .xlsx, bytes that are not the
declared encoding, a truncated GeoTIFF, a GDAL error) is an InputFileError naming the file
and the reason, in one line. Errors of our own pass through unchanged."""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from gis_carbon.errors import GisCarbonError, InputFileError

# What the reason reads like, by the kind of library failure; the first match wins.
_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (zipfile.BadZipFile, "a damaged zip container"),
    (zlib.error, "a damaged compressed part"),
    (UnicodeDecodeError, "text that is not in its declared encoding"),
    (EOFError, "the file ends too early (truncated)"),
    (MemoryError, "too large to read"),
    (OSError, "unreadable"),
)


def _reason(exc: BaseException) -> str:
    kind = next((text for cls, text in _REASONS if isinstance(exc, cls)), "cannot be read")
    detail = " ".join(str(exc).split())[:200]  # one line, however the library wrote it
    return f"{kind} ({type(exc).__name__}: {detail})" if detail else kind


@contextlib.contextmanager
def reading(path: str | Path) -> Iterator[None]:
    """Run a reader; any failure but our own is an InputFileError naming `path`."""
    try:
        yield
    except GisCarbonError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # a third-party reader may raise anything at all on a bad file
        raise InputFileError(f"{Path(path).name}: {_reason(exc)}") from exc
