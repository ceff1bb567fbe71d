"""What the map shows, without Qt: the layer list and the view.

The canvas draws in Web Mercator metres (EPSG:3857): every geometry is projected once into
numpy arrays, and a view is then just an offset and a resolution (metres per pixel), so
panning and zooming never reproject anything. Ground distances (the scale bar) correct for
Mercator's stretch with cos(latitude).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from gis_carbon.errors import ValidationError

EARTH_RADIUS_M = 6378137.0
MAX_LAT = 85.05112878
LAYER_KINDS = ("boundary", "projects", "vector", "raster")

FloatArray = npt.NDArray[np.float64]


def lonlat_to_world(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS 84 degrees → Web Mercator metres (arrays or scalars)."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LAT, MAX_LAT)
    x = np.radians(lon_a) * EARTH_RADIUS_M
    y = np.log(np.tan(np.pi / 4 + np.radians(lat_a) / 2)) * EARTH_RADIUS_M
    return x, y


def world_to_lonlat(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x_a = np.asarray(x, dtype=np.float64)
    y_a = np.asarray(y, dtype=np.float64)
    lon = np.degrees(x_a / EARTH_RADIUS_M)
    lat = np.degrees(2 * np.arctan(np.exp(y_a / EARTH_RADIUS_M)) - np.pi / 2)
    return lon, lat


@dataclass(frozen=True)
class Viewport:
    """A view: centre in Mercator metres, metres per pixel, size in pixels."""

    center_x: float = lonlat_to_world(104.0, 35.0)[0].item()
    center_y: float = lonlat_to_world(104.0, 35.0)[1].item()
    resolution: float = 4000.0
    width: int = 1600
    height: int = 1000

    def __post_init__(self) -> None:
        if not (self.resolution > 0 and math.isfinite(self.resolution)):
            raise ValidationError(
                f"resolution must be > 0; got {self.resolution}", "resolution", self.resolution
            )
        if self.width <= 0 or self.height <= 0:
            raise ValidationError(
                f"view size must be positive; got {self.width}×{self.height}",
                "size",
                (self.width, self.height),
            )

    # ---------------------------------------------------------------- transforms
    @property
    def origin(self) -> tuple[float, float]:
        """World coordinates of the top-left pixel corner."""
        return (
            self.center_x - self.width / 2 * self.resolution,
            self.center_y + self.height / 2 * self.resolution,
        )

    def world_to_screen(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[Any, Any]:
        ox, oy = self.origin
        return ((np.asarray(x) - ox) / self.resolution, (oy - np.asarray(y)) / self.resolution)

    def screen_to_world(self, px: npt.ArrayLike, py: npt.ArrayLike) -> tuple[Any, Any]:
        ox, oy = self.origin
        return (ox + np.asarray(px) * self.resolution, oy - np.asarray(py) * self.resolution)

    def lonlat_to_screen(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = lonlat_to_world(lon, lat)
        sx, sy = self.world_to_screen(x, y)
        return float(sx), float(sy)

    def screen_to_lonlat(self, px: float, py: float) -> tuple[float, float]:
        x, y = self.screen_to_world(px, py)
        lon, lat = world_to_lonlat(x, y)
        return float(lon), float(lat)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in world metres."""
        ox, oy = self.origin
        return (ox, oy - self.height * self.resolution, ox + self.width * self.resolution, oy)

    # ---------------------------------------------------------------- navigation
    def resized(self, width: int, height: int) -> Viewport:
        return replace(self, width=max(1, int(width)), height=max(1, int(height)))

    def panned(self, dx_px: float, dy_px: float) -> Viewport:
        """Move the content by (dx, dy) pixels, as a drag does."""
        return replace(
            self,
            center_x=self.center_x - dx_px * self.resolution,
            center_y=self.center_y + dy_px * self.resolution,
        )

    def zoomed(self, factor: float, anchor: tuple[float, float] | None = None) -> Viewport:
        """Zoom in by `factor` (> 1 zooms in) keeping the world point under `anchor` fixed."""
        if not (factor > 0 and math.isfinite(factor)):
            raise ValidationError(f"zoom factor must be > 0; got {factor}", "factor", factor)
        resolution = min(max(self.resolution / factor, 0.05), 40000.0)
        if anchor is None:
            return replace(self, resolution=resolution)
        ax, ay = self.screen_to_world(*anchor)
        ax, ay = float(ax), float(ay)
        scale = resolution / self.resolution
        return replace(
            self,
            resolution=resolution,
            center_x=ax + (self.center_x - ax) * scale,
            center_y=ay + (self.center_y - ay) * scale,
        )

    def fitted(self, bounds: tuple[float, float, float, float], margin: float = 0.05) -> Viewport:
        """The view showing world `bounds` (minx, miny, maxx, maxy) with a margin."""
        minx, miny, maxx, maxy = bounds
        if not all(math.isfinite(v) for v in bounds) or maxx < minx or maxy < miny:
            raise ValidationError(f"cannot zoom to bounds {bounds}", "bounds", bounds)
        span_x = max(maxx - minx, 200.0) * (1 + 2 * margin)
        span_y = max(maxy - miny, 200.0) * (1 + 2 * margin)
        resolution = max(span_x / self.width, span_y / self.height)
        return replace(
            self, center_x=(minx + maxx) / 2, center_y=(miny + maxy) / 2, resolution=resolution
        )

    def fitted_lonlat(
        self, bounds: tuple[float, float, float, float], margin: float = 0.05
    ) -> Viewport:
        minx, miny = lonlat_to_world(bounds[0], bounds[1])
        maxx, maxy = lonlat_to_world(bounds[2], bounds[3])
        return self.fitted((float(minx), float(miny), float(maxx), float(maxy)), margin)

    def ground_resolution(self) -> float:
        """Metres on the ground per pixel at the view's centre."""
        _lon, lat = world_to_lonlat(self.center_x, self.center_y)
        return self.resolution * math.cos(math.radians(float(lat)))


