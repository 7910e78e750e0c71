"""Tests for insights.clustering.clusters (with cluster_fit, cluster_profiles, report text and plots).

Frames are hand-built customer-feature frames with planted behaviour groups whose names follow
from the rule table by hand (see ``_planted``), or tiny frames computed on paper.
"""

from __future__ import annotations

import dataclasses
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from insights.clustering import fit as cluster_fit
from insights.clustering.clusters import (
    CLIP_BOUND,
    build_clusters,
    choose_k,
    fit_kmeans,
    measure_stability,
    prepare_features,
    silhouette_scores,
)
from insights.clustering.profiles import level, name_clusters
from insights.params import ClusteringParams
from insights.schema import ContractError

matplotlib.use("Agg")

PARAMS = ClusteringParams()
PLANTED_NAMES = {"A": "frequent high-value", "B": "lapsed one-timers", "C": "new customers"}


def _planted(sizes=(30, 25, 20), *, seed=0, shift_days=0) -> pd.DataFrame:
    """Three planted groups, far apart on recency, frequency, money and tenure.

    A "frequent high-value": 10-19 purchases of ~5,000 (median ~15 purchases, ~75,000 total,
    >= 1.5x the overall medians of ~2 purchases and ~1,000), bought in the last 40 days.
    B "lapsed one-timers": one purchase of ~250, 750-1100 days ago (recency >= 1.5x the
    overall median, which lies among the recent A and C customers, ~30 days).
    C "new customers": 1-2 purchases, first one at most 80 days ago (tenure <= 2/3 of the
    overall median ~700 days), recency not high.
    ``shift_days`` moves as_of on by that many days (one quarter = 91): A buy on (tenure and
    purchase count grow), B age, C is a fresh cohort of new customers.
    """
    rng = np.random.default_rng(seed)
    na, nb, nc = sizes
    a_ten = rng.uniform(700, 1000, na) + shift_days
    a_rec = rng.uniform(5, 40, na)
    a_freq = rng.integers(10, 20, na) + shift_days // 45
    a_mean = np.exp(rng.normal(8.5, 0.2, na))
    b_rec = rng.uniform(750, 1100, nb) + shift_days
    b_mean = np.exp(rng.normal(5.5, 0.3, nb))
    c_rec = rng.uniform(3, 60, nc)
    c_ten = c_rec + rng.uniform(0, 20, nc)
    c_freq = rng.integers(1, 3, nc)
    c_mean = np.exp(rng.normal(6.5, 0.3, nc))
    frame = pd.DataFrame(
        {
            "group": ["A"] * na + ["B"] * nb + ["C"] * nc,
            "recency_days": np.concatenate([a_rec, b_rec, c_rec]),
            "tenure_days": np.concatenate([a_ten, b_rec, c_ten]),
            "frequency": np.concatenate([a_freq, np.ones(nb), c_freq]).astype(float),
            "monetary_mean": np.concatenate([a_mean, b_mean, c_mean]),
            "mean_gap_days": np.concatenate(
                [
                    (a_ten - a_rec) / (a_freq - 1),
                    np.full(nb, np.nan),
                    np.where(c_freq > 1, c_ten - c_rec, np.nan),
                ]
            ),
            "product_line_count": np.concatenate(
                [rng.integers(3, 5, na), np.ones(nb), rng.integers(1, 3, nc)]
            ).astype(float),
            "services_share": np.concatenate([rng.uniform(0.2, 0.4, na), np.zeros(nb + nc)]),
            "online_share": np.concatenate([rng.uniform(0.0, 0.2, na), np.zeros(nb + nc)]),
            "trend": np.concatenate([rng.uniform(-0.1, 0.2, na), np.zeros(nb), np.ones(nc)]),
        }
    )
    frame["monetary_total"] = frame["monetary_mean"] * frame["frequency"]
    frame["revenue_12m"] = np.where(frame["group"] == "B", 0.0, frame["monetary_total"] / 2)
    ids = [f"{seed}{shift_days}-{i:04d}" for i in range(len(frame))]
    frame.insert(0, "customer_id", pd.array(ids, dtype="str"))
    return frame


def _names_by_group(frame: pd.DataFrame, result) -> dict[str, set[str]]:
    merged = frame.merge(result.labels, on="customer_id")
    return {g: set(part["cluster_name"]) for g, part in merged.groupby("group")}


# --- planted groups, determinism, naming stability -------------------------------------------


