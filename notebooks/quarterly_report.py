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

# %% tags=["parameters"]
unit: str = "fleet"  # business unit: the stem of a file in params/
quarter: str = ""  # report quarter such as 2026Q3, empty for the latest complete quarter
params_file: str = ""  # params file under the project root, empty for params/UNIT.yaml
output_dir: str = ""  # staging folder set by insights report, empty to write no files

# %% tags=["remove_cell"]
# Setup: one call computes everything the cells below display (insights.pipeline).
from pathlib import Path

from insights import pipeline, plots, reporting
from insights.params import load_params
from insights.publish import runinfo

plots.core.use_report_style()
root = runinfo.project_root(Path.cwd())
params = load_params(root / (params_file or f"params/{unit}.yaml"))
report = pipeline.prepare_report(params, quarter=quarter, root=root)

# %%
reporting.headline.title_block(params, report.quarter, as_of=report.as_of)

# %% [markdown]
# ## Headline
#
# Five figures for the quarter, each with what it means and how it moved since the previous
# quarter and the same quarter a year ago. Revenue is net of returns; "12 months" means the
# twelve months up to the end of the quarter.

# %%
reporting.headline.headline_cards(report.headline, currency=report.currency)

# %%
reporting.headline.describe_headline(
    report.headline, express=report.express, concentration=report.concentration,
    attention=report.attention, managers=report.managers, labels=report.labels,
    currency=report.currency, manager_share=params.attention.manager_share,
    dominant_share=params.attention.exposure_min_share,
)

# %% [markdown]
# ## Needs attention
#
# One list, one row per customer: its account manager, every reason that fired, the money
# involved and a suggested action. The same list is published per account manager next to
# this report.

# %%
reporting.attention.describe_attention(report.attention, labels=report.labels, currency=report.currency)

# %%
reporting.attention.attention_table(report.attention, labels=report.labels, currency=report.currency)

# %%
reporting.attention.describe_win_back(report.attention, labels=report.labels, currency=report.currency)

# %% [markdown]
# ## What changed
#
# The biggest movements: customers and account managers against the previous quarter, lifecycle
# segments against the previous quarter's end, and the revenue mix against a year earlier.

# %%
reporting.attention.describe_changes(report.what_changed, labels=report.labels, currency=report.currency)

# %%
reporting.dependency.group_section(report.portfolio, labels=report.labels, currency=report.currency)

# %% [markdown]
# ## Express test: the whole customer base
#
# A healthy customer base keeps one-time buyers near natural churn among active customers and
# a solid core of regulars, and does not lose most of last year's customers. The rule, with
# this unit's thresholds, is shown under the verdict.

# %%
reporting.behaviour.describe_express_test(report.express, rule=params.express_test)

# %% [markdown]
# ## Dependency on a few customers
#
# How much of the last 12 months' revenue comes from the largest customers, and what would be
# left if they left. Concentration bands follow the 2023 US Merger Guidelines (HHI below 1,000
# unconcentrated, 1,000–1,800 moderately concentrated, above 1,800 highly concentrated).

# %%
reporting.dependency.describe_concentration(report.concentration, labels=report.labels)

# %%
ax = plots.dependency.plot_lorenz(report.concentration.lorenz, gini=report.concentration.gini)

# %% [markdown]
# ### Stress test: revenue left if the largest customers leave

# %%
reporting.dependency.describe_stress_test(report.stress, currency=report.currency)

# %%
ax = plots.dependency.plot_stress_test(report.stress)

# %% [markdown]
# ### Is dependency growing?

# %%
reporting.dependency.describe_concentration_trend(
    report.trend, warning=report.warning, latest=report.quarter_concentration,
    labels=report.labels, dominant_share=params.attention.exposure_min_share,
    currency=report.currency,
)

# %%
ax = plots.dependency.plot_concentration_trend(report.trend)

# %% [markdown]
# ## Key-person risk: account managers
#
# Revenue each account manager handles, and what is at risk if one leaves and takes the
# customers whose revenue they handle.

