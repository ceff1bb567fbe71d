"""Writers of the real input files the import tests read: GBK shapefiles, zips with CP936
names, KMZ with Chinese ExtendedData, Excel ledgers with merged two-row headers, GeoTIFFs."""

from __future__ import annotations

import hashlib
import struct
import zipfile
from pathlib import Path

# Points whose county an independent reading of the map confirms (天津西站 in 红桥区 etc.).
JINGHAI = (116.925, 38.9333)  # 静海区 120118
HONGQIAO = (117.16111, 39.15722)  # 天津西站, 红桥区 120106
JINSHI = (111.8778, 29.6056)  # 津市市 430781


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_gbk_shapefile(
    folder: Path, stem: str = "乡镇", *, keep_cpg: bool = False, crs: str | None = "EPSG:4326"
) -> Path:
    """Township polygons with GBK attributes and no .cpg, LDID zeroed (as many Chinese
    tools leave them), so only content detection can get the names right."""
    import geopandas as gpd
    import pyogrio
    from shapely.geometry import box

    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(
        {
            "XZQDM": ["120118100", "120118101"],
            "XZQMC": ["静海镇", "大邱庄镇"],
            "备注": ["团泊新城西片区", "渔光互补基地"],
        },
        geometry=[box(116.90, 38.90, 116.96, 38.96), box(116.80, 38.82, 116.86, 38.88)],
        crs=crs or "EPSG:4326",
    )
    path = folder / f"{stem}.shp"
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0  # no language driver id
    dbf.write_bytes(bytes(data))
    if not keep_cpg:
        path.with_suffix(".cpg").unlink()
    if crs is None:
        path.with_suffix(".prj").unlink()
    return path


class _CP936Info(zipfile.ZipInfo):
    """A zip entry whose name is stored as CP936 bytes without the UTF-8 flag, as the zip
    tools of Chinese Windows write it."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_with_gbk_names(files: list[Path], target: Path, folder: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            info = _CP936Info(folder + file.name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
    return target


def write_kmz(target: Path) -> Path:
    lon, lat = JINGHAI
    kml = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>奥维导出</name>
<Folder><name>新能源项目</name>
<Placemark><name>国华大邱庄渔光互补</name>
<ExtendedData>
<Data name="项目名称"><value>国华大邱庄100MW渔光互补</value></Data>
<Data name="项目类型"><value>渔光互补</value></Data>
<Data name="装机容量"><value>100MW</value></Data>
<Data name="建设状态"><value>在建</value></Data>
<Data name="业主单位"><value>国华能源投资有限公司</value></Data>
</ExtendedData>
<Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>
</Folder></Document></kml>"""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", kml.encode("utf-8"))
    return target


LEDGER_ROWS = [
    # 序号, 项目名称, 项目类型, 装机容量(MW), 建设状态, 投产年份, 经度, 纬度, 备注
    (1, "大邱庄渔光互补", "渔光互补", 100, "规划", "2025年", "116°55′30″E", "38°56′00″N", "静海"),
    (2, "中旺镇风电", "风电", "10万千瓦", "前期", 2024, "116 50 00", "38 51 00", "单元格带单位"),
    (3, "红桥屋顶光伏", "屋顶光伏", 2.5, "在建", 2023, "117°09'40\"E", "39°09'26\"N", "天津西站"),
    (4, "津市渔光互补", "渔光互补", 50, "投产", 2022, "111°52′40″E", "29°36′20″N", "湖南"),
]


def write_ledger(target: Path, rows: list[tuple] | None = None) -> Path:
    """A 项目台账 as offices make them: a merged title row, then a two-row header where
    坐标 spans 经度 and 纬度 and the other headers are merged down over both rows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "项目台账"
    sheet["A1"] = "静海区新能源项目台账（2024年）"
    sheet.merge_cells("A1:I1")
    headers = ["序号", "项目名称", "项目类型", "装机容量(MW)", "建设状态", "投产年份"]
    for col, text in enumerate(headers, start=1):
        sheet.cell(2, col, text)
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    sheet["G2"] = "坐标"
    sheet.merge_cells("G2:H2")
    sheet["G3"] = "经度"
    sheet["H3"] = "纬度"
    sheet["I2"] = "备注"
    sheet.merge_cells("I2:I3")
    for r, row in enumerate(rows if rows is not None else LEDGER_ROWS, start=4):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c, value)
    book.save(target)
    return target


def write_tiff_header(
    target: Path, width: int, height: int, bits: int = 64, samples: int = 1
) -> Path:
    """A little-endian TIFF whose first IFD claims width × height pixels; no pixel data."""
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, bits),
        (277, 3, 1, samples),
        (273, 4, 1, 0),
        (279, 4, 1, 0),
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, ftype, count, value in entries:
        packed = struct.pack("<H", value) + b"\0\0" if ftype == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, ftype, count) + packed
    ifd += struct.pack("<I", 0)
    target.write_bytes(b"II" + struct.pack("<HI", 42, 8) + ifd)
    return target


def write_geotiff(target: Path, width: int = 60, height: int = 40) -> Path:
    import numpy as np
    import rasterio
    from affine import Affine

    with rasterio.open(
        target,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs="EPSG:4490",
        transform=Affine(0.005, 0, 116.8, 0, -0.005, 39.0),
    ) as dst:
        dst.write(np.arange(width * height, dtype="float32").reshape(1, height, width))
    return target
