"""Reading what engineers bring: vector files, GeoTIFF rasters, CSV/XLSX ledgers.

Readers check everything (encoding, CRS, archive safety, each row's coordinates and
geometry) and return located records plus every problem found; they never write to a
workspace. :mod:`gis_carbon.services.imports` turns them into layers or projects.
"""

from gis_carbon.geo.coordinates import parse_coordinate
from gis_carbon.io.archives import ArchiveLimits, extract_archive, inspect_archive
from gis_carbon.io.records import InputRowsError, ReadResult, Record
from gis_carbon.io.vector import ARCHIVE_SUFFIXES, VECTOR_SUFFIXES, read_vector

__all__ = [
    "ARCHIVE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "ArchiveLimits",
    "InputRowsError",
    "ReadResult",
    "Record",
    "extract_archive",
    "inspect_archive",
    "parse_coordinate",
    "read_vector",
]