def test_planted_groups_are_recovered_and_named_from_their_behaviour():
    frame = _planted()
    result = build_clusters(frame, params=PARAMS, random_state=7)
    assert result.status == "ok" and result.k == 3 and result.k_source == "silhouette"
    merged = frame.merge(result.labels, on="customer_id")
    assert adjusted_rand_score(merged["group"], merged["cluster"]) == pytest.approx(1.0)
    assert _names_by_group(frame, result) == {g: {n} for g, n in PLANTED_NAMES.items()}
    assert result.is_stable and min(result.stability_ari) == pytest.approx(1.0)


def test_clusters_are_ordered_by_mean_total_spend_and_sizes_add_up():
    frame = _planted()
    result = build_clusters(frame, params=PARAMS, random_state=7)
    assert result.profiles["cluster"].tolist() == [1, 2, 3]
    assert result.profiles["monetary_total_mean"].is_monotonic_decreasing
    # A (~75,000 each) first, then C (~1,000), then B (~250)
    assert result.sizes["cluster_name"].tolist() == [
        "frequent high-value",
        "new customers",
        "lapsed one-timers",
    ]
    assert result.sizes["customers"].tolist() == [30, 20, 25]
    assert result.sizes["revenue_share"].sum() == pytest.approx(1.0)
    assert result.sizes.loc[2, "revenue_share"] == 0.0  # B has no revenue in 12 months


def test_rerun_gives_identical_labels_names_and_profiles():
    frame = _planted()
    first = build_clusters(frame, params=PARAMS, random_state=3)
    second = build_clusters(frame, params=PARAMS, random_state=3)
    pd.testing.assert_frame_equal(first.labels, second.labels)
    pd.testing.assert_frame_equal(first.profiles, second.profiles)
    pd.testing.assert_frame_equal(first.projection, second.projection)
    assert first.stability_ari == second.stability_ari and first.notes == second.notes


def test_row_order_of_the_input_does_not_change_the_labels():
    frame = _planted()
    shuffled = frame.sample(frac=1.0, random_state=1)
    a = build_clusters(frame, params=PARAMS, random_state=3)
    b = build_clusters(shuffled, params=PARAMS, random_state=3)
    pd.testing.assert_frame_equal(a.labels, b.labels)


@pytest.mark.parametrize("seed", [0, 1])
def test_names_survive_moving_the_quarter_on(seed):
    now = build_clusters(_planted(seed=seed), params=PARAMS, random_state=42)
    later_frame = _planted(seed=seed + 10, shift_days=91)
    later = build_clusters(later_frame, params=PARAMS, random_state=42)
    assert set(now.sizes["cluster_name"]) == set(later.sizes["cluster_name"])
    assert _names_by_group(later_frame, later) == {g: {n} for g, n in PLANTED_NAMES.items()}


def test_fixed_k_from_params_is_used():
    result = build_clusters(_planted(), params=ClusteringParams(k=2), random_state=1)
    assert result.k == 2 and result.k_source == "params"
    assert len(result.silhouette) == 1 and result.silhouette["k"].tolist() == [2]
    assert any("fixed in the params" in n for n in result.notes)


def test_params_features_restrict_the_matrix():
    params = ClusteringParams(features=["recency_days", "frequency", "monetary_total"])
    result = build_clusters(_planted(), params=params, random_state=1)
    assert result.features == ("recency_days", "frequency", "monetary_total")
    assert list(result.centers.columns) == ["recency_days", "frequency", "monetary_total"]
    # profiles still describe every behavioural feature present, in original units
    assert "tenure_days" in result.profiles


def test_input_is_not_mutated():
    frame = _planted()
    before = frame.copy(deep=True)
    build_clusters(frame, params=PARAMS, random_state=1)
    prepare_features(frame)
    pd.testing.assert_frame_equal(frame, before)


# --- the sample cap and the silhouette -------------------------------------------------------


def test_silhouette_runs_on_a_sample_of_at_most_sample_size(monkeypatch):
    seen = []

    def spy(matrix, label_sets):
        seen.append(len(matrix))
        return silhouette_scores(matrix, label_sets)

    monkeypatch.setattr(cluster_fit, "silhouette_scores", spy)
    frame = _planted((120, 100, 80))
    result = build_clusters(frame, params=ClusteringParams(sample_size=100), random_state=5)
    assert seen == [100]
    assert len(result.projection) == 100
    assert result.projection["customer_id"].isin(frame["customer_id"]).all()
    assert len(result.labels) == 300  # the final fit labels every customer


