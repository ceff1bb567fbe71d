"""gis-carbon: track the projects of China's carbon-peak plans on the map.

`gis_carbon.open(path)` opens a workspace for Python work (see gis_carbon.api); importing
the package itself stays light: the API and its pandas/geopandas load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gis_carbon.errors import GisCarbonError, GisCarbonWarning

if TYPE_CHECKING:
    from gis_carbon.api import Workspace, open

__all__ = ["GisCarbonError", "GisCarbonWarning", "Workspace", "__version__", "open"]
__version__ = "0.1.0"

# Names loaded from gis_carbon.api on first access.
_API_NAMES = frozenset({"open", "Workspace"})


def __getattr__(name: str) -> Any:
    if name in _API_NAMES:
        from gis_carbon import api

        return getattr(api, name)
    raise AttributeError(f"module 'gis_carbon' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API_NAMES})
