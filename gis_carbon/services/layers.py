"""The layer catalogue: predefined layers from ``layers/*.toml`` plus the workspace's layers.

A definition file holds id, title_zh, title_en, role, kind, source, crs, style and params.
The boundary layers (province, city, county) are predefined and drawn from
:mod:`gis_carbon.geo.boundaries`; ``township`` is a layer *type* (``user_import = true``):
the user brings the data, the definition gives its role, style and how to find its fields.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gis_carbon.errors import NotFoundError, ValidationError
from gis_carbon.model.storage import LayerRecord, WorkspaceStore
from gis_carbon.resources import resource_path

if TYPE_CHECKING:
    from gis_carbon.model.project import Project

ROLES = ("boundary", "constraint", "resource", "infrastructure", "reference")
KINDS = ("vector", "raster")
_REQUIRED = ("id", "title_zh", "title_en", "role", "source", "crs", "style")


@dataclass(frozen=True)
class LayerDefinition:
    id: str
    title_zh: str
    title_en: str
    role: str
    source: str
    crs: str
    style: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    kind: str = "vector"
    order: int = 100
    user_import: bool = False  # a type of layer the user imports (township), not shipped data
    file: str = ""


@dataclass(frozen=True)
class CatalogueEntry:
    """One row of the catalogue the GUI and `gis-carbon layers` show."""

    id: str
    title_zh: str
    title_en: str
    role: str
    kind: str
    origin: str  # "predefined", "importable" (a type awaiting the user's data), "workspace"
    source: str
    crs: str
    style: dict[str, Any]
    params: dict[str, Any]
    features: int | None = None
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def catalogue_dir() -> Path:
    """``$GIS_CARBON_LAYERS_DIR`` or the package's layer catalogue (resources/layers)."""
    configured = os.environ.get("GIS_CARBON_LAYERS_DIR")
    if configured:
        return Path(configured)
    return resource_path("layers")


def load_definition(path: Path) -> LayerDefinition:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"{path.name}: not a valid layer definition: {exc}", "file", path.name
        ) from None
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ValidationError(f"{path.name}: missing {', '.join(missing)}", "file", path.name)
    if data["role"] not in ROLES:
        raise ValidationError(
            f"{path.name}: role {data['role']!r} is not one of {', '.join(ROLES)}",
            "role",
            data["role"],
        )
    kind = data.get("kind", "vector")
    if kind not in KINDS:
        raise ValidationError(f"{path.name}: kind {kind!r} is not vector or raster", "kind", kind)
    if path.stem != data["id"]:
        raise ValidationError(
            f"{path.name}: id {data['id']!r} differs from the file name", "id", data["id"]
        )
    return LayerDefinition(
        id=str(data["id"]),
        title_zh=str(data["title_zh"]),
        title_en=str(data["title_en"]),
        role=data["role"],
        source=str(data["source"]),
        crs=str(data["crs"]),
        style=dict(data["style"]),
        params=dict(data.get("params", {})),
        kind=kind,
        order=int(data.get("order", 100)),
        user_import=bool(data.get("user_import", False)),
        file=path.name,
    )


def layer_definitions(folder: Path | None = None) -> list[LayerDefinition]:
    """Every definition in the catalogue folder, in display order."""
    folder = folder or catalogue_dir()
    definitions = [load_definition(p) for p in sorted(folder.glob("*.toml"))]
    return sorted(definitions, key=lambda d: (d.order, d.id))


def layer_definition(layer_id: str, folder: Path | None = None) -> LayerDefinition:
    for definition in layer_definitions(folder):
        if definition.id == layer_id:
            return definition
    raise NotFoundError(f"no layer definition {layer_id!r} in {folder or catalogue_dir()}")


def find_definition(layer_id: str, folder: Path | None = None) -> LayerDefinition | None:
    try:
        return layer_definition(layer_id, folder)
    except NotFoundError:
        return None


def role_key(role: str, params: Any) -> str:
    """The role a layer list shows: an exclusion or setback for constraint layers, a township
    layer for township boundaries, else the stored role."""
    if role == "constraint":
        return str((params or {}).get("constraint", "exclusion"))
    if role == "boundary" and (params or {}).get("level") == "township":
        return "township"
    return role


def layer_file(ws: WorkspaceStore, layer: LayerRecord) -> Path:
    """The file behind a raster layer; a relative path is relative to the workspace's folder."""
    if not layer.path:
        raise NotFoundError(f"layer {layer.id!r} has no file")
    path = Path(layer.path)
    return path if path.is_absolute() else ws.layer_folder.parent / path


