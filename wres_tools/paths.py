"""The one place that knows where the project's folders are."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PARAMETERS_DIR = PROJECT_ROOT / "parameters"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
DEMO_DATA_DIR = PROJECT_ROOT / "data" / "demo"
KERNEL_NAME = "wres-tools"
#: The environment variable naming the folder a batch's kernels share computed returns through.
CACHE_DIR_ENV = "WRES_CACHE_DIR"
