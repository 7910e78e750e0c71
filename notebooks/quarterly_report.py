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
# Setup: params, data, the report quarter, customer features and the core results.
from pathlib import Path

from insights import (
    clustering,
    clv,
    cohorts,
    concentration,
    experiments,
    features,
    key_customers,
    key_person,
    mix,
    pipeline,
    segments,
)
from insights import reporting as R
from insights.params import load_params
from insights.periods import quarter_end
from insights.plots import behaviour as behaviour_plots
from insights.plots import clusters as cluster_plots
from insights.plots import clv as clv_plots
from insights.plots import dependency as dependency_plots
from insights.plots.core import use_report_style
from insights.publish import runinfo as runinfo
from insights.reporting import account_lists as account_lists
from insights.reporting import behaviour as behaviour_text
from insights.reporting import clusters as cluster_text
from insights.reporting import clv as clv_text
from insights.reporting import dependency as dependency_text
from insights.reporting import headline as headline_text
from insights.reporting import key_customers as key_text
from insights.reporting import quality as quality_text
from insights.reporting.labels import use_report_params

use_report_style()
root = runinfo.project_root(Path.cwd())
params = load_params(root / (params_file or f"params/{unit}.yaml"))
use_report_params(params.report)  # the report's language and code labels, for every cell below
data = pipeline.load_unit(params, root=root)
period = pipeline.resolve_quarter(data, quarter, params=params)
as_of, as_of_prev = quarter_end(period), quarter_end(period - 1)
tx, engine, currency = data.transactions, params.features.engine, params.source.currency
feature_args = {"params": params.features, "lifecycle": params.lifecycle}
features_now = features.build_customer_features(tx, as_of=as_of, **feature_args)
features_prev = features.build_customer_features(tx, as_of=as_of_prev, **feature_args)
activity = features.customer_quarter_activity(tx, as_of=as_of, engine=engine)
labels = dependency_text.customer_label_map(
    features_now,
    show_names=params.report.show_customer_names,
    salt=params.unit,
    max_length=params.report.max_name_length,
)
segments_now = segments.assign_lifecycle(features_now, params=params.lifecycle)
segments_prev = segments.assign_lifecycle(features_prev, params=params.lifecycle)
express = segments.express_test(
    features_now,
    segments_now,
    params=params.express_test,
    history_days=pipeline.history_days(data, as_of),
    unknown_customer_share=pipeline.unknown_customer_share(data),
)
clv_result = clv.build_clv(tx, as_of=as_of, params=params.clv, engine=engine)
p_alive = clv.p_alive_by_customer(clv_result)
customer_conc = concentration.summarize_concentration(
    concentration.customer_revenue(features_now),
    top_n=params.concentration.top_n,
    disclosure_share=params.concentration.disclosure_share,
)
headline = headline_text.summarize_headline(
    features_now,
    features_prev,
    activity=activity,
    quarter=period,
    segments_now=segments_now,
    segments_prev=segments_prev,
    concentration=customer_conc,
    express=express,
)

# %%
headline_text.title_block(params, period, as_of=as_of)

# %% [markdown]
# ## Headline
#
# Five figures for the quarter, each with what it means. Revenue is net of returns;
# "12 months" means the twelve months up to the end of the quarter.

# %%
headline_text.headline_cards(headline, currency=currency)

# %%
headline_text.describe_headline(headline, express=express, concentration=customer_conc)

# %%
portfolio = mix.group_portfolio(tx, as_of=as_of, top=params.report.top_n, engine=engine)
dependency_text.group_section(portfolio, labels=labels, currency=currency)

# %% [markdown]
# ## Express test: one-time buyers against regulars
#
# A healthy customer base keeps one-time buyers near natural churn (about 3% of active
# customers) and a solid core of regulars (3+ purchases in six months).

# %%
behaviour_text.describe_express_test(express)

# %% [markdown]
# ## Dependency on a few customers
#
# How much of the last 12 months' revenue comes from the largest customers, and what would be
# left if they left. Concentration bands follow the 2023 US Merger Guidelines (HHI below 1,000
# unconcentrated, 1,000–1,800 moderately concentrated, above 1,800 highly concentrated).

