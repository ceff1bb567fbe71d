"""The SQLite backend: one workspace file that is also a GeoPackage (sqlite-utils, WAL)."""