def test_sample_is_fixed_by_the_seed():
    matrix = prepare_features(_planted((120, 100, 80))).matrix.to_numpy()
    kwargs = {"k_min": 2, "k_max": 4, "sample_size": 100, "n_init": 2}
    first = choose_k(matrix, random_state=9, **kwargs)
    again = choose_k(matrix, random_state=9, **kwargs)
    other = choose_k(matrix, random_state=10, **kwargs)
    assert len(first.sample_rows) == 100
    np.testing.assert_array_equal(first.sample_rows, again.sample_rows)
    assert not np.array_equal(first.sample_rows, other.sample_rows)


def test_silhouette_of_two_pairs_on_a_line_by_hand():
    # points 0, 1 | 10, 11: a = 1 for all; b = 10.5, 9.5, 9.5, 10.5
    # s = 9.5/10.5, 8.5/9.5, 8.5/9.5, 9.5/10.5 -> mean = (9.5/10.5 + 8.5/9.5) / 2
    x = np.array([[0.0], [1.0], [10.0], [11.0]])
    (score,) = silhouette_scores(x, [np.array([0, 0, 1, 1])])
    assert score == pytest.approx((9.5 / 10.5 + 8.5 / 9.5) / 2)


def test_silhouette_scores_agree_with_scikit_learn_including_singletons():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(700, 3))  # more rows than one distance block
    labelings = [rng.integers(0, 3, 700), rng.integers(0, 5, 700)]
    labelings[1][0] = 5  # a singleton cluster: s = 0 for it
    labelings.append(labelings[0] * 2)  # labels 0, 2, 4: unused label values are ignored
    ours = silhouette_scores(x, labelings)
    theirs = [silhouette_score(x, lab) for lab in labelings]
    assert ours == pytest.approx(theirs, abs=1e-9)


# --- feature preparation ---------------------------------------------------------------------


def _tiny() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array(["d", "c", "b", "a"], dtype="str"),
            "frequency": [1.0, 1.0, 1.0, 3.0],
            "monetary_total": [-100.0, 0.0, 100.0, 1000.0],
            "online_share": [0.5, 0.5, 0.5, 0.5],
            "recency_days": [200.0, 10.0, 20.0, 30.0],
            "mean_gap_days": [np.nan, 5.0, 6.0, 7.0],
        }
    )


def test_prepare_log_transforms_and_scales_by_hand():
    prep = prepare_features(_tiny(), columns=("frequency", "monetary_total", "online_share"))
    assert list(prep.matrix.index) == ["a", "b", "c", "d"]  # sorted by customer_id
    # frequency -> log1p = ln2 * [2, 1, 1, 1] (a first); median ln2; IQR/1.349 = 0.185 ln2;
    # std = ln2 * sqrt(3)/4 = 0.433 ln2 is larger -> z(a) = 1 / (sqrt(3)/4) = 4 / sqrt(3)
    assert prep.matrix.loc["a", "frequency"] == pytest.approx(4 / math.sqrt(3))
    assert prep.matrix.loc["b", "frequency"] == pytest.approx(0.0)
    # a net return (negative total) stays finite and below the zero-spend customer
    money = prep.matrix["monetary_total"]
    assert np.isfinite(money).all() and money["d"] < money["c"] < money["b"] < money["a"]
    assert prep.transforms == {
        "frequency": "sign-preserving log1p",
        "monetary_total": "sign-preserving log1p",
    }


def test_constant_feature_is_dropped_with_a_note():
    prep = prepare_features(_tiny(), columns=("frequency", "online_share"))
    assert prep.dropped == ("online_share",)
    assert any("online_share is the same for every customer" in n for n in prep.notes)


def test_one_purchase_gap_is_set_to_the_days_since_the_purchase():
    columns = ("recency_days", "mean_gap_days")
    imputed = prepare_features(_tiny(), columns=columns)
    explicit = prepare_features(
        _tiny().assign(mean_gap_days=[200.0, 5.0, 6.0, 7.0]), columns=columns
    )
    pd.testing.assert_frame_equal(imputed.matrix, explicit.matrix)
    assert any("1 one-purchase" in n for n in imputed.notes)


def test_contract_errors_name_the_problem():
    with pytest.raises(ContractError, match="revenue_12m"):
        build_clusters(_planted().drop(columns="revenue_12m"), params=PARAMS, random_state=1)
    doubled = pd.concat([_planted().head(3)] * 2, ignore_index=True)
    with pytest.raises(ContractError, match="unique"):
        build_clusters(doubled, params=PARAMS, random_state=1)


