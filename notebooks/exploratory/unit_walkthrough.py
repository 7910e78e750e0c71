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

# %% [markdown]
# # A unit, question by question
#
# A starter notebook for analysts: one unit's report quarter, with the same params, data and
# seeds as its published report, so every number here equals the report's. Copy it, change
# `unit`, run all cells. It lives in `notebooks/exploratory/`, which `make reports` never
# publishes. Every step is a library call (`insights.open_unit` and the analysis modules);
# the docs are in `docs/analysts.md`.

# %% tags=["parameters"]
unit: str = "retail"  # business unit: the stem of a file in params/
quarter: str = ""  # report quarter such as 2026Q3, empty for the report's (latest complete)

# %%
from insights import analyst, clv, concentration, segments

view = analyst.open_unit(unit, quarter or None)
customers = view.customers
f"{view.params.unit}: quarter {view.quarter}, as of {view.as_of:%Y-%m-%d}, {len(customers):,} customers"

# %% [markdown]
# ## 1. Can the data be trusted?
#
# Rows read = rows kept + rows rejected; every rejected row has a reason (the report's
# data-quality appendix shows the same figures).

# %%
view.data.quality

# %%
view.data.rejected.head(10)

# %% [markdown]
# ## 2. Who are the customers? Lifecycle segments
#
# Segments use this unit's own windows (`lifecycle` in its params); the counts equal the
# report's lifecycle section.

# %%
segments.lifecycle_rules(view.params.lifecycle)

# %%
segments.segment_summary(customers, customers)

# %% [markdown]
# ## 3. Which customers behave alike? Clusters

# %%
view.clusters.message

# %%
view.clusters.profiles

# %% [markdown]
# ## 4. How much do we depend on a few customers?

# %%
dependency = concentration.summarize_concentration(concentration.customer_revenue(customers))
{"top shares": dependency.top_shares, "HHI": dependency.hhi, "band": dependency.hhi_band}

# %%
concentration.stress_test(concentration.customer_revenue(customers))

# %% [markdown]
# ## 5. What are the customers worth? Lifetime value
#
# P(alive) and expected value of the next months (BG/NBD and Gamma-Gamma); where the data
# cannot support the models, the status says why.

# %%
(view.clv_result.status, view.clv_result.reason)

# %%
clv.summarize_clv_by(view.clv_result, customers, column="segment")

# %%
customers.nlargest(10, "key_score")[["customer_id", "segment", "cluster_name", "key_score", "revenue_12m"]]
