# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove_cell"]
# # Quarterly customer report
#
# Who our customers are, how much we depend on a few of them, which groups behave alike, and
# what to do about each group. Analysts: set the parameters below and run all cells;
# `make report UNIT=fleet` runs this notebook with papermill and publishes it as HTML.
# After the setup cell, each cell shows one section of the report -- its heading, text, tables
# and charts, in that order -- with one `reporting.sections.show` call; every value comes from
# `report` (`pipeline.prepare_report`).

# %% tags=["parameters"]
unit: str = "fleet"  # business unit: the stem of a file in params/
quarter: str = ""  # report quarter such as 2026Q3, empty for the latest complete quarter
params_file: str = ""  # params file under the project root, empty for params/UNIT.yaml
output_dir: str = ""  # staging folder set by insights report, empty to write no files
prepared: str = ""  # set by insights report: the file its thread prepares the report into

# %% tags=["remove_cell"]
# Setup: one call computes everything the cells below display (insights.pipeline).
from pathlib import Path

from insights import pipeline, plots, reporting
from insights.params import load_params
from insights.publish import runinfo
from insights.publish.artifacts import write_artifacts

plots.core.use_report_style()
root = runinfo.project_root(Path.cwd())
params = load_params(root / (params_file or f"params/{unit}.yaml"))
report = pipeline.prepare_report(params, quarter=quarter, root=root, prepared=prepared)

# %%
reporting.sections.show(None, reporting.headline.title_block(params, report.quarter, as_of=report.as_of))

# %%
reporting.sections.show(
    "headline",
    reporting.headline.headline_cards(
        report.headline, currency=report.currency, attention=report.attention,
        labels=report.labels, dominant_share=params.attention.exposure_min_share,
    ),
    reporting.headline.describe_headline(
        report.headline, express=report.express, concentration=report.concentration,
        attention=report.attention, managers=report.managers, labels=report.labels,
        currency=report.currency, manager_share=params.attention.manager_share,
        dominant_share=params.attention.exposure_min_share,
    ),
    reporting.quality.describe_acceptance(
        report.data.quality, max_rejected_share=report.params.gate.max_rejected_share
    ),
)

# %%
reporting.sections.show(
    "attention",
    reporting.attention.describe_attention(report.attention, labels=report.labels, currency=report.currency),
    reporting.attention.attention_table(report.attention, labels=report.labels, currency=report.currency),
    reporting.attention.describe_win_back(
        report.attention, labels=report.labels, currency=report.currency, split=report.split
    ),
)

# %%
reporting.sections.show(
    "changes",
    reporting.attention.describe_changes(report.what_changed, labels=report.labels, currency=report.currency),
    reporting.dependency.group_section(report.portfolio, labels=report.labels, currency=report.currency),
)

# %%
reporting.sections.show(
    "express", reporting.behaviour.describe_express_test(report.express, rule=params.express_test)
)

# %%
reporting.sections.show(
    "dependency",
    reporting.dependency.describe_concentration(report.concentration, labels=report.labels),
    plots.dependency.plot_lorenz(report.concentration.lorenz, gini=report.concentration.gini),
)

# %%
reporting.sections.show(
    "stress",
    reporting.dependency.describe_stress_test(report.stress, currency=report.currency),
    plots.dependency.plot_stress_test(report.stress),
)

# %%
reporting.sections.show(
    "trend",
    reporting.dependency.describe_concentration_trend(
        report.trend, warning=report.warning, latest=report.quarter_concentration,
        labels=report.labels, dominant_share=params.attention.exposure_min_share,
        currency=report.currency,
    ),
    plots.dependency.plot_concentration_trend(report.trend),
)

# %%
reporting.sections.show(
    "managers",
    reporting.dependency.describe_manager_risk(report.managers),
    reporting.dependency.manager_table(report.managers, currency=report.currency),
)

# %%
reporting.sections.show(
    "mix", reporting.dependency.describe_mix(report.mix), reporting.dependency.mix_table(report.mix)
)

# %%
reporting.sections.show(
    "key_customers",
    reporting.key_customers.describe_weights(report.key),
    reporting.key_customers.key_customer_table(report.key, labels=report.labels, currency=report.currency),
)

