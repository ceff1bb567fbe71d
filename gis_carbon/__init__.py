"""gis-carbon: track the projects of China's carbon-peak plans on the map."""

from gis_carbon.errors import GisCarbonError, GisCarbonWarning

__all__ = ["GisCarbonError", "GisCarbonWarning", "__version__"]
__version__ = "0.1.0"
