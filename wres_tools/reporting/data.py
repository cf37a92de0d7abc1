"""The data a report is made from: :class:`ReportData`, one authority-year's records, change over
time and action plan, already through the publishing step; and the names of the reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from wres_tools import metrics
from wres_tools.contract import METRIC_TABLES, withheld_flags

#: Notebook stem -> the metric ids its report covers; the batch writes <stem>.html.
NOTEBOOKS: dict[str, tuple[str, ...]] = {
    "m1_pay_bands": ("M1",),
    "m2_appointment": ("M2",),
    "m3_disciplinary": ("M3",),
    "m4_fitness_to_practise": ("M4",),
    "m5_cpd": ("M5",),
    "m6_harassment_public": ("M6",),
    "m7_harassment_colleagues": ("M7a", "M7b"),
    "m8_leavers": ("M8",),
    "m9_senior_management": ("M9",),
    "summary": tuple(METRIC_TABLES),
}
#: Metric id -> the stem of the notebook (and HTML file) that reports it.
REPORT_OF_METRIC: dict[str, str] = {
    metric: stem for stem, ids in NOTEBOOKS.items() if stem != "summary" for metric in ids
}
#: Metrics reported as shares (M1, M9) rather than relative likelihoods.
SHARE_METRICS: tuple[str, ...] = tuple(m for m, d in metrics.METRICS.items() if d.kind != "ratio")
#: Metrics with a relative likelihood: M2-M8, and M9 (senior managers over staff, as Skills for
#: Care's national report gives it, beside its shares).
LIKELIHOOD_METRICS: tuple[str, ...] = tuple(
    m for m, d in metrics.METRICS.items() if d.kind in ("ratio", "senior"))
#: Words that tie a return's notice to a metric's data-quality notes, besides its table's name.
NOTICE_WORDS: dict[str, tuple[str, ...]] = {
    "M1": ("pay band", "pay_band"),
    "M9": ("senior", "population"),
}
#: Metrics from the staff survey, which also carry the gap in percentage points.
SURVEY_METRICS: tuple[str, ...] = tuple(
    m for m, d in metrics.METRICS.items() if d.table == "survey"
)
SYNTHETIC_BANNER = (
    "SYNTHETIC DATA: this report is made from invented demonstration data, not from any "
    "authority's real return."
)


# ---------------------------------------------------------------- the data a report is made from


@dataclass(frozen=True)
class ReportData:
    """Everything one authority-year's reports show, already through disclosure control.

    ``results``, ``history`` and ``pooled`` are typed result records
    (:func:`wres_tools.contract.typed_results`: counts ``Int64``, figures ``Float64``, flags
    ``boolean``, ids ``category``, a withheld or missing figure <NA>), so ``describe()`` and
    arithmetic work on them; :meth:`withheld` says which missing figures were withheld.
    ``trends`` is typed likewise (:data:`wres_tools.trends.TREND_DTYPES`).
    """

    authority: str
    display_name: str
    year: int
    disclosure: str  # published | internal
    threshold: int
    synthetic: bool
    results: pd.DataFrame  # the year's result records (RESULT_COLUMNS)
    history: pd.DataFrame  # the result records of every year held up to ``year``
    trends: pd.DataFrame  # trends.change_over_time to ``year``, published
    pooled: pd.DataFrame  # M3 over the latest two years (trends.pooled_disciplinary), published
    notices: tuple[str, ...] = ()  # the return's notices (tables not collected, band order)
    years: tuple[int, ...] = ()
    unusable: tuple[str, ...] = ()  # earlier years' returns left out of the change over time
    action_plan: pd.DataFrame | None = None  # the year's tidy plan; None: the return has none
    #: the year's plan's dated updates (contract.ACTION_UPDATE_COLUMNS); None: it gives none
    action_updates: pd.DataFrame | None = None
    #: every year held up to ``year`` -> its return's tidy plan (None: it had none), for the
    #: actions' status movement since the last report and the baseline
    plans: Mapping[int, pd.DataFrame | None] = field(default_factory=dict)
    baseline_year: int | None = None  # the baseline the change over time compares with

    def metric(self, metric: str) -> pd.DataFrame:
        """The year's records of one metric."""
        return self.results[self.results["metric"] == metric]

    def withheld(self) -> pd.DataFrame:
        """One ``boolean`` column per figure of :attr:`results`
        (:func:`wres_tools.contract.withheld_flags`): True where disclosure control withheld
        it, False where it is shown or missing for another reason."""
        return withheld_flags(self.results)

    def copy(self) -> ReportData:
        """The same data with copies of every frame: editing them leaves this one unchanged."""
        return replace(
            self, results=self.results.copy(), history=self.history.copy(),
            trends=self.trends.copy(), pooled=self.pooled.copy(),
            action_plan=None if self.action_plan is None else self.action_plan.copy(),
            action_updates=None if self.action_updates is None else self.action_updates.copy(),
            plans={y: None if p is None else p.copy() for y, p in self.plans.items()},
        )