# --- outliers, degenerate data ---------------------------------------------------------------


def _with_outlier() -> pd.DataFrame:
    frame = _planted()
    outlier = frame.iloc[[40]].assign(  # a lapsed one-timer who spent a billion on 40 lines
        customer_id="zz-outlier",
        monetary_total=1e9,
        monetary_mean=1e9,
        revenue_12m=1e9,
        product_line_count=40.0,
        services_share=1.0,
        online_share=1.0,
    )
    return pd.concat([frame, outlier], ignore_index=True)


@pytest.mark.parametrize("k", [None, 4])
def test_one_extreme_outlier_does_not_own_a_cluster(k):
    frame = _with_outlier()
    result = build_clusters(frame, params=ClusteringParams(k=k), random_state=42)
    assert result.status == "ok"
    own = result.labels.set_index("customer_id").loc["zz-outlier", "cluster"]
    assert (result.labels["cluster"] == own).sum() > 1
    assert result.sizes["customers"].min() > 1
    assert any("capped" in n for n in result.notes)
    prep = prepare_features(frame)
    assert prep.matrix.abs().to_numpy().max() <= CLIP_BOUND


def test_a_cluster_of_one_is_refitted_and_said():
    # five tight customers and one far away; k = 2 puts the far one alone
    x = np.array([[0.0], [0.1], [0.2], [0.3], [0.4], [5.0]])
    fit = fit_kmeans(x, k=2, n_init=2, random_state=0)
    assert fit.n_refitted == 1
    assert np.bincount(fit.labels).min() >= 1 and fit.labels[5] == fit.labels[4]


DEGENERATE = {
    "empty": (lambda f: f.iloc[:0], PARAMS, "empty"),
    "one customer": (lambda f: f.iloc[:1], PARAMS, "too_few_customers"),
    "fewer than k_min + 1": (lambda f: f.iloc[[0, 40]], PARAMS, "too_few_customers"),
    "fewer than k": (lambda f: f.iloc[[0, 1, 40, 60]], ClusteringParams(k=5), "too_few_customers"),
    "identical": (
        lambda f: pd.concat([f.iloc[[0]]] * 8, ignore_index=True).assign(
            customer_id=[f"x{i}" for i in range(8)]
        ),
        PARAMS,
        "identical_customers",
    ),
}


@pytest.mark.parametrize("case", list(DEGENERATE))
def test_degenerate_data_gives_a_status_and_a_sentence_not_a_traceback(case):
    from insights.plots.clusters import (
        plot_cluster_profiles,
        plot_cluster_projection,
        plot_silhouette,
    )
    from insights.reporting.clusters import describe_clusters, format_cluster_profiles

    make, params, status = DEGENERATE[case]
    result = build_clusters(make(_planted()), params=params, random_state=1)
    assert result.status == status and not result.ok
    assert result.message.endswith(".") and len(result.message.split()) >= 5
    assert result.labels.empty and result.k is None
    assert result.message in describe_clusters(result)
    assert format_cluster_profiles(result) == ""
    for plot in (plot_silhouette, plot_cluster_projection, plot_cluster_profiles):
        assert plot(result).texts  # the sentence is drawn instead of a chart
    matplotlib.pyplot.close("all")


def test_features_absent_from_the_frame_are_skipped_with_a_note():
    frame = _planted().drop(columns=["services_share", "online_share"])
    result = build_clusters(frame, params=PARAMS, random_state=1)
    assert result.ok and "online_share" not in result.features
    assert "Not in the data, so not used: services_share, online_share." in result.notes
    empty_choice = build_clusters(frame, params=ClusteringParams(features=[]), random_state=1)
    assert empty_choice.status == "no_features" and "features" in empty_choice.message


def test_constant_and_missing_features_still_cluster_with_notes():
    frame = _planted().assign(online_share=0.3, services_share=np.nan)
    frame.loc[3, "trend"] = np.nan
    result = build_clusters(frame, params=PARAMS, random_state=1)
    assert result.ok and result.k == 3
    assert any("set to the feature's median: trend (1)" in n for n in result.notes)
    assert "online_share" not in result.features and "services_share" not in result.features
    assert any("online_share is the same" in n for n in result.notes)
    assert any("services_share is missing for every customer" in n for n in result.notes)


# --- stability -------------------------------------------------------------------------------


