"""Analytical toolkit for the Social Care Workforce Race Equality Standard (SC-WRES)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wres-tools")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
