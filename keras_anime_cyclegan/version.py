"""The package's version: one place, read by the package root, setup.cfg and the export metadata."""

__version__ = "0.1.0"