def scale_bar(view: Viewport, max_pixels: float = 160.0) -> tuple[float, float, str]:
    """A round ground length that fits in `max_pixels`: (metres, pixels, label)."""
    ground = view.ground_resolution() * max_pixels
    exponent = math.floor(math.log10(ground))
    metres = 10.0**exponent
    for step in (5.0, 2.0, 1.0):
        if step * 10.0**exponent <= ground:
            metres = step * 10.0**exponent
            break
    pixels = metres / view.ground_resolution()
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return metres, pixels, label


@dataclass(frozen=True)
class LayerState:
    """One layer as the map shows it. `style` keys: stroke, fill, width, ramp, label …"""

    id: str
    title_zh: str
    kind: str  # boundary | projects | vector | raster
    title_en: str = ""
    visible: bool = True
    opacity: float = 1.0
    style: Mapping[str, Any] = field(default_factory=dict)
    bounds: tuple[float, float, float, float] | None = None  # lon/lat, when known

    def __post_init__(self) -> None:
        if self.kind not in LAYER_KINDS:
            raise ValidationError(
                f"layer kind {self.kind!r} is not one of {LAYER_KINDS}", "kind", self.kind
            )
        if not 0.0 <= self.opacity <= 1.0:
            raise ValidationError(
                f"opacity must be 0…1; got {self.opacity}", "opacity", self.opacity
            )

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang == "zh" or not self.title_en else self.title_en


@dataclass
class MapState:
    """The layer list, top of the map first (as the layer tree shows it), and the view."""

    layers: list[LayerState] = field(default_factory=list)
    view: Viewport = field(default_factory=Viewport)

    def layer(self, layer_id: str) -> LayerState:
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise ValidationError(f"no layer {layer_id!r} on the map", "layer", layer_id)

    def index(self, layer_id: str) -> int:
        return self.layers.index(self.layer(layer_id))

    def add(self, layer: LayerState, index: int = 0) -> None:
        if any(existing.id == layer.id for existing in self.layers):
            raise ValidationError(f"layer {layer.id!r} is on the map already", "layer", layer.id)
        self.layers.insert(max(0, min(index, len(self.layers))), layer)

    def remove(self, layer_id: str) -> LayerState:
        return self.layers.pop(self.index(layer_id))

    def update(self, layer_id: str, **changes: Any) -> LayerState:
        i = self.index(layer_id)
        self.layers[i] = replace(self.layers[i], **changes)
        return self.layers[i]

    def set_visible(self, layer_id: str, visible: bool) -> LayerState:
        return self.update(layer_id, visible=bool(visible))

    def set_opacity(self, layer_id: str, opacity: float) -> LayerState:
        return self.update(layer_id, opacity=float(opacity))

    def set_style(self, layer_id: str, **style: Any) -> LayerState:
        layer = self.layer(layer_id)
        return self.update(layer_id, style={**layer.style, **style})

    def move(self, layer_id: str, new_index: int) -> None:
        """Put the layer at `new_index` of the list (0 = drawn on top)."""
        layer = self.remove(layer_id)
        self.layers.insert(max(0, min(new_index, len(self.layers))), layer)

    def draw_order(self) -> list[LayerState]:
        """Visible layers bottom first, the order a painter draws them."""
        return [layer for layer in reversed(self.layers) if layer.visible and layer.opacity > 0]


__all__ = [
    "LayerState",
    "MapState",
    "Viewport",
    "lonlat_to_world",
    "scale_bar",
    "world_to_lonlat",
]