# %%
reporting.sections.show(
    "key_vs_revenue",
    reporting.key_customers.describe_key_vs_revenue(report.key_vs_revenue, labels=report.labels),
    reporting.key_customers.comparison_table(report.key_vs_revenue, labels=report.labels),
)

# %%
reporting.sections.show(
    "classification",
    reporting.key_customers.describe_classification(
        report.key, labels=report.labels, currency=report.currency,
        min_margin_share=params.key_customers.profitable_min_margin_share,
    ),
)

# %%
reporting.sections.show(
    "lifecycle",
    reporting.behaviour.describe_lifecycle(report.lifecycle),
    plots.behaviour.plot_segments(report.lifecycle),
    reporting.behaviour.lifecycle_rules_table(params.lifecycle),
)

# %%
reporting.sections.show(
    "movement",
    reporting.behaviour.describe_movement(report.movement, report.key_flows),
    plots.behaviour.plot_transitions(report.movement),
)

# %%
reporting.sections.show(
    "rfm",
    reporting.behaviour.describe_rfm(
        report.rfm_summary, bins=params.rfm.bins, min_customers=report.min_customers
    ),
    plots.behaviour.plot_segments(report.rfm_summary, title="RFM segments"),
)

# %%
reporting.sections.show(
    "clusters",
    reporting.clusters.describe_clusters(
        report.clusters, currency=report.currency, min_customers=report.min_customers
    ),
    reporting.clusters.describe_cluster_list(
        report.clusters, currency=report.currency, min_customers=report.min_customers
    ),
    reporting.clusters.format_cluster_profiles(report.clusters, currency=report.currency),
    plots.clusters.plot_cluster_projection(report.clusters),
    plots.clusters.plot_cluster_profiles(report.clusters),
    plots.clusters.plot_silhouette(report.clusters),
    reporting.clusters.describe_cluster_notes(report.clusters),
)

# %%
reporting.sections.show("clv", reporting.clv.describe_clv(report.clv, currency=report.currency))

# %%
reporting.sections.show(
    "lifetime",
    reporting.clv.describe_lifetime_revenue(report.clv, currency=report.currency),
    plots.clv.plot_lifetime_vs_first(report.lifetime_by_purchases, currency=report.currency),
)

# %%
reporting.sections.show(
    "clv_groups",
    reporting.clv.clv_by_group_table(report.clv_by_segment, column="segment", currency=report.currency),
    reporting.clv.clv_by_group_table(
        report.clv_by_cluster, column="cluster_name", currency=report.currency
    ),
)

# %%
reporting.sections.show(
    "holdout",
    reporting.clv.describe_holdout(report.clv.holdout),
    plots.clv.plot_holdout(report.clv.holdout),
    reporting.clv.describe_model(report.clv),
)

# %%
reporting.sections.show(
    "cohorts",
    reporting.behaviour.describe_cohorts(report.cohorts),
    plots.behaviour.plot_cohorts(report.cohorts),
)

# %%
reporting.sections.show(
    "acquisition",
    reporting.behaviour.describe_acquisition(
        report.acquisition, report.by_source, currency=report.currency,
        min_customers=report.min_customers,
    ),
    plots.behaviour.plot_referral_share(report.acquisition),
)

# %%
reporting.sections.show(
    "experiment",
    reporting.behaviour.describe_split(
        report.split, segment="lost", currency=report.currency, value_label="revenue ever",
        min_customers=report.min_customers,
    ),
)

# %%
reporting.sections.show(
    "readout", reporting.behaviour.describe_experiment(report.readout, currency=report.currency)
)

# %%
reporting.sections.show(
    "quality",
    reporting.quality.describe_quality(
        report.data.quality, rows_after=report.rows_after, currency=report.currency,
        coverage=report.coverage, max_rejected_share=report.params.gate.max_rejected_share,
    ),
    reporting.quality.rejects_table(report.data.quality, currency=report.currency),
)

# %%
reporting.sections.show("metadata", reporting.quality.metadata_table(report.run_facts))

# %% tags=["remove_cell"]
# Publish artifacts (only when run by `insights report`, which sets output_dir).
written = write_artifacts(output_dir, **pipeline.report_artifacts(report))
