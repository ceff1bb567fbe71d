"""The desktop app: the only package that imports PySide6.

`gis_carbon.qt.app.run(argv)` starts it (see main.py). Edits go through
`gis_carbon.services.store` (Qt-free) and the undoable commands of `gis_carbon.model.commands`.
"""
