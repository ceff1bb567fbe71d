"""What the import wizard and the export dialog share: a file chooser (Qt's own dialog, so
its labels follow the app's language, and tests drive it like a user), service errors as one
line, and running a task on a worker with the dialog's own status label."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from gis_carbon.qt.i18n import tr

# Qt's own dialog rather than the desktop's: its buttons are translated with the app's
# qtbase_zh_CN.qm and, unlike a native dialog, it is a QWidget a test can fill in.
FILE_DIALOG_OPTIONS = QFileDialog.Option.DontUseNativeDialog


def file_dialog(parent: QWidget, title: str, filters: str, *, save: bool) -> QFileDialog:
    dialog = QFileDialog(parent, title, "", filters)
    dialog.setOptions(FILE_DIALOG_OPTIONS)
    dialog.setObjectName("file_dialog")
    if save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    else:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return dialog


def ask_path(parent: QWidget, title: str, filters: str, *, save: bool = False) -> str:
    """The file the user chose in a modal file dialog, or "" when cancelled."""
    dialog = file_dialog(parent, title, filters, save=save)
    if not dialog.exec():
        return ""
    chosen = dialog.selectedFiles()
    return chosen[0] if chosen else ""


def one_line(exc: BaseException | str) -> str:
    """A service error as the one line a dialog shows (the first line; a refused ledger's
    count of refused rows), never a traceback."""
    rows = getattr(exc, "rows", None)
    if rows:
        where = {r.where for r in rows if r.where}
        return tr("{n} rows refused ({p} problems); see the list below").format(
            n=len(where) or len(rows), p=len(rows)
        )
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return " ".join(first.split())


def run_task(
    runner: Any,
    name: str,
    fn: Any,
    *,
    workspace: str | None,
    on_done: Any,
    on_error: Any,
    on_progress: Any = None,
) -> Any:
    """Start `fn` on `runner` (a TaskRunner); the dialog stays responsive meanwhile."""
    return runner.start(
        name,
        fn,
        workspace=workspace,
        on_done=on_done,
        on_error=on_error,
        on_progress=on_progress,
    )