def test_stability_is_perfect_on_planted_groups_and_seeds_are_derived():
    matrix = prepare_features(_planted()).matrix.to_numpy()
    fit = fit_kmeans(matrix, k=3, n_init=5, random_state=0)
    ari = measure_stability(
        matrix, fit.labels, k=3, n_init=5, runs=4, random_state=0, sample_size=10_000
    )
    assert ari == pytest.approx((1.0, 1.0, 1.0, 1.0))


def test_structureless_data_is_flagged_unstable_with_a_warning():
    from insights.reporting.clusters import describe_clusters

    rng = np.random.default_rng(3)
    n = 150
    frame = pd.DataFrame(
        {
            "customer_id": pd.array([f"u{i:03d}" for i in range(n)], dtype="str"),
            "recency_days": rng.uniform(0, 1, n),
            "online_share": rng.uniform(0, 1, n),
            "trend": rng.uniform(-1, 1, n),
            "monetary_total": rng.uniform(100, 200, n),
            "revenue_12m": rng.uniform(0, 100, n),
        }
    )
    params = ClusteringParams(
        k=6, n_init=1, stability_min_ari=0.99, features=["recency_days", "online_share", "trend"]
    )
    result = build_clusters(frame, params=params, random_state=0)
    assert result.ok and not result.is_stable
    assert result.stability_mean < 0.99
    assert any("not stable" in n for n in result.notes)
    assert "not stable" in describe_clusters(result)


def test_large_inputs_switch_to_mini_batch(monkeypatch):
    monkeypatch.setattr(cluster_fit, "MINIBATCH_ABOVE", 50)
    frame = _planted()
    result = build_clusters(frame, params=PARAMS, random_state=7)
    merged = frame.merge(result.labels, on="customer_id")
    assert adjusted_rand_score(merged["group"], merged["cluster"]) == pytest.approx(1.0)
    assert any("mini-batch" in n for n in result.notes)


# --- names -----------------------------------------------------------------------------------


def test_levels_follow_the_documented_ratios():
    # high at >= 1.5x the overall value, low at <= 1/1.5, mid between; no level without base
    assert [level(15.0, 10.0), level(14.9, 10.0), level(6.67, 10.0), level(6.6, 10.0)] == [
        "high",
        "mid",
        "mid",
        "low",
    ]
    assert level(5.0, 0.0) == "mid" and level(np.nan, 1.0) == "mid"


def test_names_get_channel_qualifiers_and_are_made_unique():
    overall = pd.Series(
        {
            "recency_days": 100.0,
            "frequency": 2.0,
            "monetary_total": 200.0,
            "tenure_days": 800.0,
            "online_share": 0.2,
        }
    )
    profiles = pd.DataFrame(
        {  # two frequent high-value clusters (one online-first), two lapsed one-timers
            "recency_days": [20.0, 20.0, 400.0, 500.0],
            "frequency": [9.0, 9.0, 1.0, 1.0],
            "monetary_total": [900.0, 800.0, 50.0, 40.0],
            "tenure_days": [900.0, 900.0, 700.0, 700.0],
            "online_share": [0.1, 0.8, 0.0, 0.0],  # 0.8 >= 0.5 and >= 0.2 + 0.2
        },
        index=[1, 2, 3, 4],
    )
    names = name_clusters(profiles, overall=overall)
    assert names.tolist() == [
        "frequent high-value",
        "frequent high-value, online-first",
        "lapsed one-timers (higher-value)",
        "lapsed one-timers (lower-value)",
    ]


# --- report side -----------------------------------------------------------------------------


def test_report_sentences_and_plots_for_a_fitted_result():
    import matplotlib.pyplot as plt

    from insights.plots.clusters import (
        plot_cluster_profiles,
        plot_cluster_projection,
        plot_silhouette,
    )
    from insights.reporting.clusters import (
        describe_cluster_list,
        describe_cluster_stability,
        describe_clusters,
        format_cluster_profiles,
    )

    result = build_clusters(_planted(), params=PARAMS, random_state=7)
    text = describe_clusters(result)
    assert "75 customers fall into 3 behavioural groups" in text
    assert "frequent high-value" in text and "stable" in text
    listing = describe_cluster_list(result)
    assert listing.count("<li>") == 3 and "lapsed one-timers (cluster 3)" in listing
    assert "<table" in format_cluster_profiles(result)
    shaky = dataclasses.replace(result, is_stable=False, stability_mean=0.4)
    assert "not stable" in describe_cluster_stability(shaky)
    assert len(result.stability_ari) == 5  # measured: an unstable grouping gives no action
    assert listing.count("Action: none yet") == 0
    assert describe_cluster_list(shaky).count("Action: none yet: the grouping is not stable") == 3
    assert "what to do: none yet" in describe_clusters(shaky)
    assert len(plot_cluster_projection(result).collections) == 3
    assert plot_silhouette(result).get_xlabel() == "number of groups (k)"
    assert len(plot_cluster_profiles(result).get_yticklabels()) == 3
    plt.close("all")


