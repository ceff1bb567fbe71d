"""Shared fixtures for the geography tests.

The converted boundaries cache takes ~30 s to build, so the whole session shares one: a
``tmp_path_factory`` directory (fresh every run, nothing left in the repo or the user's cache),
or, to skip the rebuild while iterating, the directory named by ``GIS_CARBON_TEST_CACHE_DIR``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gis_carbon.geo import boundaries as boundaries_module
from gis_carbon.geo import locate


@dataclass(frozen=True)
class BoundaryCache:
    path: Path
    geojson_reads_while_building: int  # 0 when a persistent cache was already there


@pytest.fixture(scope="session")
def boundary_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoundaryCache]:
    # tests/conftest.py points GIS_CARBON_CACHE_DIR at the repo's .cache/ so the whole suite
    # (and later runs) share one converted cache.
    cache_dir = (
        os.environ.get("GIS_CARBON_TEST_CACHE_DIR")
        or os.environ.get(boundaries_module.CACHE_DIR_ENV)
        or str(tmp_path_factory.mktemp("gis-carbon-cache"))
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(boundaries_module.CACHE_DIR_ENV, cache_dir)
        boundaries_module.clear_memory_cache()
        locate.reset_default_index()

        reads: list[Path] = []
        read_geojson = boundaries_module._read_geojson_geometry

        def counting_read(path: Path):  # type: ignore[no-untyped-def]
            reads.append(path)
            return read_geojson(path)

        with pytest.MonkeyPatch.context() as counting:
            counting.setattr(boundaries_module, "_read_geojson_geometry", counting_read)
            boundaries_module.boundaries("county")
        yield BoundaryCache(boundaries_module.boundary_cache_path(), len(reads))

        boundaries_module.clear_memory_cache()
        locate.reset_default_index()


@pytest.fixture(scope="session")
def county_index(boundary_cache: BoundaryCache) -> locate.RegionIndex:
    return locate.default_index()
