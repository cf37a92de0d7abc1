"""Write a return in either form of the contract, byte-for-byte reproducibly.

Used by the synthetic generator and the tests' fixtures. Excel files normally carry the time they
were written (document properties and zip entry dates); both are fixed here so that the same
tables always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils.dataframe import dataframe_to_rows
from openpyxl.writer.excel import ExcelWriter

from wres_tools.contract import is_missing as _missing
from wres_tools.files import write_atomic

FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

Form = Literal["xlsx", "csv"]


def return_path(data_dir: Path, authority: str, year: int, form: Form) -> Path:
    """Where a return lives under a data directory."""
    base = Path(data_dir) / authority
    return base / f"{year}.xlsx" if form == "xlsx" else base / str(year)


def _workbook_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    for name, frame in tables.items():
        ws = wb.create_sheet(title=name[:31])
        for row in dataframe_to_rows(frame, index=False, header=True):
            ws.append([None if _missing(v) else v for v in row])
    return workbook_bytes(wb)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes that depend only on its content (fixed times)."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "wres_tools"
    raw = io.BytesIO()
    # ExcelWriter directly: Workbook.save() would stamp properties.modified with the time now.
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    # Re-pack with fixed entry dates: openpyxl stamps each entry with the current time.
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return fixed.getvalue()


def write_return(
    tables: Mapping[str, pd.DataFrame], data_dir: Path, authority: str, year: int, form: Form
) -> Path:
    """Write the tables as ``<authority>/<year>.xlsx`` or ``<authority>/<year>/<table>.csv``.

    Tables are written in the order given, with the columns as they stand. An existing return
    at the same place is replaced whole.
    """
    path = return_path(data_dir, authority, year, form)
    if form == "xlsx":
        write_atomic(path, _workbook_bytes(tables))
        return path
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    for name, frame in tables.items():
        text = frame.to_csv(index=False, lineterminator="\n")
        write_atomic(path / f"{name}.csv", text.encode("utf-8"))
    return path