# %%
dependency_text.describe_concentration(customer_conc, labels=labels)

# %%
ax = dependency_plots.plot_lorenz(customer_conc.lorenz, gini=customer_conc.gini)

# %% [markdown]
# ### Stress test: revenue left if the largest customers leave

# %%
stress = concentration.stress_test(
    concentration.customer_revenue(features_now), top=params.concentration.stress_top
)
dependency_text.describe_stress_test(stress, currency=currency)

# %%
ax = dependency_plots.plot_stress_test(stress)

# %% [markdown]
# ### Is dependency growing?

# %%
trend = concentration.concentration_trend(
    tx, as_of=as_of, quarters=params.concentration.trend_quarters, engine=engine
)
dependency_text.describe_concentration_trend(trend)

# %%
ax = dependency_plots.plot_concentration_trend(trend)

# %% [markdown]
# ## Key-person risk: account managers
#
# Revenue each account manager handles, and what is at risk if one leaves and takes the
# customers whose revenue they handle.

# %%
managers = key_person.manager_departure_stress(tx, as_of=as_of, engine=engine)
dependency_text.describe_manager_risk(managers)

# %%
dependency_text.manager_table(managers, currency=currency)

# %% [markdown]
# ## Mix: products, channels, regions, customer types
#
# Diversification into services, online and new segments spreads the risk. Shares of the last
# 12 months' revenue, against the same 12 months a year earlier.

# %%
mix_result = mix.mix_diversification(
    tx,
    as_of=as_of,
    service_product_lines=params.features.service_product_lines,
    online_channels=params.features.online_channels,
    engine=engine,
)
dependency_text.describe_mix(mix_result)

# %%
dependency_text.mix_table(mix_result)

# %% [markdown]
# ## Key customers: more than the biggest buyers
#
# The main customer is often not the biggest one. The key-customer score weighs revenue, margin
# contribution after discounts and cost, growth, loyalty, the likelihood of buying again, the
# breadth of what they buy, and whether they are a reference that brings others. The weights
# are this unit's params.

# %%
key = key_customers.score_key_customers(
    features_now, params=params.key_customers, activity=activity, as_of=as_of, p_alive=p_alive
)
key_text.describe_weights(key)

# %%
key_text.key_customer_table(key, labels=labels, currency=currency)

# %% [markdown]
# ### Key customers against the revenue ranking

# %%
key_vs_revenue = key_customers.compare_key_vs_revenue(key)
key_text.describe_key_vs_revenue(key_vs_revenue, labels=labels)

# %%
key_text.comparison_table(key_vs_revenue, labels=labels)

# %% [markdown]
# ### Profitable, image and other customers; loss-makers
#
# The sources' classification: profitable customers, image customers (well known, they bring
# others), and the rest. Loss-makers cost more than they bring after discounts and cost: it
# may be cheaper to let them go.

# %%
key_text.describe_classification(key, labels=labels, currency=currency)

# %%
key_text.loss_maker_table(key, labels=labels, currency=currency)

# %% [markdown]
# ### Customers at risk
#
# Customers whose buying has slowed against their own rhythm; the list for account managers is
# published next to this report.

# %%
at_risk = account_lists.customers_at_risk(
    features_now, p_alive=p_alive, lost_days=params.lifecycle.lost_days
)
key_text.describe_at_risk(at_risk, labels=labels, currency=currency)

# %% [markdown]
# ## Lifecycle segments
#
# Every customer falls in exactly one segment (first rule that matches): **lost** (no purchase
# within the lost window), **new** (first purchase recently), **regular** (several purchases in
# the recent window), **one-time** (one purchase ever) and **occasional** (the rest). The windows
# are this unit's params, shown in the rule table below.

# %%
lifecycle = segments.segment_summary(features_now, segments_now)
behaviour_text.describe_lifecycle(lifecycle)

# %%
ax = behaviour_plots.plot_segments(lifecycle)

