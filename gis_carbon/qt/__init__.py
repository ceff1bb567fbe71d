"""The desktop app: the only package that imports PySide6.

`gis_carbon.qt.app.run(argv)` starts it (see main.py). Importing this package itself does not
import Qt, so `gis_carbon.qt.store` is usable without a display.
"""
