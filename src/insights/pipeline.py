"""The report's data in one call: ``prepare_report`` runs every step and returns ``ReportData``.

Loading, cleaning and the choice of quarter are ``insights.units`` (re-exported here:
``pipeline.load_unit``, ``pipeline.quarter_coverage``, ...). Everything transaction-level
stays in loading, cleaning, ingest, ``features`` and the engines; this module only strings
the steps together (``insights.steps``, the analyses) into a frozen ``ReportData`` whose
fields the report's cells display.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from insights import (
    attention,
    changes,
    clustering,
    clv,
    cohorts,
    concentration,
    experiments,
    features,
    key_customers,
    segments,
    steps,
)
from insights.attention import Attention, RunRateWarning
from insights.changes import Changes
from insights.clustering import ClusterResult
from insights.clv import ClvResult
from insights.concentration import ConcentrationSummary
from insights.experiments import ExperimentReadout
from insights.key_customers import KeyCustomers, KeyVsRevenue
from insights.key_person import ManagerRisk
from insights.mix import GroupPortfolio, MixResult
from insights.params import Params
from insights.periods import (
    parse_quarter,
    quarter_end,
)
from insights.publish import handoff
from insights.reporting import account_lists
from insights.reporting import attention as attention_text
from insights.reporting import dependency as dependency_text
from insights.reporting import headline as headline_text
from insights.reporting import quality as quality_text
from insights.reporting import summary as summary_text
from insights.reporting.labels import set_scope, use_report_params
from insights.segments import ExpressTestResult, SegmentTransitions
from insights.units import (  # re-exported (__all__): the notebook's and analysts' names
    INGEST_CACHE,
    MEMO_CACHE,
    STREAM_BYTES,
    UnitData,
    count_after,
    history_days,
    is_large,
    latest_quarter,
    load_unit,
    quarter_coverage,
    resolve_quarter,
    row_problems,
    streams,
    unknown_customer_share,
)

__all__ = [
    "INGEST_CACHE",
    "MEMO_CACHE",
    "ReportData",
    "STREAM_BYTES",
    "UnitData",
    "count_after",
    "history_days",
    "is_large",
    "latest_quarter",
    "load_unit",
    "prepare_report",
    "quarter_coverage",
    "report_artifacts",
    "report_to_hand_over",
    "resolve_quarter",
    "row_problems",
    "streams",
    "unknown_customer_share",
]


@dataclass(frozen=True)
class ReportData:
    """Everything the quarterly report displays, computed from one unit's data and params.

    Built by ``prepare_report``; the notebook's cells pass these fields to ``reporting``
    and ``plots`` functions and compute nothing themselves.
    """

    params: Params
    data: UnitData
    quarter: pd.Period
    as_of: pd.Timestamp
    as_of_prev: pd.Timestamp
    as_of_year: pd.Timestamp
    currency: str
    min_customers: int  # params.report.min_customers: fewer per group is too few to judge
    root: Path
    features_now: pd.DataFrame = field(repr=False)
    features_prev: pd.DataFrame = field(repr=False)
    features_year: pd.DataFrame = field(repr=False)
    activity: pd.DataFrame = field(repr=False)
    labels: Mapping[str, str] = field(repr=False)
    segments_now: pd.DataFrame = field(repr=False)
    segments_prev: pd.DataFrame = field(repr=False)
    segments_year: pd.DataFrame = field(repr=False)
    express: ExpressTestResult = field(repr=False)
    express_prev: ExpressTestResult = field(repr=False)
    express_year: ExpressTestResult = field(repr=False)
    clv: ClvResult = field(repr=False)
    p_alive: pd.Series | None = field(repr=False)
    concentration: ConcentrationSummary = field(repr=False)
    quarter_concentration: ConcentrationSummary = field(repr=False)
    headline: dict = field(repr=False)
    portfolio: GroupPortfolio = field(repr=False)
    stress: pd.DataFrame = field(repr=False)
    trend: pd.DataFrame = field(repr=False)
    managers: ManagerRisk = field(repr=False)
    mix: MixResult = field(repr=False)
    key: KeyCustomers = field(repr=False)
    key_vs_revenue: KeyVsRevenue = field(repr=False)
    warning: RunRateWarning = field(repr=False)
    attention: Attention = field(repr=False)
    what_changed: Changes = field(repr=False)
    lifecycle: pd.DataFrame = field(repr=False)
    lifecycle_rules: pd.DataFrame = field(repr=False)
    movement: SegmentTransitions = field(repr=False)
    key_flows: pd.DataFrame = field(repr=False)
    rfm: pd.DataFrame = field(repr=False)
    rfm_summary: pd.DataFrame = field(repr=False)
    clusters: ClusterResult = field(repr=False)
    lifetime_by_purchases: pd.DataFrame = field(repr=False)
    clv_by_segment: pd.DataFrame = field(repr=False)
    clv_by_cluster: pd.DataFrame = field(repr=False)
    cohorts: pd.DataFrame = field(repr=False)
    acquisition: pd.DataFrame = field(repr=False)
    by_source: pd.DataFrame = field(repr=False)
    split: pd.DataFrame = field(repr=False)
    previous_split: pd.DataFrame = field(repr=False)
    readout: ExperimentReadout = field(repr=False)
    rows_after: int = 0
    coverage: str = ""  # which quarter the report covers: the last complete one, or partial
    scope: str = "unit"  # "group" when the data holds several units' revenue (labels.set_scope)
    run_facts: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def prepare_report(
    params: Params, *, quarter: str | None = None, root: Path, data: UnitData | None = None,
    prepared: str | Path = "",
) -> ReportData:
    """Load the unit (unless ``data`` is given), pick the quarter and run every report step.

    Parameters
    ----------
    params : Params
        The unit's params (``insights.params.load_params``).
    quarter : str, optional
        Report quarter such as ``"2026Q3"``; None or empty for the latest complete one.
    root : Path
        Project root: input paths in ``params`` are relative to it.
    data : UnitData, optional
        Already loaded data (``load_unit``), to skip loading.
    prepared : str or Path, optional
        Set by ``insights report`` in the notebook: the file another thread of that run is
        preparing this same report into (``report_to_hand_over``, ``publish.handoff``); it is
        used when it arrives and holds the report of these params and quarter, else the
        report is prepared here.

    Returns
    -------
    ReportData
        Frozen; nothing is written but the data cache (``load_unit``); ``report_artifacts``
        gives what to publish.
    """
    use_report_params(params.report)  # the language and code labels of every text and chart
    root = Path(root)
    if prepared:
        handed = handoff.receive(Path(prepared), timeout=params.report.execution_timeout_seconds)
        if isinstance(handed, ReportData) and handed.params == params and (
                not quarter or str(handed.quarter) == str(parse_quarter(quarter))):
            set_scope(handed.scope)
            return handed
    data = data if data is not None else load_unit(params, root=root)
    period = parse_quarter(quarter) if quarter else latest_quarter(data, params=params)
    coverage = quarter_coverage(data, period, params=params)  # as resolve_quarter: GateError
    as_of = quarter_end(period)
    base = {"params": params, "data": data, "quarter": period, "as_of": as_of,
            "as_of_prev": quarter_end(period - 1), "as_of_year": quarter_end(period - 4),
            "currency": params.source.currency,
            "min_customers": params.report.min_customers, "root": root}
    done = _customer_steps(base)
    # Lifetime value is fitted before k-means starts, never beside it: both set the BLAS
    # thread limit of the whole process (threadpoolctl), and one restoring it while the other
    # runs would change how dot products are summed, and so the last bits of a fit.
    done["clv"] = steps.build_clv(data.transactions, as_of=as_of, params=params.clv,
                                  engine=params.features.engine)
    # k-means (C code that releases the GIL) runs on the second core while the DuckDB
    # queries of the dependency steps run here; it reads only features_now, and the fit is
    # single-threaded and seeded, so the result does not depend on this overlap.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights-clusters") as pool:
        clusters = pool.submit(clustering.build_clusters, done["features_now"],
                               params=params.clustering, random_state=params.random_state)
        done |= _dependency_steps(base, done)
        done |= _value_steps(base, done, clusters=clusters)
    done |= _attention_steps(base, done)
    done |= _behaviour_steps(base, done)
    portfolio = done["portfolio"]  # several units' revenue, as reporting.mix.group_section judges
    several = portfolio.status == "ok" and getattr(portfolio.unit_mix, "status", "") == "ok"
    scope = "group" if several else "unit"
    set_scope(scope)
    return ReportData(**base, **done, rows_after=count_after(data, period), coverage=coverage,
                      run_facts=quality_text.run_facts(params, data.sources, root=root), scope=scope)


def report_to_hand_over(params: Params, *, quarter: str | None, root: Path) -> ReportData | None:
    """Return the report for ``insights report`` to hand to the kernel (``publish.handoff``).

    None for a large unit (``units.is_large``): its frames would be pickled and held twice,
    so the kernel prepares it itself. A Spark unit of small files is prepared here, and its
    Spark session lives in this process.
    """
    if is_large(params, root=root):
        return None
    return prepare_report(params, quarter=quarter, root=root)


def _customer_steps(base: dict) -> dict:
    """Customer features, segments and express test now, a quarter and a year earlier; activity, labels."""
    params, data = base["params"], base["data"]
    tx, engine = data.transactions, params.features.engine
    feature_args = {"params": params.features, "lifecycle": params.lifecycle}
    express_args = {"params": params.express_test, "lost_days": params.lifecycle.lost_days,
                    "unknown_customer_share": unknown_customer_share(data)}
    done: dict = {}
    for when, as_of in (("now", base["as_of"]), ("prev", base["as_of_prev"]),
                        ("year", base["as_of_year"])):
        features_at = features.build_customer_features(tx, as_of=as_of, **feature_args)
        segments_at = steps.lifecycle_segments(tx, features_at, as_of=as_of, params=params.features,
                                               lifecycle=params.lifecycle)  # fmt: skip
        done[f"features_{when}"], done[f"segments_{when}"] = features_at, segments_at
        done["express" if when == "now" else f"express_{when}"] = segments.express_test(
            features_at, segments_at, history_days=history_days(data, as_of), **express_args
        )
    return done | {
        "activity": features.customer_quarter_activity(tx, as_of=base["as_of"], engine=engine),
        "labels": dependency_text.customer_label_map(
            done["features_now"], show_names=params.report.show_customer_names,
            salt=params.unit, max_length=params.report.max_name_length,
            unit_policy=params.report.unit_name_policy,
        ),
    }


def _dependency_steps(base: dict, done: dict) -> dict:
    """Lifetime value, concentration (12 months and the quarter), headline, trend, managers, mix."""
    params, tx, as_of = base["params"], base["data"].transactions, base["as_of"]
    engine, conc = params.features.engine, params.concentration
    clv_result = done["clv"]  # fitted before k-means started (prepare_report)
    revenue = concentration.customer_revenue(done["features_now"])
    customer_conc = concentration.summarize_concentration(
        revenue, top_n=conc.top_n, disclosure_share=conc.disclosure_share
    )
    trend = steps.concentration_trend(tx, as_of=as_of, quarters=conc.trend_quarters, engine=engine)
    return {
        "clv": clv_result,
        "p_alive": clv.p_alive_by_customer(clv_result),
        "concentration": customer_conc,
        "quarter_concentration": concentration.summarize_concentration(
            concentration.quarter_customer_revenue(done["activity"], quarter=base["quarter"]),
            top_n=conc.top_n,
        ),
        "headline": headline_text.summarize_headline(
            done["features_now"], done["features_prev"], activity=done["activity"],
            quarter=base["quarter"], segments_now=done["segments_now"],
            segments_prev=done["segments_prev"], concentration=customer_conc,
            express=done["express"], features_year=done["features_year"],
            segments_year=done["segments_year"], express_prev=done["express_prev"],
            express_year=done["express_year"], trend=trend,
        ),
        "portfolio": steps.group_portfolio(tx, as_of=as_of, top=params.report.top_n, engine=engine),
        "stress": concentration.stress_test(revenue, top=conc.stress_top),
        "trend": trend,
        "managers": steps.manager_risk(tx, as_of=as_of, engine=engine),
        "mix": steps.mix_diversification(
            tx, as_of=as_of, service_product_lines=params.features.service_product_lines,
            online_channels=params.features.online_channels, engine=engine,
        ),
    }


def _value_steps(base: dict, done: dict, *, clusters: Future[ClusterResult]) -> dict:
    """The run-rate early warning, key customers, segments, RFM, clusters, lifetime value by group.

    ``clusters`` is the clustering of ``features_now``, being fitted in another thread.
    """
    params, features_now, segments_now = base["params"], done["features_now"], done["segments_now"]
    warning = attention.run_rate_warning(done["activity"], quarter=base["quarter"],
                                         params=params.attention)  # fmt: skip
    key = key_customers.score_key_customers(
        features_now, params=params.key_customers, activity=done["activity"],
        as_of=base["as_of"], p_alive=done["p_alive"],
        decline=warning.declining if warning.status == "ok" else None,
    )
    movement = segments.segment_transitions(
        done["segments_prev"], segments_now, prev_revenue=done["features_prev"]
    )
    rfm = segments.rfm_segments(
        segments.rfm_scores(features_now, bins=params.rfm.bins), rules=params.rfm.rules
    )
    clv_result = done["clv"]
    lifecycle = segments.segment_summary(features_now, segments_now)
    rfm_summary = segments.segment_summary(features_now, rfm, column="rfm_segment")
    clusters_done = clusters.result()
    return {
        "warning": warning,
        "key": key,
        "key_vs_revenue": key_customers.compare_key_vs_revenue(key),
        "lifecycle": lifecycle,
        "lifecycle_rules": segments.lifecycle_rules(params.lifecycle),
        "movement": movement,
        "key_flows": segments.key_flows(movement),
        "rfm": rfm,
        "rfm_summary": rfm_summary,
        "clusters": clusters_done,
        "lifetime_by_purchases": clv.summarize_lifetime_by_purchases(clv_result.lifetime),
        "clv_by_segment": clv.summarize_clv_by(clv_result, segments_now, column="segment"),
        "clv_by_cluster": clv.summarize_clv_by(clv_result, clusters_done.labels, column="cluster_name"),
    }


def _attention_steps(base: dict, done: dict) -> dict:
    """The one "needs attention" list (from the run-rate early warning) and what changed."""
    params, period, warning = base["params"], base["quarter"], done["warning"]
    return {
        "attention": attention.build_attention(
            done["features_now"], warning=warning, params=params.attention,
            lost_days=params.lifecycle.lost_days, key=done["key"], managers=done["managers"],
            p_alive=done["p_alive"],
        ),
        "what_changed": changes.what_changed(
            done["activity"], quarter=period, segments_now=done["segments_now"],
            segments_prev=done["segments_prev"], features=done["features_now"],
            mix_shares=done["mix"].shares,
        ),
    }


def _behaviour_steps(base: dict, done: dict) -> dict:
    """Cohorts, acquisition by source, this quarter's win-back split and last quarter's readout."""
    params, period, features_now = base["params"], base["quarter"], done["features_now"]
    referral = params.cohorts.referral_sources
    previous_split = experiments.split_win_back(
        done["features_prev"], done["segments_prev"], random_state=params.random_state
    )
    outcomes = experiments.outcomes_from_activity(
        done["activity"], start_quarter=period, end_quarter=period
    )
    return {
        "cohorts": cohorts.acquisition_cohorts(
            done["activity"], quarter=period, max_quarters=params.cohorts.max_quarters
        ),
        "acquisition": cohorts.new_customers_by_source(
            features_now, quarter=period, quarters=params.concentration.trend_quarters,
            referral_sources=referral,
        ),
        "by_source": cohorts.retention_by_source(features_now, referral_sources=referral),
        "split": experiments.split_win_back(
            features_now, done["segments_now"], random_state=params.random_state
        ),
        "previous_split": previous_split,
        "readout": experiments.read_out_experiment(
            previous_split, outcomes, min_customers=params.report.min_customers
        ),
    }


def report_artifacts(report: ReportData) -> dict[str, Any]:
    """Return what ``publish.artifacts.write_artifacts`` writes next to the report.

    ``summary``: the machine-readable summary (``reporting.summary.build_summary``) with the
    "needs attention" list and the size of the win-back list; ``tables``: the quarantine and
    the account lists, the attention list whole and per account manager (names only where
    params allow, labelled as in the report).
    """
    params, data = report.params, report.data
    sections = summary_text.section_figures(
        concentration=report.concentration, stress=report.stress, trend=report.trend,
        managers=report.managers, clusters=report.clusters, clv_result=report.clv,
        lifecycle=report.lifecycle,
    )
    summary = summary_text.build_summary(
        unit=params.unit, quarter=report.quarter, as_of=report.as_of, headline=report.headline,
        verdicts=summary_text.verdicts(report.headline, express=report.express),
        attention=attention_text.attention_records(report.attention, labels=report.labels),
        win_back=len(report.attention.win_back),
        quality=data.quality, sources=data.sources, params=params.model_dump(mode="json"),
        sections=sections,
    )
    show_names, salt = params.report.show_customer_names, params.unit
    export_labels = dependency_text.customer_label_map(
        report.features_now, max_length=80, unit_policy=params.report.unit_name_policy,
        show_names=show_names, salt=salt,
    )
    tables = {
        "quarantine": quality_text.quarantine_frame(
            data.rejected, show_names=params.report.show_customer_names
        ),
        "export_key_customers": account_lists.key_customer_list(
            report.key, show_names=show_names, salt=salt
        ),
        "export_experiment_groups": account_lists.experiment_list(
            report.split, report.features_now, show_names=show_names, salt=salt
        ),
        **attention_text.attention_exports(report.attention, labels=export_labels, split=report.split),
    }
    return {"summary": summary, "tables": tables}