# %%
R.html_table(segments.lifecycle_rules(params.lifecycle), caption="Segment rules (first match wins)")

# %% [markdown]
# ### Movement since last quarter
#
# Where last quarter's customers are now. Revenue shares refer to the previous 12 months'
# revenue of the customers who moved.

# %%
movement = segments.segment_transitions(segments_prev, segments_now, prev_revenue=features_prev)
behaviour_text.describe_movement(movement, segments.key_flows(movement))

# %%
ax = behaviour_plots.plot_transitions(movement)

# %% [markdown]
# ### RFM segments
#
# Recency, frequency and monetary value scored 1–5 against the other customers of the unit,
# named with the segment map analysts know from common RFM tools.

# %%
rfm = segments.rfm_segments(segments.rfm_scores(features_now, bins=params.rfm.bins), rules=params.rfm.rules)
rfm_summary = segments.segment_summary(features_now, rfm, column="rfm_segment")
behaviour_text.describe_rfm(rfm_summary)

# %%
ax = behaviour_plots.plot_segments(rfm_summary, title="RFM segments")

# %% [markdown]
# ## Behavioural clusters
#
# Groups of customers who buy alike, found by k-means on behavioural features (recency,
# frequency, spend, tenure, gaps between purchases, breadth, services and online shares, trend).
# Skewed features are log-transformed and all are scaled; the number of groups is chosen by the
# silhouette score on a fixed-seed sample, and stability is checked by refitting with other seeds.

# %%
clusters = clustering.build_clusters(
    features_now, params=params.clustering, random_state=params.random_state
)
cluster_text.describe_clusters(clusters, currency=currency)

# %%
cluster_text.describe_cluster_list(clusters, currency=currency)

# %%
cluster_text.format_cluster_profiles(clusters, currency=currency)

# %%
ax = cluster_plots.plot_cluster_projection(clusters)

# %%
ax = cluster_plots.plot_cluster_profiles(clusters)

# %%
ax = cluster_plots.plot_silhouette(clusters)

# %%
cluster_text.describe_cluster_notes(clusters)

# %% [markdown]
# ## Lifetime value: who will buy again, and what the base is worth
#
# Customers are judged by their chance of buying again and by what they bring over the whole
# relationship, not by the first sale. The BG/NBD model (Fader, Hardie & Lee 2005) gives each
# customer's probability of still being active and expected purchases; the Gamma-Gamma model
# gives expected spend per purchase; value is discounted with this unit's margin and rate.

# %%
clv_text.describe_clv(clv_result, currency=currency)

# %% [markdown]
# ### A customer's lifetime is worth far more than the first purchase

# %%
clv_text.describe_lifetime_revenue(clv_result, currency=currency)

# %%
ax = clv_plots.plot_lifetime_vs_first(
    clv.summarize_lifetime_by_purchases(clv_result.lifetime), currency=currency
)

# %% [markdown]
# ### Expected value of the next 12 months by segment and by cluster

# %%
clv_by_segment = clv.summarize_clv_by(clv_result, segments_now, column="segment")
clv_text.clv_by_group_table(clv_by_segment, column="segment", currency=currency)

# %%
clv_by_cluster = clv.summarize_clv_by(clv_result, clusters.labels, column="cluster_name")
clv_text.clv_by_group_table(clv_by_cluster, column="cluster_name", currency=currency)

# %% [markdown]
# ### Valuable customers most likely to be lost

# %%
valuable_at_risk = clv.list_valuable_at_risk(clv_result, top_n=params.report.top_n)
clv_text.describe_at_risk(valuable_at_risk, currency=currency)

# %%
clv_text.at_risk_table(valuable_at_risk, labels=labels, currency=currency)

# %% [markdown]
# ### Does the model predict well? Calibration and holdout
#
# The model is fitted on an earlier window and its predictions are compared with what
# customers actually bought in the following quarters.

# %%
clv_text.describe_holdout(clv_result.holdout)

# %%
ax = clv_plots.plot_holdout(clv_result.holdout)

