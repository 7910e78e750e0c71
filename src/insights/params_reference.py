"""The params reference: every key of a unit's params file, its default and its meaning.

``insights params-reference --update README.md`` (and ``docs/analysts.md``) writes this table
between its markers; ``tests/test_docs.py`` keeps both documents in step with the schema.
"""

from __future__ import annotations

from pydantic import BaseModel

from insights.params import Params


def params_reference() -> str:
    """Return the params reference as a Markdown table: every key, its default and meaning.

    The README's params reference is this table; a test keeps the two in step.
    """
    lines = ["| key | default | meaning |", "| --- | --- | --- |"]

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            key = f"{prefix}{name}"
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{key}.")
                continue
            if field.is_required():
                default = "required"
            elif field.default_factory is not None:
                made = field.get_default(call_default_factory=True)
                default = f"{len(made)} rules (the R×F map)" if key == "rfm.rules" else repr(made)
            else:
                default = repr(field.default)
            meaning = field.description or _FIELD_NOTES.get(key, "")
            lines.append(f"| `{key}` | `{default}` | {meaning} |")

    walk(Params, "")
    return "\n".join(lines)


#: One line per key for the README (a test checks every key has one).
_FIELD_NOTES = {
    "unit": "business unit; must equal the file name (params/<unit>.yaml)",
    "source.paths": "input files relative to the project root (CSV, Parquet, Excel); required unless format is postgres",
    "source.allow_outside_project": "allow source.paths outside the project and its data/ folder (off: such paths are refused)",
    "source.table": "format postgres: [schema.]table read as text (letters, digits, _)",
    "source.dsn_env": "format postgres: environment variable holding the connection string (never in params)",
    "source.export_date": "day the export was taken; later rows are rejected as 'in the future'",
    "source.sheet": "Excel sheet to read; required when a workbook has several",
    "source.format": "auto (by suffix and content), csv, parquet, excel, postgres or fixed_width",
    "source.encoding": "auto accepts UTF-8 (with or without BOM) and Russian cp1251; others are refused",
    "source.delimiter": "auto = the candidate that splits the first lines consistently; whitespace = runs of spaces or tabs",
    "source.decimal": "decimal mark; auto = per column, from the values only one reading fits",
    "source.thousands": "thousands separator; auto = any space or the non-decimal mark",
    "source.date_format": "strftime pattern such as %d.%m.%Y; empty = ISO or day-first dates",
    "source.dayfirst": "read dates such as 01.02.2025 day first (false: month first); a column that only reads the other way, or both ways, is refused",
    "source.excel_date_columns": "canonical date columns stored as Excel serial numbers",
    "source.min_date": "rows dated before it are rejected as implausible",
    "source.currency": "the one currency of the report; rows in another currency are converted (exchange_rates) or rejected",
    "source.total_row_markers": "rows whose customer starts with one of these are totals, rejected",
    "source.grain": "order_line (several rows per order) or order (one row per order_id)",
    "source.header_line": "1-based line of the header; empty = the first non-blank line",
    "source.widths": "format fixed_width: each column's width in characters, left to right",
    "source.column_names": "files without a header line: one name per column, in order (then column_map applies)",
    "source.duplicates": "rows equal in every column without an order_id: keep (reported as possible duplicates) or drop",
    "source.amount_min": "amounts below it are rejected as implausible; empty = minus 1000 x the 99th percentile of absolute amounts",
    "source.amount_max": "amounts above it are rejected as implausible; empty = 1000 x the 99th percentile of absolute amounts",
    "source.exchange_rates": "currency code -> units of source.currency per one; rows in those currencies are converted",
    "gate.accept_total_mismatch": "publish although a file's one total row does not match the sum of its rows (it includes VAT, say)",
    "gate.max_rejected_share": "above this share of rows or money rejected the run publishes nothing; raise it to accept a known rate",
    "source.stream": "true = read in batches into a cached, cleaned Parquet dataset the analysis scans (exports larger than memory); auto = when files exceed 1 GB or features.engine is spark; same numbers either way",
    "features.engine": "duckdb (default) or spark (a cluster; streams the files)",
    "column_map": "source column name -> canonical name (customer_id, order_date, amount, ...)",
    "lifecycle.lost_days": "no purchase for this many days = lost",
    "lifecycle.new_days": "first purchase within this many days = new",
    "lifecycle.regular_window_days": "window in which regulars make regular_min_purchases",
    "lifecycle.by_unit": "reports spanning several units: unit -> that unit's lifecycle windows (the four keys above), so each customer is segmented with its main unit's windows, as in that unit's report",
    "express_test.natural_churn_share": "one-time share at or below this is green (about 3% is natural churn)",
    "express_test.max_unknown_customer_share": "above this share of rows without a customer the test is red",
    "express_test.max_lost_share": "green needs at most this share of last year's active customers lost since",
    "express_test.max_never_returned_share": "green needs at most this share of last year's new customers never buying again",
    "express_test.lapsed_base_share": "red when one-time buyers (of all customers) and lost customers (of last year's active) both reach this share",
    "attention.decline_ratio": "latest quarter, or the mean of the latest two, under this share of the customer's run-rate = declining",
    "attention.run_rate_quarters": "quarters averaged into a customer's run-rate (the ones before the latest)",
    "attention.run_rate_min_quarters": "customers who bought in fewer of the run-rate quarters have no run-rate (one-off buyers)",
    "attention.min_run_rate_share": "customers whose run-rate is under this share of the unit's are not alerted",
    "attention.overdue_factor": "a repeat buyer silent for more than this times its usual gap is lapsing",
    "attention.min_p_alive": "a repeat buyer with P(alive) under this is lapsing (never applied to one-time buyers)",
    "attention.manager_share": "an account manager handling this share of revenue or more is a single-manager exposure",
    "attention.exposure_min_share": "customers at or above this revenue share carry their manager's exposure",
    "attention.horizon_days": "customers gone longer move to the win-back list; empty = lifecycle.lost_days",
    "attention.winback_max_days": "customers gone longer than this are on no list",
    "report.unit_name_policy": "reports spanning several units: unit -> that unit's show_customer_names, so a customer is labelled as in its own unit's report",
    "report.min_customers": "a comparison or recommendation resting on fewer customers (per group) says 'too few customers to judge'",
    "concentration.disclosure_share": "customers at or above this revenue share are listed (10%: public-company disclosure)",
    "key_customers.weights.revenue": "key-customer score weight of 12-month revenue (the weights are normalised to sum 1)",
    "key_customers.weights.margin": "weight of total margin (contribution)",
    "key_customers.weights.growth": "weight of the revenue trend (12 months against the 12 before)",
    "key_customers.weights.loyalty": "weight of tenure and regular quarterly buying",
    "key_customers.weights.repeat": "weight of the chance of buying again (P(alive); else frequency and recency)",
    "key_customers.weights.breadth": "weight of the number of product lines bought",
    "key_customers.weights.reference": "weight of being a reference or image customer",
    "clustering.k": "fixed k; empty = choose by silhouette over k_min..k_max on a seeded sample",
    "clv.time_unit": "time unit of the BG/NBD summary (day or week)",
    "report.show_customer_names": "false = stable pseudonyms in reports and exports",
    "random_state": "seed for every random step (clustering, samples, experiments)",
    "description": "one line about the unit, shown under the report's title",
    "lifecycle.regular_min_purchases": "purchases within regular_window_days that make a regular",
    "express_test.min_history_days": "with less history than this the test is red (cannot answer)",
    "express_test.min_active_customers": "with fewer active customers than this the test is red",
    "concentration.trend_quarters": "quarters in the concentration trend (trailing 12-month revenue at each quarter end)",
    "concentration.top_n": "top-N customers whose revenue share is reported",
    "concentration.stress_top": "stress test: revenue left without the top N customers, for each N",
    "key_customers.top_n": "key customers listed, and loss-makers shown",
    "key_customers.profitable_min_margin_share": "contribution / revenue above this = profitable",
    "key_customers.image_customers": "customer_ids classed 'image' by hand (kept for reputation, not profit)",
    "key_customers.exclude_customers": "customer_ids left out of the key-customer list",
    "features.service_product_lines": "product lines counted as services (mix and the services share)",
    "features.online_channels": "channels counted as online (mix and the online share)",
    "clustering.k_min": "smallest k tried when k is empty",
    "clustering.k_max": "largest k tried when k is empty",
    "clustering.sample_size": "customers in the seeded sample on which k is chosen",
    "clustering.fit_size": "above this many customers k-means is fitted on a seeded sample of this size and every customer goes to the nearest centre",
    "clustering.n_init": "k-means restarts per fit (scikit-learn's n_init)",
    "clustering.stability_runs": "reseeded fits compared with the adjusted Rand index",
    "clustering.stability_min_ari": "mean adjusted Rand index at or above this = stable clusters",
    "clustering.features": "behavioural features to cluster on; empty = all of them",
    "clv.horizon_months": "months of future purchases valued",
    "clv.annual_discount_rate": "discount rate of future value (monthly compounding)",
    "clv.margin_share": "margin per unit of revenue; empty = from the data's cost or margin, else 1 (revenue)",
    "clv.min_repeat_buyers": "fewer repeat buyers than this: the models are not fitted, the section says why",
    "clv.holdout_quarters": "last quarters held out to check the model's predictions",
    "clv.model": "auto (MBG/NBD where one-time buyers are the majority, else BG/NBD), bgnbd or mbgnbd",
    "clv.min_history_days": "the oldest customer's age must reach this for the models to be fitted",
    "cohorts.max_quarters": "most recent acquisition cohorts shown, and quarters each is followed",
    "cohorts.referral_sources": "acquisition sources counted as referrals (case-insensitive)",
    "rfm.bins": "quantile scores 1..bins for recency, frequency and monetary",
    "rfm.rules": "segment map: a name and inclusive r, f, m score ranges per rule; first match wins",
    "report.title": "report title; empty = '<Unit>: customer report'",
    "report.top_n": "rows in the report's top-customer lists (group portfolio, valuable customers at risk)",
    "report.max_name_length": "customer names longer than this are shortened with an ellipsis in the report",
    "report.execution_timeout_seconds": "a notebook cell running longer fails the run; the previous report is kept",
    "report.language": "ru or en: the language of the report, its exports and its line on the index page",
    "report.labels": "display names of data codes per dimension and language, e.g. customer_type: {small_business: {ru: Малый бизнес}}",
}
