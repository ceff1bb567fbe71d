"""Package data: translations, the vendored Leaflet, siting rules, the layer catalogue.

Read through importlib.resources, so an installed wheel finds them as an editable checkout
does (nothing is looked up beside the source tree)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """A file or folder of the package data. Wheels install it as plain files, so the
    Traversable importlib gives is a real path (zipped installs are not supported)."""
    return Path(str(files(__name__).joinpath(*parts)))
