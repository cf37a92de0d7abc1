"""Build tidy contract.Return objects from plain rows, for tests and benchmarks; find records.

A table is given as a list of dicts (or a DataFrame) with ``ethnicity``, the table's keys and
counts, and optionally ``service``; the builder adds what the reader would: ``service="all"``
when absent, the ethnicity columns from :mod:`wres_tools.ethnicity`, int64 counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from wres_tools.contract import AGGREGATE_TABLES, ALL_SERVICES, Return
from wres_tools.ethnicity import classify
from wres_tools.parameters import Parameters

Rows = pd.DataFrame | Sequence[Mapping[str, object]]


def classify_series(labels: pd.Series) -> pd.DataFrame:
    """census_category, group and ethnic_class for every label, on the same index."""
    resolved = [classify(v) for v in labels]
    return pd.DataFrame({"census_category": [e.census_category for e in resolved],
                         "group": [e.group for e in resolved],
                         "ethnic_class": [e.ethnic_class for e in resolved]}, index=labels.index)


def tidy(name: str, rows: Rows) -> pd.DataFrame:
    """One tidy table: service, ethnicity, census_category, group, ethnic_class, keys, counts."""
    spec = AGGREGATE_TABLES[name]
    df = pd.DataFrame(rows).copy()
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype=object) for c in ("ethnicity", *spec.keys)}
                          | {c: pd.Series(dtype="int64") for c in spec.counts})
    if "service" not in df.columns:
        df["service"] = ALL_SERVICES
    df["ethnicity"] = df["ethnicity"].fillna("").astype(str)
    df = pd.concat([df, classify_series(df["ethnicity"])], axis=1)
    for column in (*spec.counts, *spec.optional_counts):
        if column in df.columns:
            df[column] = df[column].astype("int64")
    order = ["service", "ethnicity", "census_category", "group", "ethnic_class", *spec.keys,
             *[c for c in (*spec.counts, *spec.optional_counts) if c in df.columns]]
    return df[order]


def make_return(
    tables: Mapping[str, Rows],
    authority: str = "testshire",
    year: int = 2024,
    population: Mapping[str, float] | None = None,
) -> Return:
    """A Return from plain rows per table; ``population`` maps ethnicity labels to shares."""
    pop = None
    if population is not None:
        labels = pd.Series(list(population), dtype=object)
        pop = pd.concat([labels.rename("ethnicity"), classify_series(labels)], axis=1)
        pop = pop[["ethnicity", "group", "ethnic_class"]].assign(share=list(population.values()))
    return Return(
        authority=authority,
        year=year,
        source=Path(f"{authority}/{year}.xlsx"),
        tables={name: tidy(name, rows) for name, rows in tables.items()},
        population=pop,
    )


def make_params(**overrides: object) -> Parameters:
    """Parameters on the defaults for a test authority, with any field overridden."""
    values: dict[str, object] = {"authority": "testshire", "display_name": "Testshire"}
    values.update(overrides)
    return Parameters.model_validate(values)


def one(results: pd.DataFrame, **where: object) -> dict:
    """The single record matching every column=value given."""
    mask = pd.Series(True, index=results.index)
    for column, value in where.items():
        mask &= results[column].map(lambda v, value=value: v == value)  # None matches None
    rows = results[mask]
    assert len(rows) == 1, f"{len(rows)} records match {where}"
    return rows.iloc[0].to_dict()
