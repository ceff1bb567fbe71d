"""The project form takes a point's coordinates as typed, decimal or DMS, with the CLI's
parser: the point lands where the text says, a wrong hemisphere keeps OK disabled."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from gis_carbon.services.projects import project_from_input

pytestmark = pytest.mark.qt


@pytest.fixture
def form(qtbot):
    from gis_carbon.qt import i18n
    from gis_carbon.qt.project_form import ProjectForm

    i18n.set_language("zh")
    dialog = ProjectForm(Point(116.912345678, 38.912345678))  # as a click lands
    qtbot.addWidget(dialog)
    dialog.name.insert("大邱庄东光伏")  # QTest.keyClicks stops at characters outside Latin-1
    dialog.type.setCurrentIndex(dialog.type.findData("pv_ground"))
    dialog.capacity.insert("20 MW")
    return dialog


def _type(edit, text: str) -> None:
    edit.clear()
    edit.insert(text)


def test_a_drawn_point_is_kept_at_full_precision_until_typed_over(form) -> None:
    assert (form.lon.text(), form.lat.text()) == ("116.912346", "38.912346")
    assert form.validate()
    assert form.project_input().wkt == Point(116.912345678, 38.912345678).wkt
    assert "lon" not in form.changes()  # an edit that does not touch them does not move it


def test_dms_typed_into_the_form_places_the_point(form, qtbot) -> None:
    _type(form.lon, "116°55′48″E")
    _type(form.lat, "北纬38度56分24秒")
    ok = form.buttons.button(form.buttons.StandardButton.Ok)
    assert ok.isEnabled() and form.message.text() == ""
    with qtbot.waitSignal(form.accepted_input) as accepted:
        ok.click()
    project = project_from_input(accepted.args[0])
    assert (project.geometry.x, project.geometry.y) == pytest.approx((116.93, 38.94), abs=1e-12)


def test_a_wrong_hemisphere_keeps_ok_disabled_and_says_why(form) -> None:
    _type(form.lon, "116°55′48″N")
    assert not form.buttons.button(form.buttons.StandardButton.Ok).isEnabled()
    assert "116°55′48″N" in form.message.text() and "latitude" in form.message.text()


def test_sixty_seconds_are_accepted_with_the_note_shown(form) -> None:
    _type(form.lon, "116°55′60.00″E")
    assert form.buttons.button(form.buttons.StandardButton.Ok).isEnabled()
    assert "carried into the minute (116°56′00″)" in form.message.text()
