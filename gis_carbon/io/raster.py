"""GeoTIFF rasters: sized up from the TIFF header before GDAL touches the file.

A crafted or simply enormous GeoTIFF (100 000 × 100 000 float64 pixels) would take GDAL
far past the memory of a desktop when the app later reads it. The header's first image
directory states width, height, bands and sample size; a raster whose pixels would need
more than the budget is refused from those numbers alone, with GDAL never opened.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from gis_carbon.errors import InputFileError

RASTER_SUFFIXES = (".tif", ".tiff")
DEFAULT_BUDGET_BYTES = 1024**3  # 1 GiB of pixels

_TAGS = {256: "width", 257: "height", 258: "bits", 277: "samples"}
# TIFF field types → (struct code, size)
_TYPES = {1: ("B", 1), 3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}


@dataclass(frozen=True)
class TiffSize:
    width: int
    height: int
    samples: int
    bits: int

    @property
    def pixel_bytes(self) -> int:
        return self.width * self.height * self.samples * max(self.bits, 1) // 8


def tiff_size(path: Path) -> TiffSize:
    """Width, height, samples per pixel and bits per sample from the first IFD."""
    with Path(path).open("rb") as handle:
        head = handle.read(16)
        if len(head) < 8 or head[:2] not in (b"II", b"MM"):
            raise InputFileError(f"{Path(path).name}: not a TIFF file")
        order = "<" if head[:2] == b"II" else ">"
        (magic,) = struct.unpack(order + "H", head[2:4])
        if magic == 42:
            (offset,) = struct.unpack(order + "I", head[4:8])
            count_fmt, entry_size, value_size = "H", 12, 4
        elif magic == 43 and len(head) >= 16:
            (offset,) = struct.unpack(order + "Q", head[8:16])
            count_fmt, entry_size, value_size = "Q", 20, 8
        else:
            raise InputFileError(f"{Path(path).name}: not a TIFF file (magic {magic})")
        handle.seek(offset)
        raw = handle.read(struct.calcsize(count_fmt))
        if len(raw) < struct.calcsize(count_fmt):
            raise InputFileError(f"{Path(path).name}: TIFF header is truncated")
        (count,) = struct.unpack(order + count_fmt, raw)
        if count > 4096:
            raise InputFileError(f"{Path(path).name}: TIFF header is corrupt ({count} tags)")
        table = handle.read(count * entry_size)
        found: dict[str, int] = {"samples": 1, "bits": 1}
        for i in range(count):
            entry = table[i * entry_size : (i + 1) * entry_size]
            if len(entry) < entry_size:
                raise InputFileError(f"{Path(path).name}: TIFF header is truncated")
            tag, ftype = struct.unpack(order + "HH", entry[:4])
            if tag not in _TAGS or ftype not in _TYPES:
                continue
            code, size = _TYPES[ftype]
            value_bytes = entry[entry_size - value_size :]
            if size * _count(entry, order, magic) > value_size:
                # the values do not fit inline (bits per sample, one per band): an offset
                (where,) = struct.unpack(order + ("I" if magic == 42 else "Q"), value_bytes)
                handle.seek(where)
                value_bytes = handle.read(size)
                if len(value_bytes) < size:
                    raise InputFileError(f"{Path(path).name}: TIFF header is truncated")
            (found[_TAGS[tag]],) = struct.unpack(order + code, value_bytes[:size])
    if "width" not in found or "height" not in found:
        raise InputFileError(f"{Path(path).name}: TIFF header has no image size")
    return TiffSize(found["width"], found["height"], found["samples"], found["bits"])


def _count(entry: bytes, order: str, magic: int) -> int:
    if magic == 42:
        return int(struct.unpack(order + "I", entry[4:8])[0])
    return int(struct.unpack(order + "Q", entry[4:12])[0])


def check_raster_budget(path: Path, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> TiffSize:
    size = tiff_size(path)
    if size.width <= 0 or size.height <= 0:
        raise InputFileError(f"{Path(path).name}: raster of {size.width} × {size.height} pixels")
    if size.pixel_bytes > budget_bytes:
        raise InputFileError(
            f"{Path(path).name}: {size.width} × {size.height} pixels × {size.samples} band(s) "
            f"of {size.bits} bits need {size.pixel_bytes / 1024**2:,.0f} MiB, above the "
            f"{budget_bytes / 1024**2:,.0f} MiB budget; refused (clip or resample it first)"
        )
    return size


@dataclass(frozen=True)
class RasterInfo:
    size: TiffSize
    crs: str | None  # WKT or "EPSG:xxxx" as the file declares it
    bounds: tuple[float, float, float, float]  # in the file's CRS
    dtype: str
    count: int


def read_raster_info(path: Path, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> RasterInfo:
    """Budget check from the header, then GDAL (rasterio) reads metadata only."""
    size = check_raster_budget(path, budget_bytes)
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with rasterio.open(path) as src:
            crs = None
            if src.crs:
                epsg = src.crs.to_epsg()
                crs = f"EPSG:{epsg}" if epsg else src.crs.to_wkt()
            # Every block is read once: a truncated or damaged file is refused here rather
            # than imported as a layer that fails (or shows holes) later.
            for band in range(1, src.count + 1):
                for _index, window in src.block_windows(band):
                    src.read(band, window=window)
            return RasterInfo(size, crs, tuple(src.bounds), str(src.dtypes[0]), src.count)
    except RasterioIOError as exc:
        raise InputFileError(f"{Path(path).name}: cannot be read as GeoTIFF: {exc}") from None
