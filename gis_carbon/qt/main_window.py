"""The main window: map in the centre, docks for layers, projects, targets, properties, siting.

Every edit goes through gis_carbon.model.commands on an UndoStack whose store is the same
service layer the CLI uses; after each edit the project layer, the table and the targets
panel refresh (the evaluation runs on a worker).
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEventLoop, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QImage, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
)

from gis_carbon.errors import Cancelled, GisCarbonError
from gis_carbon.feedback import Feedback
from gis_carbon.geo.crs import from_wgs84, gk_crs, gk_zone_3deg
from gis_carbon.geo.feature_index import FeatureIndex
from gis_carbon.model.commands import AddProject, DeleteProject, EditProject, MoveProject, UndoStack
from gis_carbon.model.map_state import LayerState, lonlat_to_world
from gis_carbon.model.plan_commands import AddTarget, DeleteTarget, EditPlan, EditTarget
from gis_carbon.model.storage import WorkspaceStore
from gis_carbon.qt import desk_actions, first_start, rollup_panel, workspace_files
from gis_carbon.qt.canvas import MapCanvas, Tool, overview_view
from gis_carbon.qt.chart_dock import install_chart_dock
from gis_carbon.qt.chart_process import chart_png
from gis_carbon.qt.dashboard import install_overview
from gis_carbon.qt.feature_panels import AttributeTable, IdentifyPanel, feature_label
from gis_carbon.qt.geometry_cache import BoundaryData, geometry_path
from gis_carbon.qt.i18n import language, tr
from gis_carbon.qt.legend import LegendPanel
from gis_carbon.qt.measure_text import geometry_measure_text
from gis_carbon.qt.messages import error_text
from gis_carbon.qt.panels import (
    USER_LAYER_PREFIX,
    LayersPanel,
    ProjectsPanel,
    PropertiesPanel,
    SitingPanel,
    TargetsPanel,
)
from gis_carbon.qt.plan_editor import PlanEditor
from gis_carbon.qt.project_form import ProjectForm
from gis_carbon.qt.project_loading import ProjectSnapshot, read_projects
from gis_carbon.qt.render import (
    ROLE_STYLES,
    RasterLayerData,
    Renderer,
    Scene,
    VectorLayerData,
    raster_image,
)
from gis_carbon.qt.workers import GUI_SWITCH_INTERVAL_S, SignalFeedback, TaskRunner
from gis_carbon.services.layers import layer_file, role_key
from gis_carbon.services.store import ProjectCommandPathStore

BASE_LAYERS = (
    LayerState("projects", "项目", "projects", "Projects"),
    LayerState(
        "provinces",
        "省级界线",
        "boundary",
        "Provinces",
        style={"stroke": "#6d6d6d", "width": 1.6, "labels": False},
    ),
    LayerState(
        "counties", "县级行政区", "boundary", "Counties", style={"stroke": "#a7a7a7", "width": 0.7}
    ),
)
# Commands that change plans or targets rather than projects: the views to refresh differ.
PLAN_COMMANDS = (AddTarget, DeleteTarget, EditPlan, EditTarget)
# How long the first read of the projects waits for the boundaries (a slow disk, a failed
# load that never reports: the projects load anyway)
BOUNDARY_WAIT_S = 20.0

TOOLS = (
    (Tool.PAN, "Pan", "P"),
    (Tool.ZOOM_BOX, "Zoom box", "Z"),
    (Tool.IDENTIFY, "Identify", "I"),
    (Tool.SELECT, "Select", "S"),
    (Tool.PLACE_POINT, "Place point", "Ctrl+1"),
    (Tool.DRAW_LINE, "Draw line", "Ctrl+2"),
    (Tool.DRAW_POLYGON, "Draw polygon", "Ctrl+3"),
    (Tool.MOVE, "Move / reshape", "M"),
)


WARM_MODULES = (
    "gis_carbon.services.imports",
    "gis_carbon.services.exports",
    "gis_carbon.services.progress",
    "gis_carbon.services.siting",
    "geopandas",
    "pyogrio",
)


def _load_boundaries(level: str) -> BoundaryData:
    from gis_carbon.qt.geometry_cache import load_boundaries

    return load_boundaries(level)


class MainWindow(QMainWindow):
    def __init__(
        self,
        ws: WorkspaceStore,
        *,
        plan: str | None = None,
        settings: QSettings | None = None,
        font_family: str = "",
    ) -> None:
        super().__init__()
        self.ws = ws
        self.settings = settings or QSettings("gis-carbon", "gis-carbon")
        self.recent = workspace_files.RecentWorkspaces(self.settings)
        self.recent.add(ws.location)
        self.font_family = font_family
        # Nothing slow runs on the GUI thread. Each runner has one thread, so its tasks run
        # in the order started: `runner` reads (evaluations, live siting checks, loading
        # projects and layers), `edit_runner` the undo stack's edits, `user_runner` imports
        # and exports (progress bar and Cancel), `file_runner` boundary files and the
        # point-location index. Tasks that need the workspace open their own connection.
        sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
        self.runner = TaskRunner(self, threads=1)
        self.edit_runner = TaskRunner(self, threads=1)
        self.user_runner = TaskRunner(self, threads=1)
        self.file_runner = TaskRunner(self, threads=1)
        self.runners = (self.runner, self.edit_runner, self.user_runner, self.file_runner)
        self.undo_stack = UndoStack()
        self.store = ProjectCommandPathStore(ws.location)  # used on the edit worker only
        self.project_form: ProjectForm | None = None
        self.plan_editor: PlanEditor | None = None
        self._replacement: MainWindow | None = None  # the window a workspace switch opened
        self.plan_review: Any = None
        self.progress: list[Any] = []
        self.region_names: dict[str, str] = {}
        self._project_counties: set[str] = set()  # counties with projects (region filter)
        self._evaluation_generation = 0
        self._projects_generation = 0
        self._siting_generation = 0
        self._initial_zoom = True
        self._drawn_geometry: Any = None
        self._project_type_counts: dict[str, int] | None = None  # for the legend

        self.canvas = MapCanvas(self)
        self.canvas.font_family = font_family
        for layer in BASE_LAYERS:
            self.canvas.state.layers.append(layer)
        self.setCentralWidget(self.canvas)
        self.targets_panel = TargetsPanel()
        self.projects_panel = ProjectsPanel()
        self.layers_panel = LayersPanel()
        self.properties_panel = PropertiesPanel()
        self.siting_panel = SitingPanel()
        self.legend_panel = LegendPanel()
        self.identify_panel = IdentifyPanel()
        self.attribute_tables: dict[str, AttributeTable] = {}
        self.docks: dict[str, QDockWidget] = {}
        for name, title, widget, area in (
            ("layers", "Layers", self.layers_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
            (
                "properties",
                "Properties",
                self.properties_panel,
                Qt.DockWidgetArea.LeftDockWidgetArea,
            ),
            ("legend", "Legend", self.legend_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("identify", "Identify", self.identify_panel, Qt.DockWidgetArea.LeftDockWidgetArea),
            ("targets", "Targets", self.targets_panel, Qt.DockWidgetArea.RightDockWidgetArea),
            ("siting", "Siting", self.siting_panel, Qt.DockWidgetArea.RightDockWidgetArea),
            ("projects", "Projects", self.projects_panel, Qt.DockWidgetArea.BottomDockWidgetArea),
        ):
            dock = QDockWidget(tr(title), self)
            dock.setObjectName(f"dock_{name}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.tabifyDockWidget(self.docks["targets"], self.docks["siting"])
        self.rollup_panel, self.refresh_rollup = rollup_panel.attach(self)
        self.tabifyDockWidget(self.docks["properties"], self.docks["legend"])
        self.tabifyDockWidget(self.docks["properties"], self.docks["identify"])
        self.docks["properties"].raise_()
        self.docks["targets"].raise_()
        self.resizeDocks([self.docks["targets"]], [430], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["layers"]], [250], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["projects"]], [170], Qt.Orientation.Vertical)
        self._build_actions()
        self._build_status_bar()
        self._connect()

        # The plans, read once and again only after a plan edit: reading them on the GUI thread
        # at every reload took up to 63 ms while workers held the GIL.
        plans = ws.plans()
        self.plans = {p.id: p for p in plans}
        chosen = ws.plan(plan).id if plan else self.settings.value("plan", None)
        if chosen not in self.plans:
            chosen = plans[0].id if plans else None
        self.plan_id: str | None = chosen
        self.targets_panel.set_plans(plans, chosen)
        self.canvas.emphasis = frozenset(p.region_code for p in plans)
        self._set_focus_region()
        # work that can wait until the projects are shown (it competes for the GIL with the
        # loading: the GUI stalled 150–200 ms while 10⁶ projects loaded beside it)
        self._after_first_load: list[Any] = []
        self._first_load_done = False
        self._closed = False
        # The first read of the projects waits on its worker until the boundaries are loaded
        # (about a second from the cache): read at the same time, their threads and the GUI
        # thread took turns at the GIL and the GUI stalled up to 150 ms while 10⁶ loaded.
        self._boundaries_ready = threading.Event()
        if first_start.cache_missing():
            self._boundaries_ready.set()  # built behind a first start: nothing to wait for
        self.refresh_projects()
        self.refresh_layers()
        # the overview of every plan comes first unless a plan was asked for
        install_overview(self, first=plan is None)
        self.first_start_task: Any = None
        self.plan_after_first_start: str | None = None  # main.py --plan on a first start
        if first_start.cache_missing():  # the window shows now; the cache is built behind it
            first_start.start(self)
        else:
            self._start_boundary_load()
        self.check_problems: list[str] | None = None
        self._check_on_open()
        self.evaluate()
        self.chart_view = install_chart_dock(self)
        self._restore_settings()
        self.setWindowTitle(f"gis-carbon — {ws.display_name}")
        from gis_carbon.qt.team import start_watching

        self._stop_watching = start_watching(self)

    # ---------------------------------------------------------------- building
    def _action(
        self, text: str, slot: Any, shortcut: Any = None, checkable: bool = False
    ) -> QAction:
        action = QAction(tr(text), self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.action_table: dict[str, QAction] = {
            "new": self._action("New workspace…", self.new_workspace, QKeySequence.StandardKey.New),
            "open": self._action(
                "Open workspace…", self.open_workspace_dialog, QKeySequence.StandardKey.Open
            ),
            "connect_team": self._action(
                "Connect to team database…", self.connect_team_dialog, "Ctrl+Shift+T"
            ),
            "backup": self._action("Back up workspace…", self.backup_dialog),
            "restore": self._action("Restore from backup…", self.restore_dialog),
            "save_as": self._action(
                "Save workspace as…", self.save_workspace_as_dialog, QKeySequence.StandardKey.SaveAs
            ),
            "import": self._action("Import…", self.import_dialog, "Ctrl+I"),
            "export": self._action("Export…", self.export_dialog, "Ctrl+E"),
            "quit": self._action("Quit", self.close, QKeySequence.StandardKey.Quit),
            "undo": self._action("Undo", self.undo, "Ctrl+Z"),
            "redo": self._action("Redo", self.redo, "Ctrl+Shift+Z"),
            "delete": self._action(
                "Delete selected", self.delete_selected, QKeySequence.StandardKey.Delete
            ),
            "edit_plans": self._action("Plans and targets…", self.open_plan_editor, "Ctrl+P"),
            "import_plan": self._action("Import plan document…", self.import_plan_dialog),
            "export_indicators": self._action(
                "Export indicator template…", self.export_indicators_dialog
            ),
            "import_indicators": self._action("Import indicators…", self.import_indicators_dialog),
            "zoom_full": self._action("Zoom to China", self.zoom_full, "Ctrl+0"),
            "refresh": self._action("Refresh", self.refresh_from_workspace, "F5"),
            "zoom_plan": self._action("Zoom to plan region", self.zoom_to_plan, "Ctrl+9"),
            "zoom_selection": self._action("Zoom to selection", self.zoom_to_selection, "Ctrl+8"),
            "lang_zh": self._action("中文", lambda: self.set_language("zh")),
            "lang_en": self._action("English", lambda: self.set_language("en")),
        }
        self.action_table["redo"].setShortcuts(
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
        )
        self.tool_actions: dict[Tool, QAction] = {}
        group = QActionGroup(self)
        for tool, text, shortcut in TOOLS:
            action = self._action(
                text, lambda _=False, t=tool: self.set_tool(t), shortcut, checkable=True
            )
            group.addAction(action)
            self.tool_actions[tool] = action
        self.tool_actions[Tool.PAN].setChecked(True)
        menu = self.menuBar()
        file_menu = menu.addMenu(tr("&File"))
        for key in (
            "new",
            "open",
            "recent",
            "save_as",
            "connect_team",
            None,
            "backup",
            "restore",
            None,
            "import",
            "export",
            None,
            "import_plan",
            "export_indicators",
            "import_indicators",
            None,
            "quit",
        ):
            if key is None:
                file_menu.addSeparator()
            elif key == "recent":
                self.recent_menu = file_menu.addMenu(tr("Open recent"))
                self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
                self._fill_recent_menu()
            else:
                file_menu.addAction(self.action_table[key])
        edit_menu = menu.addMenu(tr("&Edit"))
        for key in ("undo", "redo", None, "delete", None, "edit_plans"):
            edit_menu.addSeparator() if key is None else edit_menu.addAction(self.action_table[key])
        view_menu = menu.addMenu(tr("&View"))
        for key in ("zoom_full", "zoom_plan", "zoom_selection", "refresh"):
            view_menu.addAction(self.action_table[key])
        view_menu.addSeparator()
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        lang_menu = view_menu.addMenu(tr("Language"))
        lang_menu.addAction(self.action_table["lang_zh"])
        lang_menu.addAction(self.action_table["lang_en"])
        tools_menu = menu.addMenu(tr("&Tools"))
        for action in self.tool_actions.values():
            tools_menu.addAction(action)
        toolbar = self.addToolBar(tr("Main"))
        toolbar.setObjectName("toolbar_main")
        for key in ("open", "import", "export", None, "undo", "redo", None):
            toolbar.addSeparator() if key is None else toolbar.addAction(self.action_table[key])
        for action in self.tool_actions.values():
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.action_table["zoom_plan"])
        from gis_carbon.qt.map_tools import MapTools

        self.map_tools = MapTools(self, view_menu, tools_menu, file_menu)
        self.basemap_menu = self.map_tools.basemaps
        desk_actions.attach(self, file_menu, view_menu, self.action_table["quit"])
        self._update_undo_actions()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.coords = QLabel()
        self.coords.setMinimumWidth(460)
        # the running length / area of the line or polygon being drawn
        self.measure_label = QLabel()
        self.measure_label.setObjectName("measure_label")
        self.measure_label.hide()
        self.task_label = QLabel()
        self.task_progress = QProgressBar()
        self.task_progress.setRange(0, 1000)
        self.task_progress.setMaximumWidth(180)
        self.task_cancel = QPushButton(tr("Cancel"))
        for widget in (self.task_label, self.task_progress, self.task_cancel):
            widget.hide()
            bar.addPermanentWidget(widget)
        bar.addPermanentWidget(self.measure_label)
        bar.addPermanentWidget(self.coords)
        self._user_task: Any = None
        self.task_cancel.clicked.connect(self.cancel_user_task)

    def _connect(self) -> None:
        canvas = self.canvas
        canvas.cursor_moved.connect(self._show_coordinates)
        canvas.selection_changed.connect(self._canvas_selection)
        canvas.geometry_finished.connect(self._geometry_drawn)
        canvas.drawing_changed.connect(self._drawing_changed)
        canvas.sketch_changed.connect(self._show_sketch_measure)
        canvas.move_finished.connect(self.move_project)
        canvas.region_identified.connect(self._region_identified)
        canvas.identified.connect(self._show_identified)
        canvas.feature_selection_changed.connect(self._map_feature_selection)
        self.layers_panel.table_requested.connect(self.open_attribute_table)
        self.projects_panel.selection_changed.connect(self._table_selection)
        self.targets_panel.plan_changed.connect(self._plan_changed)
        self.targets_panel.policy_changed.connect(lambda _p: self.evaluate())
        self.targets_panel.target_chosen.connect(self._target_chosen)
        self.targets_panel.indicator_entered.connect(self.record_indicator)
        self.targets_panel.edit_plans.clicked.connect(self.open_plan_editor)
        self.layers_panel.visibility_changed.connect(self._layer_visibility)
        self.layers_panel.opacity_changed.connect(self._layer_opacity)
        self.layers_panel.order_changed.connect(self._layer_order)
        self.layers_panel.colour_changed.connect(self._layer_colour)
        self.layers_panel.zoom_requested.connect(self.zoom_to_layer)
        self.layers_panel.remove_requested.connect(self.remove_layer)
        self.properties_panel.edit_requested.connect(self.edit_project_dialog)
        self.properties_panel.delete_requested.connect(lambda pid: self.delete_projects({pid}))

    # ---------------------------------------------------------------- settings
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def show_as_left(self) -> None:
        """Show the window maximised the first time, later as the user left it."""
        if self.settings.value("window/geometry") is None:
            # the screen's size as well: without a window manager (a bare X server, Xvfb)
            # nothing acts on the maximised state, and the window would stay small
            screen = self.screen() or QApplication.primaryScreen()
            if screen is not None:
                self.setGeometry(screen.availableGeometry())
            self.showMaximized()
        else:
            self.show()

    def show_plan(self, plan_id: str) -> None:
        """Choose a plan (as the targets panel's list does) and zoom the map to it."""
        combo = self.targets_panel.plan
        index = combo.findData(plan_id)
        if index < 0:
            raise ValueError(f"no plan {plan_id!r} in this workspace")
        if combo.currentIndex() == index:
            self.zoom_to_plan()  # already chosen: the list sends no change
        else:
            combo.setCurrentIndex(index)

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("last_workspace", self.ws.location)
        if self.plan_id:
            self.settings.setValue("plan", self.plan_id)
        self.settings.sync()

    def closeEvent(self, event: Any) -> None:
        self._closed = True  # a load that finishes after this starts nothing more
        self._stop_watching()
        self.save_settings()
        for runner in self.runners:
            runner.cancel_all()
        for runner in self.runners:
            runner.wait(5000)
            runner.shutdown()
        self.canvas.pool.waitForDone(5000)
        super().closeEvent(event)

    def set_language(self, lang: str) -> None:
        self.settings.setValue("language", lang)
        self.settings.sync()
        QMessageBox(
            QMessageBox.Icon.Information,
            "gis-carbon",
            tr("The language changes when the app starts again."),
            parent=self,
        ).open()

    # ---------------------------------------------------------------- tasks
    def _track(
        self,
        label: str,
        fn: Any,
        on_done: Any,
        *,
        user: bool = False,
        on_error: Any = None,
        runner: TaskRunner | None = None,
        workspace: bool = False,
        on_partial: Any = None,
    ) -> Any:
        """Run `fn(feedback)` on a worker — `fn(feedback, ws)` on a connection of its own
        with `workspace=True`; user tasks show a progress bar, Cancel and their notes."""

        def done(result: Any) -> None:
            self._hide_task(task)
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._hide_task(task)
            if isinstance(exc, Cancelled):
                self.statusBar().showMessage(
                    f"{label}: {tr('cancelled; nothing was written')}", 10000
                )
                return
            (on_error or self.show_error)(exc)

        def progress(fraction: float, message: str) -> None:
            if user:
                self.task_progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
                if message:
                    self.task_label.setText(f"{label}: {message}")

        runner = runner or (self.user_runner if user else self.runner)
        task = runner.start(
            label,
            fn,
            workspace=self.ws.location if workspace else None,
            on_done=done,
            on_error=failed,
            on_progress=progress,
            on_info=lambda note: self.statusBar().showMessage(f"{label}: {note}", 10000),
            on_partial=on_partial,
        )
        if user:
            self._user_task = task
            self.task_label.setText(label)
            self.task_progress.setValue(0)
            for widget in (self.task_label, self.task_progress, self.task_cancel):
                widget.show()
        return task

    def _hide_task(self, task: Any) -> None:
        if task is not None and task is self._user_task:
            for widget in (self.task_label, self.task_progress, self.task_cancel):
                widget.hide()
            self._user_task = None

    def cancel_user_task(self) -> None:
        """The status bar's Cancel: the running import or export stops before it writes."""
        if self._user_task is not None:
            self._user_task.cancel()
            self.task_label.setText(f"{self._user_task.name}: {tr('cancelling…')}")

    def busy(self) -> bool:
        return any(runner.running for runner in self.runners)

    def wait_until_idle(self, timeout_ms: int = 60_000) -> bool:
        """Process events until workers are done and the map frame is current (screenshots)."""
        loop_deadline = QTimer()
        loop_deadline.setSingleShot(True)
        loop_deadline.start(timeout_ms)
        app = QApplication.instance()
        while loop_deadline.isActive():
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)  # type: ignore[union-attr]
            if (
                not self.busy()
                and self.canvas.is_current()
                and self.canvas.pool.activeThreadCount() == 0
            ):
                app.processEvents()  # type: ignore[union-attr]
                if not self.busy() and self.canvas.is_current():
                    return True
            threading.Event().wait(0.01)
        return False

    def show_error(self, exc: BaseException | str) -> None:
        text = error_text(exc)  # a service's English message in the UI's language
        self.statusBar().showMessage(text, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "gis-carbon", text, parent=self)
        box.open()
        self._last_error = text

    # ---------------------------------------------------------------- boundaries & layers
    def _start_boundary_load(self) -> None:
        def load(feedback: Feedback) -> dict[str, Any]:
            feedback.progress(0.1)
            counties = _load_boundaries("county")
            provinces = _load_boundaries("province")
            return {
                "counties": counties,
                "provinces": provinces,
                "overview": self._render_overview(provinces, counties),
            }

        def failed(exc: BaseException) -> None:
            self._boundaries_ready.set()  # the projects load without the map's boundaries
            self.show_error(exc)

        self._track(
            tr("Loading boundaries"),
            load,
            self._boundaries_loaded,
            on_error=failed,
            runner=self.file_runner,
        )

        def warm_index(feedback: Feedback) -> None:
            # The county index that places every new project: built once (~1 s), on a worker
            # rather than on the first edit. And the modules the GUI thread imports when the
            # user first imports or exports: importing them there took 50–200 ms.
            import importlib

            from gis_carbon.geo.locate import default_index

            default_index()
            for module in WARM_MODULES:
                importlib.import_module(module)

        self._when_projects_loaded(
            lambda: self._track(
                tr("Loading boundaries"),
                warm_index,
                lambda _r: _freeze_heap(),
                runner=self.file_runner,
            )
        )

    def _when_projects_loaded(self, start: Any) -> None:
        """Run `start()` once the first load of the projects has ended (now if it has)."""
        if self._first_load_done:
            start()
        else:
            self._after_first_load.append(start)

    def _first_load_ended(self) -> None:
        if self._first_load_done or self._closed:
            return
        self._first_load_done = True
        pending, self._after_first_load = self._after_first_load, []
        for start in pending:
            start()

    def _overview_bounds(self) -> tuple[float, float, float, float]:
        return (109.0, 27.5, 121.5, 41.8)  # north China plain down to Hunan: every seed plan

    def _render_overview(self, provinces: BoundaryData, counties: BoundaryData) -> QImage:
        """The inset: provinces with the plan regions filled, rendered once on the worker."""
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QColor, QFont, QPainter

        view = overview_view(self._overview_bounds())
        scene = Scene(
            layers=[
                LayerState(
                    "counties", "", "boundary", style={"stroke": "#00000000", "labels": False}
                ),
                LayerState(
                    "provinces", "", "boundary", style={"stroke": "#8a8a8a", "labels": False}
                ),
            ],
            data={"counties": counties, "provinces": provinces},
            emphasis=self.canvas.emphasis,
            focus=self.canvas.focus,
            labels=False,
            font_family=self.font_family,
        )
        image = Renderer().render(scene, view, background="#fbfaf6")
        painter = QPainter(image)
        font = QFont(self.font_family)
        font.setPixelSize(11)
        painter.setFont(font)
        painter.setPen(QColor("#1a3d6d"))
        for code in sorted(self.canvas.emphasis):
            data = counties if code in counties.index else provinces
            i = data.index.get(code)
            if i is None or (
                code not in ("430781", "120000") and len(code) == 6 and code.startswith("12")
            ):
                continue  # Tianjin's districts share its label in the small inset
            x, y = view.world_to_screen(*data.label_xy[i])
            painter.drawText(QPointF(float(x) + 4, float(y) + 4), data.names[i])
        painter.end()
        self._overview_view = view
        return image

    def _boundaries_loaded(self, result: dict[str, Any]) -> None:
        self._boundaries_ready.set()
        self.canvas.data["provinces"] = result["provinces"]
        self.canvas.data["counties"] = result["counties"]
        self.canvas.overview = result["overview"]
        self.canvas.overview_view = self._overview_view
        counties: BoundaryData = result["counties"]
        provinces: BoundaryData = result["provinces"]
        for data in (provinces, counties):
            self.region_names.update(zip(data.codes, data.names, strict=True))
        self._refresh_region_choices()
        # county names for the table's column (the projects themselves are unchanged)
        self.projects_panel.set_region_names(self.region_names)
        if self._initial_zoom:
            self.zoom_to_plan()
        else:
            self.canvas.request_render()

    def refresh_from_workspace(self) -> None:
        """View → Refresh (F5): layers and projects another process added appear."""
        self.refresh_layers()
        self.refresh_projects()
        self.evaluate()

    def refresh_layers(self) -> None:
        """User layers from the workspace (listed and loaded on workers) plus the base ones."""
        self._track(
            tr("Loading layer"),
            lambda _feedback, ws: ws.layers(),
            self._show_layers,
            workspace=True,
        )

    def _show_layers(self, records: list[Any]) -> None:
        known = {layer.id for layer in self.canvas.state.layers}
        for record in records:
            layer_id = f"user:{record.id}"
            if layer_id in known:
                continue
            kind = "raster" if record.kind == "raster" else "vector"
            style = {**ROLE_STYLES.get(record.role, {}), **dict(record.style)}
            if record.role == "constraint":
                style.setdefault("hatch", True)
            style["role_label"] = role_key(record.role, record.params)
            self.canvas.state.add(
                LayerState(
                    layer_id, record.title_zh, kind, record.title_en or record.id, style=style
                ),
                1,
            )
            self._load_user_layer(record, layer_id, style)
        self.layers_panel.set_layers(self.canvas.state.layers)
        self._update_legend()

    def _load_user_layer(self, record: Any, layer_id: str, style: dict[str, Any]) -> None:
        def load(feedback: Feedback, ws: WorkspaceStore) -> Any:
            if record.kind == "raster":
                return _read_raster(layer_file(ws, record))
            features = ws.layer_features(record.id)
            return VectorLayerData.from_features(features, style), FeatureIndex.from_features(
                features
            )

        self._track(
            tr("Loading layer"),
            load,
            lambda data: self._layer_data_loaded(layer_id, data),
            on_error=lambda exc: self.statusBar().showMessage(
                f"{record.title_zh}: {error_text(exc)}", 15000
            ),
            workspace=True,
        )

    def _layer_data_loaded(self, layer_id: str, data: Any) -> None:
        if isinstance(data, tuple):  # a vector layer: what is drawn, and its features
            data, index = data
            self.canvas.set_layer_features(layer_id, index)
        self.canvas.set_layer_data(layer_id, data)
        self._update_legend()  # the symbol shows the geometry kind, known now

    def _update_legend(self, type_counts: dict[str, int] | None = None) -> None:
        if type_counts is not None:
            self._project_type_counts = type_counts
        elif self._project_type_counts is None:
            self._project_type_counts = Counter(p.type for p in self.canvas.projects.values())
        self.legend_panel.set_content(
            self.canvas.state.layers, self.canvas.data, self._project_type_counts
        )

    def _layer_visibility(self, layer_id: str, visible: bool) -> None:
        self.canvas.state.set_visible(layer_id, visible)
        self.canvas.request_render()
        self._update_legend()

    def _layer_opacity(self, layer_id: str, opacity: float) -> None:
        self.canvas.state.set_opacity(layer_id, opacity)
        self.canvas.request_render()

    def _layer_order(self, layer_id: str, index: int) -> None:
        self.canvas.state.move(layer_id, index)
        self.layers_panel.set_layers(self.canvas.state.layers)
        self.canvas.request_render()
        self._update_legend()

    def _layer_colour(self, layer_id: str, colour: str) -> None:
        self.canvas.state.set_style(layer_id, stroke=colour)
        data = self.canvas.data.get(layer_id)
        if isinstance(data, VectorLayerData):
            data.style = {**data.style, "stroke": colour}
        self.canvas.request_render()
        self._update_legend()

    def remove_layer(self, layer_id: str) -> None:
        """Remove a user layer (map id ``user:<id>``, already confirmed) from the workspace.

        The service runs on the edit worker, in order with project edits: removing a
        township layer assigns the projects' townships again. Then the layer leaves the map
        and the list, and the projects and targets reload."""
        if not layer_id.startswith(USER_LAYER_PREFIX):
            return
        record_id = layer_id.removeprefix(USER_LAYER_PREFIX)

        def work(feedback: Feedback, ws: WorkspaceStore) -> Any:
            from gis_carbon.services.layers import remove_layer

            return remove_layer(ws, record_id)

        def done(removed: Any) -> None:
            if any(layer.id == layer_id for layer in self.canvas.state.layers):
                self.canvas.state.remove(layer_id)
            self.canvas.data.pop(layer_id, None)
            self.canvas.remove_layer_features(layer_id)
            self._close_attribute_table(layer_id)
            self.layers_panel.set_layers(self.canvas.state.layers)
            self._update_legend()
            message = tr("Removed layer {title}: {n} features").format(
                title=removed.layer.title_zh, n=removed.features
            )
            if removed.projects:
                message += "; " + tr("township changed on {n} projects").format(
                    n=len(removed.projects)
                )
            self.statusBar().showMessage(message, 10000)
            self.canvas.request_render()
            self.refresh_projects()
            self.evaluate()

        self._track(
            tr("Removing layer"),
            work,
            done,
            runner=self.edit_runner,
            workspace=True,
        )

    def zoom_to_layer(self, layer_id: str) -> None:
        data = self.canvas.data.get(layer_id)
        bounds = None
        if layer_id == "projects" and self.canvas.projects:
            import numpy as np

            xy = self.canvas.data["projects"].xy
            low, high = np.asarray(xy.min(axis=0)), np.asarray(xy.max(axis=0))
            bounds = (float(low[0]), float(low[1]), float(high[0]), float(high[1]))
        elif isinstance(data, BoundaryData):
            self.zoom_full()
            return
        elif isinstance(data, VectorLayerData) and len(data.bboxes):
            import numpy as np

            b = data.bboxes
            bounds = (
                float(np.nanmin(b[:, 0])),
                float(np.nanmin(b[:, 1])),
                float(np.nanmax(b[:, 2])),
                float(np.nanmax(b[:, 3])),
            )
        elif isinstance(data, RasterLayerData):
            bounds = data.world_bounds
        if bounds is not None:
            self._initial_zoom = False
            self.canvas.zoom_to_world_bounds(bounds)

    # ---------------------------------------------------------------- navigation
    def zoom_full(self) -> None:
        self._initial_zoom = False
        self.canvas.zoom_to_lonlat_bounds((73.5, 18.0, 135.0, 53.5))

    def _region_bounds(self, code: str) -> tuple[float, float, float, float] | None:
        for key in ("counties", "provinces"):
            data = self.canvas.data.get(key)
            if isinstance(data, BoundaryData):
                bounds = data.bounds_of(code)
                if bounds is not None:
                    return bounds
        return None

    def zoom_to_plan(self) -> None:
        if not self.plan_id:
            return
        code = self.plans[self.plan_id].region_code
        bounds = self._region_bounds(code)
        if bounds is None:  # boundaries still loading: the projects of the plan's region
            projects = [p for p in self.canvas.projects.values() if code in p.regions.codes]
            if not projects:
                return
            lons = [p.lonlat[0] for p in projects]
            lats = [p.lonlat[1] for p in projects]
            self.canvas.zoom_to_lonlat_bounds((min(lons), min(lats), max(lons), max(lats)))
            return
        self._initial_zoom = False
        self.canvas.set_view(
            self.canvas.view.resized(self.canvas.width(), self.canvas.height()).fitted(
                bounds, margin=0.12
            )
        )

    def zoom_to_selection(self) -> None:
        """Zoom to the selected projects and user-layer features (a point: ~1 km around)."""
        from gis_carbon.qt.map_tools import selection_bounds, zoom_to_lonlat_box

        bounds = selection_bounds(self.canvas)
        if bounds is None:
            self.statusBar().showMessage(tr("Nothing is selected."), 5000)
            return
        self._initial_zoom = False
        zoom_to_lonlat_box(self.canvas, bounds)

    def _show_coordinates(self, lon: float, lat: float) -> None:
        text = f"WGS 84: {lon:.5f}°E {lat:.5f}°N"
        try:
            zone = gk_zone_3deg(lon)
            east, north = from_wgs84(lon, lat, gk_crs(zone))
            text += f"   CGCS2000 GK 3° {tr('zone')} {zone}: E {east:,.0f} N {north:,.0f}"
        except GisCarbonError:
            pass  # outside China's GK zones: WGS 84 only
        self.coords.setText(text)

    def set_tool(self, tool: Tool) -> None:
        self.canvas.set_tool(tool)
        self.tool_actions[tool].setChecked(True)
        self.canvas.set_hatched([])

    # ---------------------------------------------------------------- projects & selection
    def refresh_projects(self, then: Any = None) -> None:
        """Reload the projects (on a worker: thousands take longer than a frame) into the
        map, the table and the properties panel; `then()` runs once they are shown."""
        self._projects_generation += 1
        generation = self._projects_generation

        # Shown while loading only into an empty map: a reload after an edit keeps the
        # projects shown until the new set is whole.
        progressive = not self.canvas.projects

        ready = self._boundaries_ready

        def load(feedback: SignalFeedback, ws: WorkspaceStore) -> Any:
            stale = lambda: generation != self._projects_generation  # noqa: E731
            if stale():
                return None  # a newer reload is queued behind this one
            ready.wait(BOUNDARY_WAIT_S)
            return read_projects(
                ws, feedback, on_snapshot=feedback.partial if progressive else None, is_stale=stale
            )

        def loaded(result: Any) -> None:
            if result is not None and generation == self._projects_generation:
                self._show_projects(result)
                self._first_load_ended()
            if then is not None:
                then()

        def partly_loaded(snapshot: ProjectSnapshot) -> None:
            if generation == self._projects_generation:
                self._show_projects(snapshot)

        self._track(tr("Loading projects"), load, loaded, workspace=True, on_partial=partly_loaded)

    def _show_projects(self, snapshot: ProjectSnapshot) -> None:
        """Swap in what a worker read: no pass over the projects here (10⁶ of them)."""
        projects, layer, counties = snapshot.projects, snapshot.layer, snapshot.counties
        self.canvas.set_projects(projects, layer, by_id=snapshot.by_id)
        self.projects_panel.set_projects(projects, self.region_names, ordered_by_id=True)
        self._update_legend(snapshot.type_counts)
        if not snapshot.complete:
            self.statusBar().showMessage(
                tr("Loading projects: {n} of {m}").format(
                    n=f"{len(projects):,}", m=f"{snapshot.total:,}"
                ),
                3000,
            )
        if self.canvas.selected:
            self._show_selected()
        self._project_counties = counties
        self._refresh_region_choices()
        _freeze_heap()

    def _refresh_region_choices(self) -> None:
        """The table's region filter: the plans' regions, then every county with projects
        (collected by the worker that loaded them: no workspace read on the GUI thread)."""
        seen: dict[str, str] = {}
        for plan in self.plans.values():
            seen.setdefault(plan.region_code, plan.region_name)
        for county in self._project_counties:
            if county not in seen:
                seen[county] = self.region_names.get(county, county)
        current = self.projects_panel.region.currentData()
        self.projects_panel.set_regions(sorted(seen.items()), current)

    def _canvas_selection(self, ids: frozenset[int]) -> None:
        self.projects_panel.select(ids, emit=False)
        self._show_selected()

    def _table_selection(self, ids: frozenset[int]) -> None:
        self.canvas.set_selection(ids, emit=False)
        self._show_selected()

    def _show_selected(self) -> None:
        ids = sorted(self.canvas.selected)
        if ids:
            self.properties_panel.show_project(self.canvas.projects[ids[0]], self.region_names)
        else:
            self.properties_panel.show_nothing()

    def _region_identified(self, code: str) -> None:
        try:
            from gis_carbon.geo.boundaries import ancestors

            chain = " › ".join(r.name for r in ancestors(code))
        except Exception:  # an unknown code: show what we have
            chain = ""
        self.properties_panel.show_region(code, self.region_names.get(code, code), chain)

    # ---------------------------------------------------------------- identify & tables
    def _layer_title(self, layer_id: str) -> str:
        return next(
            (layer.title(language()) for layer in self.canvas.state.layers if layer.id == layer_id),
            layer_id,
        )

    def _project_fields(self, project: Any) -> list[tuple[str, str]]:
        from gis_carbon.model.types import STATUS_INFO
        from gis_carbon.qt.panels import capacity_text

        zh = language() == "zh"
        info = STATUS_INFO[project.status]
        county = project.regions.county or ""
        return [
            (tr("ID"), str(project.id)),
            (tr("Type"), project.project_type.name_zh if zh else project.project_type.name_en),
            (tr("Capacity"), capacity_text(project)),
            (tr("Status"), info.name_zh if zh else info.name_en),
            (tr("Commissioning year"), "" if project.year is None else str(project.year)),
            (tr("Owner"), project.owner),
            (tr("County"), self.region_names.get(county, county)),
        ]

    def _show_identified(self, hits: list[tuple[str, list[Any]]]) -> None:
        """Every visible layer's features under the click, with their attributes."""
        groups = []
        for layer_id, ids in hits:
            items: list[tuple[str, list[tuple[str, str]]]] = []
            if layer_id == "projects":
                for pid in ids:
                    project = self.canvas.projects.get(pid)
                    if project is not None:
                        items.append((project.name, self._project_fields(project)))
            elif layer_id in self.canvas.features:
                index = self.canvas.features[layer_id]
                for i in ids:
                    props = index.properties[i]
                    fields = [(str(k), "" if v is None else str(v)) for k, v in props.items()]
                    items.append((feature_label(props, i), fields))
            else:  # a boundary layer: the region
                for code in ids:
                    name = self.region_names.get(code, code)
                    items.append((name, [(tr("Code"), code), (tr("Name"), name)]))
            if items:
                groups.append((self._layer_title(layer_id), items))
        self.identify_panel.show_hits(groups)
        if self.canvas.tool == Tool.IDENTIFY:
            self.docks["identify"].show()
            self.docks["identify"].raise_()

    def open_attribute_table(self, layer_id: str) -> AttributeTable | None:
        """The layer's attribute table in a dock under the map (the projects' is the
        project table)."""
        if layer_id == "projects":
            self.docks["projects"].show()
            self.docks["projects"].raise_()
            return None
        index = self.canvas.features.get(layer_id)
        if index is None:
            self.statusBar().showMessage(tr("This layer has no attribute table."), 5000)
            return None
        table = self.attribute_tables.get(layer_id)
        if table is None:
            title = self._layer_title(layer_id)
            table = AttributeTable(layer_id, title, index)
            table.selection_changed.connect(self._table_feature_selection)
            table.select(self.canvas.feature_selection.get(layer_id, frozenset()))
            dock = QDockWidget(tr("Attribute table: {title}").format(title=title), self)
            dock.setObjectName(f"dock_table_{layer_id}")
            dock.setWidget(table)
            dock.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            self.tabifyDockWidget(self.docks["projects"], dock)
            self.docks[f"table:{layer_id}"] = dock
            self.attribute_tables[layer_id] = table
        dock = self.docks[f"table:{layer_id}"]
        dock.show()
        dock.raise_()
        return table

    def _close_attribute_table(self, layer_id: str) -> None:
        table = self.attribute_tables.pop(layer_id, None)
        dock = self.docks.pop(f"table:{layer_id}", None)
        if dock is not None:
            self.removeDockWidget(dock)
            dock.deleteLater()
        if table is not None:
            table.deleteLater()

    def _table_feature_selection(self, layer_id: str, ids: frozenset[int]) -> None:
        self.canvas.set_feature_selection(layer_id, ids, emit=False)

    def _map_feature_selection(self, layer_id: str, ids: frozenset[int]) -> None:
        table = self.attribute_tables.get(layer_id)
        if table is not None:
            table.select(ids)
        if ids:
            self.statusBar().showMessage(
                tr("{n} selected in {title}").format(n=len(ids), title=self._layer_title(layer_id)),
                5000,
            )

    # ---------------------------------------------------------------- targets
    def _set_focus_region(self) -> None:
        if self.plan_id:
            self.canvas.focus = frozenset({self.plans[self.plan_id].region_code})

    def _plan_changed(self, plan_id: str) -> None:
        self.plan_id = plan_id or None
        self._set_focus_region()
        self.projects_panel.set_regions(
            [(p.region_code, p.region_name) for p in self.plans.values()],
            self.plans[plan_id].region_code if plan_id else None,
        )
        self.evaluate()
        self.zoom_to_plan()

    def policy(self) -> str:
        return str(self.targets_panel.policy.currentData())

    def evaluate(self) -> None:
        """Evaluate the chosen plan's targets and draw its chart, on a worker."""
        if not self.plan_id:
            return
        from gis_carbon.services import progress as progress_service

        self._evaluation_generation += 1
        generation, plan_id, policy = (self._evaluation_generation, self.plan_id, self.policy())
        lang = language()

        def work(feedback: Feedback, ws: WorkspaceStore) -> tuple[int, list[Any] | None, Any]:
            if generation != self._evaluation_generation:
                return generation, None, None  # superseded while queued: skip the work
            results = progress_service.evaluate_plan(ws, plan_id, policy=policy, feedback=feedback)
            # matplotlib in a child process: its FreeType text layout held the GIL here for
            # 100+ ms at a time, and the GUI thread waited (see chart_process).
            png = chart_png(ws.location, plan_id, lang)
            chart = QImage.fromData(png) if png else None  # the format is read from the bytes
            return generation, results, chart

        self.targets_panel.set_busy(tr("Evaluating…"))
        self._track(tr("Evaluating targets"), work, self._evaluated, workspace=True)
        self.refresh_rollup()

    def _evaluated(self, result: tuple[int, list[Any], Any]) -> None:
        generation, progress, chart = result
        if generation != self._evaluation_generation or progress is None:
            return  # an older evaluation finishing late
        self.progress = progress
        chosen = self.targets_panel.chosen
        self.targets_panel.show_progress(progress)
        self.targets_panel.set_chart(chart if chart is not None and not chart.isNull() else None)
        title = self.plans[self.plan_id].name if self.plan_id else ""
        self.chart_view.show_chart(title, chart, progress)
        if chosen:
            self.targets_panel.choose(chosen)

    def record_indicator(self, target_id: str, year: int, value: str) -> None:
        """A value typed under 待录入数据: stored like `record-indicator`, then re-evaluated."""
        from gis_carbon.services import progress as progress_service

        target = next(p.target for p in self.progress if p.target.id == target_id)
        indicator = str(target.params.get("indicator") or target.id)

        def work(feedback: Feedback, ws: WorkspaceStore) -> Any:
            return progress_service.record_indicator(
                ws,
                indicator,
                region_code=target.region_code,
                year=year,
                value=value,
                source="gis-carbon window",
            )

        def done(recorded: Any) -> None:
            self.statusBar().showMessage(
                tr("Recorded {name} {year}: {value} {unit}").format(
                    name=target.name_zh,
                    year=recorded.year,
                    value=recorded.value,
                    unit=recorded.unit,
                ),
                5000,
            )
            self.evaluate()

        self._track(tr("Saving"), work, done, workspace=True)

    def _target_chosen(self, progress: Any) -> None:
        ids = frozenset(pid for pid, _v in progress.contributors) if progress else frozenset()
        self.canvas.set_highlight(ids)

    # ---------------------------------------------------------------- editing
    def _geometry_drawn(self, geometry: Any, tool: str) -> None:
        """Check the site first (warnings show before the form), then open the form."""
        self._drawn_geometry = geometry
        self._check_site(geometry, then_open_form=True)

    def _show_sketch_measure(self, geometry: Any) -> None:
        """The running length (m/km) and area (亩/ha) of the drawing, in the status bar."""
        text = geometry_measure_text(geometry)
        self.measure_label.setText(text)
        # room for the whole text: the status bar otherwise squeezes it behind the coordinates
        self.measure_label.setMinimumWidth(
            self.measure_label.fontMetrics().horizontalAdvance(text) + 12
        )
        self.measure_label.setVisible(bool(text))

    def _drawing_changed(self, geometry: Any) -> None:
        if geometry is None:
            return
        self._check_site(geometry, then_open_form=False)

    def _check_site(self, geometry: Any, then_open_form: bool) -> None:
        from gis_carbon.services import siting as siting_service

        self._siting_generation += 1
        generation = self._siting_generation

        def work(feedback: Feedback, ws: WorkspaceStore) -> Any:
            if generation != self._siting_generation and not then_open_form:
                return _STALE  # the drawing moved on while this check was queued
            if not ws.layers():
                return None
            # the context is cached per workspace file and rebuilt (from this worker's
            # connection) only when the layers change; check() itself reads no SQL
            return siting_service.siting_context(ws).check(geometry, None)

        def done(report: Any) -> None:
            if report is _STALE:
                return
            if generation == self._siting_generation or then_open_form:
                self._show_site_report(report, geometry)
            if then_open_form:
                self.open_project_form(geometry)

        def failed(exc: BaseException) -> None:
            self.siting_panel.show_text(f"{tr('Siting check failed')}: {error_text(exc)}")
            if then_open_form:
                self.open_project_form(geometry)

        self._track(tr("Checking site"), work, done, on_error=failed, workspace=True)

    def _show_site_report(self, report: Any, geometry: Any = None) -> None:
        if report is None:
            self.siting_panel.show_text(
                tr("No constraint layers in this workspace."), geometry=geometry
            )
            self.canvas.set_hatched([])
            return
        self.siting_panel.show_report(report, geometry)
        paths = [
            geometry_path(v.overlap_geometry)[0]
            for v in report.violations
            if v.overlap_geometry is not None and not v.overlap_geometry.is_empty
        ]
        self.canvas.set_hatched(paths)
        if report.violations:
            self.docks["siting"].raise_()

    def open_project_form(self, geometry: Any, project: Any = None) -> ProjectForm:
        form = ProjectForm(geometry, self, project=project)
        form.accepted_input.connect(self._form_accepted)
        form.finished.connect(lambda _r: self._form_closed(form))
        self.project_form = form
        form.open()
        return form

    def _form_closed(self, form: ProjectForm) -> None:
        if self.project_form is form:
            self.project_form = None
        self.canvas.set_hatched([])

    def _form_accepted(self, payload: Any) -> None:
        if isinstance(payload, tuple):
            project, changes = payload
            self.run_command(EditProject(self.store, project, changes))
        else:
            self.run_command(AddProject(self.store, payload))

    def run_command(self, command: Any) -> None:
        """Do an edit on the workspace worker (where every pyproj call of the services runs:
        pyproj transformers cached in gis_carbon.geo.crs must not be used from two threads)."""
        self._run_on_stack("push", command)

    def undo(self) -> None:
        if self.undo_stack.can_undo():
            self._run_on_stack("undo")

    def redo(self) -> None:
        if self.undo_stack.can_redo():
            self._run_on_stack("redo")

    def _run_on_stack(self, operation: str, command: Any = None) -> None:
        stack = self.undo_stack

        def work(feedback: Feedback) -> Any:
            # On the edit worker (one thread, so edits apply in the order made); the
            # commands' store opens its own connection for each write.
            if operation == "push":
                return stack.push(command)
            if operation == "undo":
                return stack.undo() if stack.can_undo() else None
            return stack.redo() if stack.can_redo() else None

        def done(result: Any) -> None:
            self._update_undo_actions()
            if result is not None:
                self._after_edit(result)

        def failed(exc: BaseException) -> None:
            self._update_undo_actions()
            if self.plan_editor is not None and self.plan_editor.isVisible():
                self.plan_editor.show_error(exc)  # shown where the user typed it
            else:
                self.show_error(exc)

        self._track(tr("Saving"), work, done, on_error=failed, runner=self.edit_runner)

    def open_plan_editor(self) -> None:
        """Plans and targets, edited in place; every change undoable with the map's edits."""
        from gis_carbon.services.store import PlanCommandPathStore

        if self.plan_editor is None:
            self.plan_editor = PlanEditor(
                self.run_command, PlanCommandPathStore(self.ws.location), self
            )
            # Ctrl+Z / Ctrl+Shift+Z work in the editor too: one undo stack for every edit
            self.plan_editor.addActions([self.action_table["undo"], self.action_table["redo"]])
        self.plan_editor.reload(self.ws.plans(), self.ws.targets(), self.plan_id)
        self.plan_editor.show()
        self.plan_editor.raise_()

    def _reload_plans(self) -> None:
        """After a plan or target changed: the plan list, the editor and the targets."""
        self.plans = {p.id: p for p in self.ws.plans()}
        self.targets_panel.set_plans(list(self.plans.values()), self.plan_id)
        if self.plan_editor is not None and self.plan_editor.isVisible():
            self.plan_editor.reload(list(self.plans.values()), self.ws.targets())

    def _after_edit(self, command: Any) -> None:
        def select_touched() -> None:
            ids = [i for i in command.project_ids if i in self.canvas.projects]
            self.canvas.set_selection(set(ids))

        if isinstance(command, PLAN_COMMANDS):
            self._reload_plans()
        else:
            self.refresh_projects(then=select_touched)
        self.evaluate()
        text = command.text_zh if language() == "zh" else command.text_en
        self.statusBar().showMessage(text, 5000)

    def _update_undo_actions(self) -> None:
        lang = language()
        for key, can, text in (
            ("undo", self.undo_stack.can_undo(), self.undo_stack.undo_text(lang)),
            ("redo", self.undo_stack.can_redo(), self.undo_stack.redo_text(lang)),
        ):
            action = self.action_table[key]
            action.setEnabled(can)
            # a fixed text keeps the toolbar still; the command is named in the tooltip
            action.setText(tr(key.capitalize()))
            action.setToolTip(f"{tr(key.capitalize())} {text}".strip())

    def move_project(self, project_id: int, geometry: Any) -> None:
        project = self.ws.get_project(project_id)
        self.run_command(MoveProject(self.store, project, geometry))

    def edit_project_dialog(self, project_id: int) -> None:
        project = self.ws.get_project(project_id)
        self.open_project_form(project.geometry, project)

    def delete_selected(self) -> None:
        self.delete_projects(set(self.canvas.selected))

    def delete_projects(self, ids: set[int]) -> None:
        for pid in sorted(ids):
            self.run_command(DeleteProject(self.store, self.ws.get_project(pid)))

    # ---------------------------------------------------------------- workspace, import, export
    def new_workspace(self) -> None:
        dialog = workspace_files.workspace_dialog(self, save=True, title=tr("New workspace"))
        path = workspace_files.chosen_path(dialog, save=True)
        if path:
            self._switch_workspace(path)

    def open_workspace_dialog(self) -> None:
        dialog = workspace_files.workspace_dialog(self, save=False, title=tr("Open workspace"))
        path = workspace_files.chosen_path(dialog, save=False)
        if path:
            self._switch_workspace(path)

    def save_workspace_as_dialog(self) -> None:
        dialog = workspace_files.workspace_dialog(self, save=True, title=tr("Save workspace as"))
        path = workspace_files.chosen_path(dialog, save=True)
        if path:
            self.save_workspace_as(path)

    def save_workspace_as(self, path: str) -> None:
        """A consistent copy of the workspace (SQLite's online backup), then work on in it."""
        try:
            self.ws.backup(Path(path))
        except GisCarbonError as exc:
            self.show_error(exc)
            return
        self._switch_workspace(path)

    def backup_dialog(self) -> None:
        dialog = workspace_files.workspace_dialog(self, save=True, title=tr("Back up workspace"))
        path = workspace_files.chosen_path(dialog, save=True)
        if path:
            self.backup_workspace(path)

    def backup_workspace(self, path: str) -> None:
        """A consistent copy (SQLite's online backup) on a worker; the window stays usable."""
        from gis_carbon.services.safety import backup_workspace

        def work(feedback: Feedback, ws: WorkspaceStore) -> Any:
            return backup_workspace(ws, path)

        self._track(
            tr("Backing up"),
            work,
            lambda out: self.statusBar().showMessage(
                tr("Backed up to {path}").format(path=out), 10000
            ),
            workspace=True,
        )

    def restore_dialog(self) -> None:
        dialog = workspace_files.workspace_dialog(self, save=False, title=tr("Restore from backup"))
        path = workspace_files.chosen_path(dialog, save=False)
        if path:
            self.restore_workspace(path)

    def restore_workspace(self, backup: str) -> None:
        """The backup checked, put in place (the current file kept as ….before-restore),
        then opened in a new window."""
        from gis_carbon.services.safety import restore_workspace

        try:
            kept = restore_workspace(self.ws.location, backup)
        except GisCarbonError as exc:
            self.show_error(exc)
            return
        self._switch_workspace(self.ws.location)
        if self._replacement is not None:
            self._replacement.statusBar().showMessage(
                tr("Restored; the replaced workspace is kept as {path}").format(path=kept), 15000
            )

    def _check_on_open(self) -> None:
        """The quick part of `gis-carbon check`, on a worker, each time a workspace opens."""

        def work(feedback: Feedback, ws: WorkspaceStore) -> Any:
            return ws.check(quick=True)

        def done(problems: list[str]) -> None:
            self.check_problems = list(problems)
            if problems:
                self.show_error(
                    tr("The workspace check found problems (run gis-carbon check):")
                    + "\n"
                    + "\n".join(problems[:5])
                )

        self._track(tr("Checking the workspace"), work, done, workspace=True)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self._switch_workspace(p))
        self.recent_menu.setEnabled(bool(paths))

    def connect_team_dialog(self) -> None:
        from gis_carbon.qt.team import ConnectTeamDialog, use_session_password

        dialog = ConnectTeamDialog(self, str(self.settings.value("team/url", "") or ""))
        if dialog.exec() != ConnectTeamDialog.DialogCode.Accepted:
            return
        url, password = dialog.values()
        use_session_password(password)
        self.settings.setValue("team/url", url)
        self._switch_workspace(url)

    def apply_remote_changes(self, projects: bool, plans: bool) -> None:
        """A colleague committed: reload what changed, keeping the selection (the table
        and the map re-select it) and any open form (its edit is checked against the new
        version when saved)."""
        if plans:
            self._reload_plans()
        if projects:
            self.refresh_projects()
        if projects or plans:
            self.evaluate()
        self.statusBar().showMessage(tr("Updated with colleagues' changes"), 5000)

    def _switch_workspace(self, path: str) -> None:
        from gis_carbon.services import open_workspace

        try:
            ws = open_workspace(path)
        except GisCarbonError as exc:
            self.show_error(exc)
            return
        self.save_settings()
        window = MainWindow(ws, settings=self.settings, font_family=self.font_family)
        window.show()
        self.settings.setValue("last_workspace", ws.location)
        self.recent.add(ws.location)
        self._replacement = window
        self.close()

    def import_dialog(self, path: str = "") -> Any:
        """The import wizard (services.imports' options); the import runs once it is accepted."""
        from gis_carbon.qt.import_wizard import ImportWizard

        wizard = ImportWizard(self, self.ws.location, self.runner, plan_id=self.plan_id, path=path)
        wizard.accepted.connect(lambda: self.import_path(wizard.path(), **wizard.import_options()))
        wizard.open()
        return wizard

    def import_path(self, path: str, **options: Any) -> None:
        from gis_carbon.services import background

        workspace = self.ws.location

        # In a child process (services.background): the import's per-row Python would
        # otherwise hold the GIL the GUI thread needs. This worker thread only waits.
        def work(feedback: Feedback) -> Any:
            return background.run_import(workspace, path, feedback=feedback, **options)

        def done(result: Any) -> None:
            self.statusBar().showMessage(
                tr("Imported {n} from {name}").format(n=result.count, name=Path(path).name), 10000
            )
            self.refresh_layers()
            self.refresh_projects()
            self.evaluate()

        self._track(tr("Importing"), work, done, user=True)

    def export_dialog(self) -> Any:
        """The export dialog (services.exports' options); the export runs once it is accepted."""
        from gis_carbon.qt.export_dialog import ExportDialog

        plan = self.plans.get(self.plan_id) if self.plan_id else None
        dialog = ExportDialog(
            self,
            plan_id=self.plan_id,
            plan_label=f"{plan.region_name} · {plan.name}" if plan else "",
            region_code=plan.region_code if plan else "",
            selected=sorted(self.canvas.selected),
        )

        def run() -> None:
            fmt, target, options = dialog.export_request()
            self.export_path(str(target), fmt, **options)

        dialog.accepted.connect(run)
        dialog.open()
        return dialog

    def import_plan_dialog(self) -> None:
        path, _chosen = QFileDialog.getOpenFileName(
            self,
            tr("Import plan document"),
            "",
            tr("Plan documents") + " (*.txt *.docx *.pdf *.md);;* (*)",
        )
        if path:
            self.import_plan(path)

    def import_plan(self, path: str) -> None:
        """Read a plan document on a worker, then the review dialog; nothing is written
        until its OK."""
        from gis_carbon.services import plan_import

        def work(feedback: Feedback) -> Any:
            return plan_import.propose(path)

        def proposed(proposal: Any) -> None:
            from gis_carbon.qt.plan_review import PlanReviewDialog

            current = self.plans.get(self.plan_id or "")
            dialog = PlanReviewDialog(
                proposal.title,
                plan_import.review_rows(proposal),
                current.region_name if current else "",
                lambda rows, region, name: self._accept_plan(dialog, path, rows, region, name),
                self,
            )
            self.plan_review = dialog
            dialog.open()

        self._track(tr("Reading the plan document"), work, proposed, user=True)

    def _accept_plan(
        self, dialog: Any, path: str, rows: list[dict[str, Any]], region: str, name: str
    ) -> None:
        from gis_carbon.services import plan_import

        def work(feedback: Feedback, ws: WorkspaceStore) -> Any:
            return plan_import.accept_rows(ws, path, rows, region=region, name=name or None)

        def done(result: Any) -> None:
            plan, targets, projects = result
            dialog.accept()
            self._reload_plans()
            self.refresh_projects()
            self.statusBar().showMessage(
                tr("Added plan {name}: {t} targets, {p} projects").format(
                    name=plan.name, t=targets, p=projects
                ),
                10000,
            )

        self._track(tr("Saving"), work, done, on_error=dialog.show_error, workspace=True)

    def export_indicators_dialog(self) -> None:
        if not self.plan_id:
            return
        path, _chosen = QFileDialog.getSaveFileName(
            self, tr("Export indicator template"), "", "Excel (*.xlsx)"
        )
        if path:
            self.export_indicators(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def export_indicators(self, path: str) -> None:
        """The plan's indicators as an Excel template, a column per year (existing values)."""
        from gis_carbon.services.indicators import export_indicator_template

        plan_id = self.plan_id or ""

        def work(feedback: Feedback, ws: WorkspaceStore) -> Any:
            return export_indicator_template(ws, plan_id, path)

        self._track(
            tr("Exporting"),
            work,
            lambda _r: self.statusBar().showMessage(
                tr("Exported to {path}").format(path=path), 10000
            ),
            workspace=True,
        )

    def import_indicators_dialog(self) -> None:
        path, _chosen = QFileDialog.getOpenFileName(
            self, tr("Import indicators"), "", "Excel (*.xlsx)"
        )
        if path:
            self.import_indicators(path)

    def import_indicators(self, path: str) -> None:
        """A filled-in template read back, all values or none; then re-evaluated."""
        from gis_carbon.services.indicators import import_indicator_workbook

        def work(feedback: Feedback, ws: WorkspaceStore) -> Any:
            return import_indicator_workbook(ws, path)

        def done(result: Any) -> None:
            self.statusBar().showMessage(
                tr("Recorded {n} indicator values").format(n=len(result.recorded)), 10000
            )
            self.evaluate()

        self._track(tr("Importing"), work, done, workspace=True)

    def export_path(self, path: str, fmt: str | None = None, **options: Any) -> None:
        from gis_carbon.qt.export_dialog import written_names
        from gis_carbon.services import background

        fmt = fmt or Path(path).suffix.lstrip(".").lower()
        if not {"plan", "region", "project_ids"} & options.keys():
            options["plan"] = self.plan_id
        workspace = self.ws.location

        # In a child process, like imports (its charts use the child's own pyplot).
        def work(feedback: Feedback) -> Any:
            return background.run_export(workspace, fmt, path, feedback=feedback, **options)

        def done(result: Any) -> None:
            self.last_export = result
            folder = Path(result.paths[0]).parent if result.paths else Path(path).parent
            self.statusBar().showMessage(
                tr("Exported to {path}").format(
                    path=f"{written_names(list(result.paths))} ({folder})"
                ),
                15000,
            )

        self._track(tr("Exporting"), work, done, user=True)


def _freeze_heap() -> None:
    """Move every object alive now (boundaries, the location index, modules, the projects
    shown) out of the cyclic GC's reach. A full collection walks all tracked objects while
    holding the GIL — 100–130 ms with the boundaries loaded, stalling the GUI thread even
    when a worker triggered it. Frozen objects are still freed by reference counting when
    dropped (projects and boundary data hold no cycles)."""
    import gc

    gc.freeze()


_STALE = object()  # a live siting check skipped because a newer one is queued


def _read_raster(path: Path, max_pixels: int = 2048) -> RasterLayerData:
    """rasterio read (decimated to ≤ max_pixels a side) → colour ramp → QImage."""
    import rasterio
    from rasterio.warp import transform_bounds

    with rasterio.open(path) as src:
        scale = max(1.0, max(src.width, src.height) / max_pixels)
        shape = (max(1, int(src.height / scale)), max(1, int(src.width / scale)))
        values = src.read(1, out_shape=shape, masked=False)
        nodata = src.nodata
        bounds = src.bounds
        if src.crs is not None and src.crs.to_epsg() != 4326:
            bounds = transform_bounds(src.crs, "EPSG:4326", *bounds)
    x0, y0 = lonlat_to_world(bounds[0], bounds[1])
    x1, y1 = lonlat_to_world(bounds[2], bounds[3])
    return RasterLayerData(
        raster_image(values, nodata), (float(x0), float(y0), float(x1), float(y1))
    )