def layer_catalogue(
    ws: WorkspaceStore | None = None, folder: Path | None = None
) -> list[CatalogueEntry]:
    """Predefined layers, then the workspace's own (imported, constraint…) layers.

    An importable type (township) whose data the workspace holds is listed once, as the
    workspace layer."""
    stored: list[LayerRecord] = ws.layers() if ws is not None else []
    stored_ids = {layer.id for layer in stored}
    entries = []
    for d in layer_definitions(folder):
        if d.user_import and d.id in stored_ids:
            continue
        entries.append(
            CatalogueEntry(
                d.id,
                d.title_zh,
                d.title_en,
                d.role,
                d.kind,
                "importable" if d.user_import else "predefined",
                d.source,
                d.crs,
                dict(d.style),
                dict(d.params),
            )
        )
    for layer in stored:
        entries.append(
            CatalogueEntry(
                layer.id,
                layer.title_zh,
                layer.title_en,
                layer.role,
                layer.kind,
                "workspace",
                layer.source,
                layer.crs,
                dict(layer.style),
                dict(layer.params),
                ws.layer_feature_count(layer.id)
                if ws is not None and layer.kind == "vector"
                else None,
                layer.path,
            )
        )
    return entries


# ------------------------------------------------------------------ removing
class BuiltInLayerError(ValidationError):
    """The layer is one of the catalogue's built-in layers, not the workspace's."""


@dataclass(frozen=True)
class RemovedLayer:
    """What :func:`remove_layer` removed."""

    layer: LayerRecord
    features: int  # stored features deleted with it (0 for a raster)
    projects: tuple[Project, ...] = ()  # projects whose township changed (stored versions)
    file_removed: str | None = None  # the raster copy in <workspace>.layers/, deleted
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.layer.id,
            "title_zh": self.layer.title_zh,
            "title_en": self.layer.title_en,
            "role": self.layer.role,
            "kind": self.layer.kind,
            "features": self.features,
            "projects_changed": len(self.projects),
            "project_ids": [p.id for p in self.projects],
            "file_removed": self.file_removed,
            "notes": list(self.notes),
        }


def remove_layer(
    ws: WorkspaceStore,
    layer_id: str,
    *,
    author: str | None = None,
    folder: Path | None = None,
) -> RemovedLayer:
    """Remove a layer of the workspace (imported or created there) with its features.

    The built-in layers of the catalogue (``layers/*.toml``: the province, city and county
    boundaries) are not the workspace's and are refused, as is an id the workspace lacks;
    both leave the workspace untouched. A township layer is the fourth region level: the
    townships of the stored projects it covered are assigned again from the remaining
    township layers (cleared where none holds them) in the same transaction as the removal,
    so no project keeps the code of a removed layer. A raster's copy in the workspace's
    ``.layers`` folder is deleted once the removal is committed."""
    from gis_carbon.services.regions import is_township_layer, reassign_townships

    if not isinstance(layer_id, str) or not layer_id.strip():
        raise ValidationError(f"a layer id is needed; got {layer_id!r}", "layer", layer_id)
    stored = {layer.id: layer for layer in ws.layers()}
    # A stored layer is the workspace's own even when it shares an id with a definition
    # (a raster imported as county.tif): only what the workspace holds can be removed.
    layer = stored.get(layer_id)
    if layer is None:
        definition = find_definition(layer_id, folder)
        if definition is not None and not definition.user_import:
            raise BuiltInLayerError(
                f"layer {layer_id!r} ({definition.title_zh}) is a built-in layer of the "
                f"catalogue ({definition.file}), not one of the workspace's; it cannot be removed",
                "layer",
                layer_id,
            )
        known = ", ".join(sorted(stored)) or "none"
        raise NotFoundError(
            f"no layer {layer_id!r} in workspace {ws.display_name} (its layers: {known})"
        )
    township = is_township_layer(layer)
    counties = _township_counties(ws, layer) if township else set()
    changed: list[Project] = []
    with ws.transaction():
        features = ws.layer_feature_count(layer_id)
        ws.delete_layer(layer_id)  # its features go with it (ON DELETE CASCADE)
        if counties:
            changed = reassign_townships(ws, counties, author=author)
    file_removed, notes = _remove_layer_file(ws, layer)
    return RemovedLayer(layer, features, tuple(changed), file_removed, tuple(notes))


def _township_counties(ws: WorkspaceStore, layer: LayerRecord) -> set[str]:
    """The counties a township layer covers: the first six digits of its township codes
    (a township is only ever assigned to projects of the county its code begins with)."""
    from gis_carbon.services.regions import township_county

    code_field = str(layer.params.get("code_field") or "")
    counties = {township_county(p.get(code_field)) for _g, p in ws.layer_features(layer.id)}
    counties.discard("")
    return counties


def _remove_layer_file(ws: WorkspaceStore, layer: LayerRecord) -> tuple[str | None, list[str]]:
    """Delete the layer's file when the importer copied it into ``<workspace>.layers/``; a
    file elsewhere is the user's own and is left alone."""
    if not layer.path:
        return None, []
    path = Path(layer.path)
    own_folder = ws.layer_folder.resolve()
    if path.resolve().parent != own_folder:
        return None, [f"{path} is not in the workspace's layer folder; left in place"]
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # the layer is gone from the workspace either way
        return None, [f"could not delete {path}: {exc}"]
    return str(path), []


__all__ = [
    "ROLES",
    "BuiltInLayerError",
    "CatalogueEntry",
    "LayerDefinition",
    "RemovedLayer",
    "catalogue_dir",
    "find_definition",
    "layer_catalogue",
    "layer_definition",
    "layer_definitions",
    "remove_layer",
]
