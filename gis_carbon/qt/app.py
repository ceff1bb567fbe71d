"""Starting the desktop app: `python main.py [--workspace PATH] [--screenshot out.png]
[--plan 静海区] [--size 1600x1000] [--lang zh|en] [--timings]`.

Without the boundary cache (a first start) the window shows at once and builds it behind
(gis_carbon.qt.first_start); a new workspace is then seeded after the cache is ready."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# when this module was first imported: "after launch" where /proc cannot say better
LAUNCHED = time.perf_counter()


def seconds_since_launch() -> float:
    """The process's age: from /proc (interpreter start included) on Linux, else since this
    module was imported."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time in ticks
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - started)
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - LAUNCHED


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="gis-carbon desktop app")
    parser.add_argument("--workspace", help="workspace file (created and seeded when new)")
    parser.add_argument(
        "--screenshot", metavar="PNG", help="render the main window offscreen to this PNG and exit"
    )
    parser.add_argument("--plan", help="plan to show (id, name or region code), e.g. 静海区")
    parser.add_argument("--size", default=None, help="window size, e.g. 1600x1000")
    parser.add_argument("--lang", choices=("zh", "en"), help="UI language (default: Chinese)")
    parser.add_argument(
        "--timings",
        action="store_true",
        help="print to stderr how many seconds after launch the window was shown",
    )
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.size:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            parser.error(f"--size must look like 1600x1000; got {args.size!r}")
        if w < 400 or h < 300:
            parser.error(f"--size {args.size} is too small (at least 400x300)")
        args.size = (w, h)
    return args


NO_DISPLAY = (
    "gis-carbon: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set);"
    " run it on a desktop, under Xvfb (xvfb-run python main.py), or make a picture instead:"
    " python main.py --screenshot out.png"
)


def has_display(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether Qt has somewhere to show a window: an X or Wayland display, or a platform
    that needs none (offscreen, minimal, vnc…) chosen on purpose."""
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def run(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.screenshot and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not has_display():
        # Qt would abort with a page about xcb plugins; one line saying what to do instead
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gis_carbon.errors import GisCarbonError
    from gis_carbon.qt import i18n
    from gis_carbon.qt.fonts import ensure_cjk_font

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName("gis-carbon")
    app.setApplicationName("gis-carbon")
    settings = QSettings("gis-carbon", "gis-carbon")
    i18n.set_language(args.lang or str(settings.value("language", "zh")))
    i18n.install_qt_translator(app)
    family = ensure_cjk_font(app)

    from gis_carbon.qt.first_start import cache_missing
    from gis_carbon.qt.main_window import MainWindow
    from gis_carbon.services import open_workspace

    workspace = args.workspace or (None if args.screenshot else settings.value("last_workspace"))
    try:
        # without the boundary cache a new workspace is seeded after the window shows
        ws = open_workspace(workspace, seed=not cache_missing())
    except GisCarbonError as exc:
        print(f"gis-carbon: {exc}", file=sys.stderr)
        return 2
    # a workspace seeded after the window shows has no plans yet: --plan is chosen then
    plan_later = args.plan if args.plan and not ws.plans() and cache_missing() else None
    try:
        window = MainWindow(
            ws, plan=None if plan_later else args.plan, settings=settings, font_family=family
        )
    except GisCarbonError as exc:
        print(f"gis-carbon: {exc}", file=sys.stderr)
        return 2
    window.plan_after_first_start = plan_later
    if args.size:
        window.resize(*args.size)
    elif args.screenshot:
        window.resize(1600, 1000)
    if args.size or args.screenshot:
        window.show()
    else:
        window.show_as_left()  # maximised the first time, then as the user left it
    if args.timings:
        app.processEvents()
        shown = seconds_since_launch()
        print(f"gis-carbon: window shown {shown:.2f} s after launch", file=sys.stderr, flush=True)
    if args.screenshot:
        if not window.wait_until_idle(120_000):
            print(
                "gis-carbon: still busy after 120 s; the screenshot may be incomplete",
                file=sys.stderr,
            )
        window.canvas.render_now()
        app.processEvents()
        image = window.grab().toImage()
        out = Path(args.screenshot)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out)):
            print(f"gis-carbon: cannot write {out}", file=sys.stderr)
            return 2
        print(out)
        window.runner.wait(10_000)
        window.canvas.pool.waitForDone(10_000)
        ws.close()
        return 0
    code = app.exec()
    ws.close()
    return code


def main() -> None:
    """The `gis-carbon-app` entry point (main.py in a checkout does the same)."""
    sys.exit(run())