# %%
reporting.dependency.describe_manager_risk(report.managers)

# %%
reporting.dependency.manager_table(report.managers, currency=report.currency)

# %% [markdown]
# ## Mix: products, channels, regions, customer types
#
# Diversification into services, online and new segments spreads the risk. Shares of the last
# 12 months' revenue, against the same 12 months a year earlier.

# %%
reporting.dependency.describe_mix(report.mix)

# %%
reporting.dependency.mix_table(report.mix)

# %% [markdown]
# ## Key customers: more than the biggest buyers
#
# The main customer is often not the biggest one. The key-customer score weighs revenue, margin
# contribution after discounts and cost, growth, loyalty, the likelihood of buying again, the
# breadth of what they buy, and whether they are a reference that brings others. The weights
# are this unit's params.

# %%
reporting.key_customers.describe_weights(report.key)

# %%
reporting.key_customers.key_customer_table(report.key, labels=report.labels, currency=report.currency)

# %% [markdown]
# ### Key customers against the revenue ranking

# %%
reporting.key_customers.describe_key_vs_revenue(report.key_vs_revenue, labels=report.labels)

# %%
reporting.key_customers.comparison_table(report.key_vs_revenue, labels=report.labels)

# %% [markdown]
# ### Profitable, image and other customers; loss-makers
#
# The sources' classification: profitable customers, image customers (well known, they bring
# others), and the rest. Loss-makers cost more than they bring after discounts and cost: it
# may be cheaper to let them go. They are on the "Needs attention" list with that reason.

# %%
reporting.key_customers.describe_classification(
    report.key, labels=report.labels, currency=report.currency,
    min_margin_share=params.key_customers.profitable_min_margin_share,
)

# %% [markdown]
# ## Lifecycle segments
#
# Every customer falls in exactly one segment (first rule that matches): **lost** (no purchase
# within the lost window), **new** (first purchase recently), **regular** (several purchases in
# the recent window), **one-time** (one purchase ever) and **occasional** (the rest). The windows
# are this unit's params, shown in the rule table below.

# %%
reporting.behaviour.describe_lifecycle(report.lifecycle)

# %%
ax = plots.behaviour.plot_segments(report.lifecycle)

# %%
reporting.html_table(report.lifecycle_rules, caption="Segment rules (first match wins)")

# %% [markdown]
# ### Movement since last quarter
#
# Where last quarter's customers are now. Revenue shares refer to the previous 12 months'
# revenue of the customers who moved.

# %%
reporting.behaviour.describe_movement(report.movement, report.key_flows)

# %%
ax = plots.behaviour.plot_transitions(report.movement)

# %% [markdown]
# ### RFM segments
#
# Recency, frequency and monetary value scored 1–5 against the other customers of the unit,
# named with the segment map analysts know from common RFM tools.

# %%
reporting.behaviour.describe_rfm(
    report.rfm_summary, bins=params.rfm.bins, min_customers=report.min_customers
)

# %%
ax = plots.behaviour.plot_segments(report.rfm_summary, title="RFM segments")

# %% [markdown]
# ## Behavioural clusters
#
# Groups of customers who buy alike, found by k-means on behavioural features (recency,
# frequency, spend, tenure, gaps between purchases, breadth, services and online shares, trend).
# Skewed features are log-transformed and all are scaled; the number of groups is chosen by the
# silhouette score on a fixed-seed sample, and stability is checked by refitting with other seeds.

# %%
reporting.clusters.describe_clusters(
    report.clusters, currency=report.currency, min_customers=report.min_customers
)

# %%
reporting.clusters.describe_cluster_list(
    report.clusters, currency=report.currency, min_customers=report.min_customers
)

# %%
reporting.clusters.format_cluster_profiles(report.clusters, currency=report.currency)

# %%
ax = plots.clusters.plot_cluster_projection(report.clusters)

# %%
ax = plots.clusters.plot_cluster_profiles(report.clusters)

# %%
ax = plots.clusters.plot_silhouette(report.clusters)

# %%
reporting.clusters.describe_cluster_notes(report.clusters)