def test_charts_name_the_groups_in_the_report_language():
    """The projection's legend and the profile heatmap's rows use the same Russian group
    names as the report's tables (they once showed the English names in a Russian report)."""
    import matplotlib.pyplot as plt

    from insights.plots.clusters import plot_cluster_profiles, plot_cluster_projection
    from insights.reporting.i18n import set_language

    result = build_clusters(_planted(), params=PARAMS, random_state=7)
    set_language("ru")
    try:
        legend = [t.get_text() for t in plot_cluster_projection(result).get_legend().get_texts()]
        rows = [t.get_text() for t in plot_cluster_profiles(result).get_yticklabels()]
    finally:
        set_language("en")
        plt.close("all")
    russian = {"частые с крупными тратами", "ушедшие разовые покупатели", "новые клиенты"}
    assert {label.split(". ", 1)[1] for label in legend} == russian
    assert {label.split(". ", 1)[1] for label in rows} == russian


def test_a_tiered_group_name_is_said_whole_in_the_report_language():
    """Retail's groups "new customers (lower-value)" and "lapsed one-timers, online-first
    (lower-value)" kept their English qualifier and tier in a Russian report."""
    from insights.reporting.clusters import cluster_label
    from insights.reporting.i18n import set_language

    set_language("ru")
    try:
        said = [cluster_label(n) for n in ("new customers (lower-value)",
                                           "lapsed one-timers, online-first (higher-value)",
                                           "steady repeat buyers (value tier 3)", "one-timers")]
    finally:
        set_language("en")
    assert said == ["новые клиенты (с более скромными тратами)",
                    "ушедшие разовые покупатели, преимущественно онлайн (с более крупными тратами)",
                    "стабильные повторные покупатели (уровень трат 3)", "разовые покупатели"]


# --- large units: k-means fitted on a sample, every customer to the nearest centre ----------


def _blobs(n_per: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian groups (centres 20 apart, sd 1) and their planted group."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [20.0, 0.0, 0.0], [0.0, 20.0, 0.0]])
    group = np.repeat(np.arange(3), n_per)
    return centres[group] + rng.normal(size=(len(group), 3)), group


def test_fit_on_a_sample_equals_the_full_fit_on_planted_groups():
    x, group = _blobs(2_000, seed=3)
    full = fit_kmeans(x, k=3, n_init=3, random_state=0)
    sampled = fit_kmeans(x, k=3, n_init=3, random_state=0, fit_size=300)
    assert (full.fitted_rows, sampled.fitted_rows) == (6_000, 300)
    assert adjusted_rand_score(full.labels, sampled.labels) == pytest.approx(1.0)
    assert adjusted_rand_score(group, sampled.labels) == pytest.approx(1.0)
    # every customer sits in the cluster of its nearest centre
    d2 = ((x[:, None, :] - sampled.centers[None]) ** 2).sum(axis=2)
    assert np.array_equal(sampled.labels, d2.argmin(axis=1))


def test_at_or_below_fit_size_every_customer_is_fitted():
    x, _ = _blobs(100, seed=4)
    assert fit_kmeans(x, k=3, n_init=2, random_state=0, fit_size=300).fitted_rows == 300
    a = fit_kmeans(x, k=3, n_init=2, random_state=0, fit_size=300)
    b = fit_kmeans(x, k=3, n_init=2, random_state=0)
    assert np.array_equal(a.labels, b.labels)


def test_a_large_unit_is_clustered_on_a_sample_and_says_so():
    frame = _planted((700, 500, 300), seed=5)
    result = build_clusters(frame, params=ClusteringParams(fit_size=1_000), random_state=7)
    assert result.status == "ok" and result.k == 3
    merged = frame.merge(result.labels, on="customer_id")
    assert len(merged) == 1_500 and result.sizes["customers"].sum() == 1_500
    assert adjusted_rand_score(merged["group"], merged["cluster"]) == pytest.approx(1.0)
    assert any("sample of 1,000" in note for note in result.notes)
    rerun = build_clusters(frame, params=ClusteringParams(fit_size=1_000), random_state=7)
    assert rerun.labels.equals(result.labels)