# %%
clv_text.describe_model(clv_result)

# %% [markdown]
# ## Cohorts: do new customers stay?
#
# Customers grouped by the quarter of their first purchase; each cell is the share of the
# cohort still buying in a later quarter. Blank cells cannot be observed yet.

# %%
cohort_table = cohorts.acquisition_cohorts(
    activity, quarter=period, max_quarters=params.cohorts.max_quarters
)
behaviour_text.describe_cohorts(cohort_table)

# %%
ax = behaviour_plots.plot_cohorts(cohort_table)

# %% [markdown]
# ## Where new customers come from
#
# New customers per quarter by acquisition source. Referrals say much about how customers
# judge us: a rising referral share is a good sign.

# %%
acquisition = cohorts.new_customers_by_source(
    features_now,
    quarter=period,
    quarters=params.concentration.trend_quarters,
    referral_sources=params.cohorts.referral_sources,
)
by_source = cohorts.retention_by_source(features_now, referral_sources=params.cohorts.referral_sources)
behaviour_text.describe_acquisition(acquisition, by_source, currency=currency)

# %%
ax = behaviour_plots.plot_referral_share(acquisition)

# %% [markdown]
# ## A win-back experiment, ready to run
#
# Try a strategy on an experimental group first. Lost customers are split at random into a
# test group (gets the win-back offer) and a control group, balanced by past revenue; the lists
# are published next to this report, and a later quarter's report reads out the difference.

# %%
split = experiments.split_win_back(features_now, segments_now, random_state=params.random_state)
behaviour_text.describe_split(split, segment="lost", currency=currency, value_label="revenue ever")

# %% [markdown]
# ### Last quarter's split, read out this quarter
#
# The split is reproducible: the same seed on last quarter's lost customers gives last quarter's
# groups. If the win-back offer went to that test group, this is what each group bought this
# quarter. Until a campaign runs, the two groups should differ only by chance.

# %%
previous_split = experiments.split_win_back(
    features_prev, segments_prev, random_state=params.random_state
)
readout = experiments.read_out_experiment(
    previous_split,
    experiments.outcomes_from_activity(activity, start_quarter=period, end_quarter=period),
)
behaviour_text.describe_experiment(readout, currency=currency)

# %% [markdown]
# ## Appendix: data quality
#
# Every row of the export is accounted for: rows read = rows kept + rows rejected. Rejected
# rows are listed with their reason in the quarantine file published next to this report.

# %%
quality_text.describe_quality(
    data.quality, rows_after=pipeline.count_after(data, period), currency=currency
)

# %%
quality_text.rejects_table(data.quality, currency=currency)

# %% [markdown]
# ## Appendix: run metadata
#
# What this report was computed from, so that it can be reproduced exactly.

# %%
run_facts = quality_text.run_facts(params, data.sources, root=root)
quality_text.metadata_table(run_facts)

# %% tags=["remove_cell"]
# Publish artifacts (only when run by `insights report`, which sets output_dir).
from insights.publish.report import write_artifacts

summary = headline_text.build_summary(
    unit=params.unit,
    quarter=period,
    as_of=as_of,
    headline=headline,
    verdicts=headline_text.verdicts(headline, express=express),
    quality=data.quality,
    sources=data.sources,
    params=params.model_dump(mode="json"),
    sections=headline_text.section_figures(
        concentration=customer_conc,
        stress=stress,
        trend=trend,
        managers=managers,
        clusters=clusters,
        clv_result=clv_result,
        lifecycle=lifecycle,
    ),
)
export_names = {"show_names": params.report.show_customer_names, "salt": params.unit}
written = write_artifacts(
    output_dir,
    summary=summary,
    tables={
        "quarantine": quality_text.quarantine_frame(
            data.rejected, show_names=params.report.show_customer_names
        ),
        "export_key_customers": account_lists.key_customer_list(key, **export_names),
        "export_customers_at_risk": account_lists.at_risk_list(at_risk, **export_names),
        "export_experiment_groups": account_lists.experiment_list(split, features_now, **export_names),
    },
)