# %% [markdown]
# ## Lifetime value: who will buy again, and what the base is worth
#
# Customers are judged by their chance of buying again and by what they bring over the whole
# relationship, not by the first sale. A purchase model (BG/NBD, Fader, Hardie & Lee 2005, or
# its MBG/NBD variant; the one used is named below) gives each customer's probability of still
# being active, P(alive), and expected purchases; the Gamma-Gamma model gives expected spend
# per purchase. Lifetime value is that expected spend discounted with this unit's margin and
# rate: it is smaller than the expected revenue beside it.

# %%
reporting.clv.describe_clv(report.clv, currency=report.currency)

# %% [markdown]
# ### A customer's lifetime is worth far more than the first purchase

# %%
reporting.clv.describe_lifetime_revenue(report.clv, currency=report.currency)

# %%
ax = plots.clv.plot_lifetime_vs_first(report.lifetime_by_purchases, currency=report.currency)

# %% [markdown]
# ### Expected value over the horizon by segment and by cluster

# %%
reporting.clv.clv_by_group_table(report.clv_by_segment, column="segment", currency=report.currency)

# %%
reporting.clv.clv_by_group_table(
    report.clv_by_cluster, column="cluster_name", currency=report.currency
)

# %% [markdown]
# ### Does the model predict well? Calibration and holdout
#
# The model is fitted on an earlier window and its predictions are compared with what
# customers actually bought in the following quarters.

# %%
reporting.clv.describe_holdout(report.clv.holdout)

# %%
ax = plots.clv.plot_holdout(report.clv.holdout)

# %%
reporting.clv.describe_model(report.clv)

# %% [markdown]
# ## Cohorts: do new customers stay?
#
# Customers grouped by the quarter of their first purchase; each cell is the share of the
# cohort still buying in a later quarter. Blank cells cannot be observed yet.

# %%
reporting.behaviour.describe_cohorts(report.cohorts)

# %%
ax = plots.behaviour.plot_cohorts(report.cohorts)

# %% [markdown]
# ## Where new customers come from
#
# New customers per quarter by acquisition source. Referrals say much about how customers
# judge us: a rising referral share is a good sign.

# %%
reporting.behaviour.describe_acquisition(
    report.acquisition, report.by_source, currency=report.currency,
    min_customers=report.min_customers,
)

# %%
ax = plots.behaviour.plot_referral_share(report.acquisition)

# %% [markdown]
# ## A win-back experiment, ready to run
#
# Try a strategy on an experimental group first. Lost customers are split at random into a
# test group (gets the win-back offer) and a control group, balanced by past revenue; the lists
# are published next to this report, and a later quarter's report reads out the difference.

# %%
reporting.behaviour.describe_split(
    report.split, segment="lost", currency=report.currency, value_label="revenue ever",
    min_customers=report.min_customers,
)

# %% [markdown]
# ### Last quarter's split, read out this quarter
#
# The split is reproducible: the same seed on last quarter's lost customers gives last quarter's
# groups. If the win-back offer went to that test group, this is what each group bought this
# quarter. Until a campaign runs, the two groups should differ only by chance.

# %%
reporting.behaviour.describe_experiment(report.readout, currency=report.currency)

# %% [markdown]
# ## Appendix: data quality
#
# Every row of the export is accounted for: rows read = rows kept + rows rejected. Rejected
# rows are listed with their reason in the quarantine file published next to this report.

# %%
reporting.quality.describe_quality(
    report.data.quality, rows_after=report.rows_after, currency=report.currency, coverage=report.coverage
)

# %%
reporting.quality.rejects_table(report.data.quality, currency=report.currency)

# %% [markdown]
# ## Appendix: run metadata
#
# What this report was computed from, so that it can be reproduced exactly.

# %%
reporting.quality.metadata_table(report.run_facts)

# %% tags=["remove_cell"]
# Publish artifacts (only when run by `insights report`, which sets output_dir).
from insights.publish.report import write_artifacts

written = write_artifacts(output_dir, **pipeline.report_artifacts(report))
