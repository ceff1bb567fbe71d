"""Service messages in the UI's language, at the Qt boundary.

Services raise their errors in English, one line naming the bad value (the CLI prints them
as they are). The window does not show them raw in the Chinese UI: each message the window
can meet has an English template here, "project {id} is at version {have}, not {expected}";
a message matching one is rebuilt from the template's translation in zh_CN.json with the
same values, so the file, row and value named stay exactly as the service wrote them. A
message no template matches is shown as written (better English than nothing), and is added
to `untranslated` so a test can list the gaps.

Provenance ("user", "plan:001 …", "import:f.csv") and geometry kinds are tables too.
"""

from __future__ import annotations

import functools
import re

from gis_carbon.qt import i18n
from gis_carbon.qt.i18n import tr

# The English templates of the service messages the window shows. Order matters where one
# template could swallow another: the more specific first.
ERROR_TEMPLATES = (
    "project {id} ({name}) was changed by someone else: it is at version {have}, the edit"
    " was based on version {based}; reload it and edit again",
    "project {id} is at version {have}, not {expected}",
    "project {id} exists already",
    "no project with id {id}",
    "no plan with id {id}",
    "no target {id}",
    "no region named {name}",
    "nothing to undo",
    "nothing to redo",
    "cannot edit a project that has no id",
    "cannot delete a project that has no id",
    "a project needs a name",
    "a project needs a location",
    # a ledger's refused rows (the import wizard's problem table)
    "{column} {text} has no unit; write it in the cell (100 MW) or the header ({header})",
    "no location (经度/纬度 empty)",
    "the file holds no rows",
    "row {n}",
    "unknown project type {type}; known: {known}",
    "unknown project type {type}",
    "unknown status {status}; known: {known}",
    "unknown status {status}",
    "{name} must be a finite number ≥ 0 {unit}; got {value}",
    "{name} must be a year between {low} and {high}; got {value}",
    "a {type} project cannot be a {kind}; allowed: {allowed}",
    "a {type} project has no {name}; got {value}",
    "coordinate {value} is not a finite number",
    "coordinates {bounds} are not WGS 84 longitude/latitude",
    "invalid geometry: {reason}",
    "unsupported geometry type {kind}",
    # a quantity typed in a form (model/units.py): the reason is translated in turn
    'cannot read {what} "{text}": {reason}',
    "cannot read {what} {text}: expected text",
    '"{text}" is not a number',
    '"{text}" is not a finite number',
    '"{text}" has two signs',
    '"{text}" divides by zero',
    "no number",
    "there is nothing to read",
    "thousands separators must group exactly 3 digits",
    "exponents are not accepted; write the number out",
    "unknown unit {unit} (did you mean {guess}?)",
    "unknown unit {unit}",
    "a negative value is not allowed here",
    "{unit} and {other} measure different things",
)
# parameters that are themselves a field name or a message to translate
FIELD_PARAMETERS = frozenset({"name", "what"})

# field names the messages carry as a value ({name}), as the form labels them
FIELD_NAMES = {
    "year": "Commissioning year",
    "capacity": "Capacity",
    "energy": "Energy (storage)",
}

# messages no template matched while the UI was Chinese (shown as written)
untranslated: set[str] = set()

# provenance prefixes, as the services write them
SOURCE_PREFIXES = (
    ("plan:", "Plan document {rest}"),
    ("import:", "Imported from {rest}"),
)
SOURCE_NAMES = {
    "user": "Entered by a user",
    "seed": "Shipped with the app",
    "gis-carbon window": "Entered in the window",
}
GEOMETRY_NAMES = {
    "Point": "Point",
    "MultiPoint": "Points",
    "LineString": "Line",
    "MultiLineString": "Lines",
    "Polygon": "Polygon",
    "MultiPolygon": "Polygons",
}


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)" for n, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.DOTALL)


def message_text(message: str) -> str:
    """One service message in the UI's language (line by line: some carry a list)."""
    return "\n".join(_line_text(line) for line in message.split("\n"))


def _line_text(line: str) -> str:
    for template in ERROR_TEMPLATES:
        found = _pattern(template).match(line)
        if found:
            values = found.groupdict()
            for key, value in values.items():
                if key in FIELD_PARAMETERS and value in FIELD_NAMES:
                    values[key] = tr(FIELD_NAMES[value])
            if "reason" in values:
                values["reason"] = _line_text(values["reason"])
            return tr(template).format(**values)
    if i18n.language() != "en" and line:
        untranslated.add(line)
    return line


def error_text(error: BaseException | str) -> str:
    return message_text(str(error))


def source_text(source: str | None) -> str:
    """Where a project came from, in the UI's language."""
    if not source:
        return ""
    if source in SOURCE_NAMES:
        return tr(SOURCE_NAMES[source])
    for prefix, template in SOURCE_PREFIXES:
        if source.startswith(prefix):
            return tr(template).format(rest=source[len(prefix) :])
    return source


def geometry_name(geom_type: str) -> str:
    return tr(GEOMETRY_NAMES.get(geom_type, geom_type))
