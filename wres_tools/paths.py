"""The one place that knows where the project's folders are."""

from __future__ import annotations

from pathlib import Path

#: The package folder (its sources are part of every page's fingerprint).
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
PARAMETERS_DIR = PROJECT_ROOT / "parameters"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
DEMO_DATA_DIR = PROJECT_ROOT / "data" / "demo"
KERNEL_NAME = "wres-tools"
#: The environment variable naming the folder a batch's kernels share computed returns through.
CACHE_DIR_ENV = "WRES_CACHE_DIR"
#: Jinja templates and the stylesheet of every page (package data).
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
