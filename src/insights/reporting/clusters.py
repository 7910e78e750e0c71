"""Executive sentences and the profile table for the behavioural-clusters section.

Every function takes a ``clustering.ClusterResult`` and returns escaped ``Html`` built from
its numbers: what each cluster is, its size and revenue share, what to do about it, a warning
when the clusters are not stable, and the plain sentence of a degenerate case.
"""

from __future__ import annotations

import re

import pandas as pd

from insights.reporting.core import (
    Html,
    bullet_list,
    escape_text,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_purchases,
    fmt_share,
    html_table,
    note,
    paragraph,
    sentence,
)
from insights.reporting.i18n import N_, _, ngettext

#: What to do about a cluster, by the base of its name (cluster_profiles.NAME_RULES).
ACTIONS = {
    "frequent high-value": N_("keep them close: a named contact, priority service, early offers"),
    "frequent low-value": N_("grow the basket with add-ons and service packages"),
    "frequent buyers": N_("protect the habit with loyalty terms and reliable supply"),
    "new customers": N_("secure the second purchase with a timely follow-up"),
    "lapsed one-timers": N_("try one low-cost automated win-back offer, then let them go"),
    "lapsed high-value": N_("call them personally to find out why they left and win them back"),
    "lapsed customers": N_("run a win-back campaign, tested on an experimental group first"),
    "big-ticket one-timers": N_("turn the big purchase into a relationship with service and add-ons"),
    "one-timers": N_("invite a second purchase before they lapse"),
    "occasional high-value": N_("remind them in step with their buying cycle so they buy more often"),
    "occasional low-value": N_("serve them at low cost through automated and online channels"),
    "steady repeat buyers": N_("keep the routine going and cross-sell other product lines"),
    "steady mid-value": N_("nudge them towards a regular buying rhythm with reminders"),
}

#: Readable headers of the profile table, in order, with their formats.
_PROFILE_COLUMNS = {
    "cluster": (N_("cluster"), "int"),
    "cluster_name": (N_("name"), "text"),
    "customers": (N_("customers"), "int"),
    "customer_share": (N_("share of customers"), "share"),
    "revenue_share": (N_("share of 12-month revenue"), "share"),
    "recency_days": (N_("days since last purchase"), "int"),
    "frequency": (N_("purchases"), "number"),
    "monetary_total": (N_("total spend"), "money"),
    "monetary_mean": (N_("spend per purchase"), "money"),
    "tenure_days": (N_("days since first purchase"), "int"),
    "mean_gap_days": (N_("days between purchases"), "int"),
    "product_line_count": (N_("product lines"), "number"),
    "services_share": (N_("services share (mean)"), "share"),
    "online_share": (N_("online share (mean)"), "share"),
    "trend": (N_("12-month trend"), "number"),
}


def _base_name(name: str) -> str:
    return re.split(r",| \(", str(name), maxsplit=1)[0]


#: Names the clustering gives its groups (``clustering.naming``), translated for the report.
CLUSTER_NAMES = (
    N_("online-first"), N_("service-heavy"),
    N_("frequent high-value"), N_("frequent low-value"), N_("frequent buyers"), N_("new customers"),
    N_("lapsed one-timers"), N_("lapsed high-value"), N_("lapsed customers"), N_("big-ticket one-timers"),
    N_("one-timers"), N_("occasional high-value"), N_("occasional low-value"), N_("steady repeat buyers"),
    N_("steady mid-value"),
)


def _header(text: str) -> str:
    return text[:1].upper() + text[1:]


#: Suffixes that tell apart two or more groups of the same name (``clustering.profiles``).
TIER_WORDS = (N_("higher-value"), N_("lower-value"), N_("value tier {i}"))


def cluster_label(name: object) -> str:
    """Return a cluster's name in the report's language, qualifiers and tier included.

    >>> cluster_label("lapsed one-timers, online-first (lower-value)")
    'lapsed one-timers, online-first (lower-value)'
    """
    base, opened, rest = str(name).partition(" (")
    parts = ", ".join(_(part) for part in base.split(", "))
    if not opened:
        return parts
    tier = rest[:-1] if rest.endswith(")") else rest
    numbered = re.fullmatch(r"value tier (\d+)", tier)
    tier = _("value tier {i}").format(i=numbered.group(1)) if numbered else _(tier)
    return f"{parts} ({tier})"


def _long(text: str) -> Html:
    return escape_text(text, max_length=1000)


def _action(name: str, customers: int, min_customers: int, *, stable: bool = True) -> str:
    """Return what to do about a cluster: none below the minimum size or when the grouping
    is not stable (reseeded fits disagree: a group that may not exist is no plan)."""
    if customers < min_customers:
        return _("too few customers to judge ({n}, under the {m} needed)").format(
            n=fmt_int(customers), m=fmt_int(min_customers))
    if not stable:
        return _("none yet: the grouping is not stable (see below), so it describes, not prescribes")
    return _(ACTIONS.get(_base_name(name), N_("look at its profile below")))


def _stable(result) -> bool:
    """Return False only when stability was measured and fell below its floor."""
    return bool(result.is_stable) or not result.stability_ari


def describe_clusters(result, *, currency: str = "RUB", min_customers: int = 1) -> Html:
    """Summarise the clusters in two or three sentences, with a warning when not stable.

    Degenerate results give their plain sentence (``result.message``) instead. A cluster of
    fewer than ``min_customers`` (params ``report.min_customers``) gets no recommendation.
    """
    if not result.ok:
        return paragraph(
            sentence(_("No behavioural clusters: {message}"), message=_long(_(result.message)))
        )
    how = (_("the number chosen by how clearly the groups separate") if result.k_source == "silhouette"
           else _("the number fixed in the params"))
    first = sentence(
        _("{n} customers fall into {k} behavioural groups ({how})."),
        n=fmt_int(result.n_customers),
        k=str(result.k),
        how=how,
    )
    sizes = result.sizes.sort_values(["revenue_share", "cluster"], ascending=[False, True])
    top = sizes.iloc[0]
    lead = sentence(
        _("The “{name}” group is {share} of customers and brings {revenue} of the last 12 months' "
        "revenue ({money}); what to do: {action}."),
        name=cluster_label(top["cluster_name"]),
        share=fmt_share(top["customer_share"]),
        revenue=fmt_share(top["revenue_share"]),
        money=fmt_money(top["revenue_12m"], currency=currency),
        action=_action(top["cluster_name"], int(top["customers"]), min_customers, stable=_stable(result)),
    )
    return Html(paragraph(first, lead) + describe_cluster_stability(result))


def describe_cluster_stability(result) -> Html:
    """Say whether reseeded fits reproduce the clusters; a warning note when they do not."""
    if not result.ok or not result.stability_ari:
        return Html("")
    values = {
        "runs": fmt_int(len(result.stability_ari)),
        "ari": fmt_number(result.stability_mean, digits=2),
        "floor": fmt_number(result.stability_min_ari, digits=2),
    }
    if result.is_stable:
        return paragraph(
            sentence(
                _("The grouping is stable: {runs} refits with other random seeds agree with it "
                "(mean adjusted Rand index {ari}; 1 = identical, the floor is {floor})."),
                **values,
            )
        )
    text = _(
        "Warning: the clusters are not stable. Refits with {runs} other random seeds agree only "
        "{ari} on average (adjusted Rand index; the floor is {floor}), so customers near a "
        "border may change group between runs. Treat the groups as indicative, not as fixed "
        "segments."
    ).format(**values)
    return note(text, tone="warn")


def describe_cluster_list(result, *, currency: str = "RUB", min_customers: int = 1) -> Html:
    """List every cluster: what it is, its size and revenue share, and what to do.

    A cluster of fewer than ``min_customers`` gets "too few customers to judge" as its action.
    """
    if not result.ok:
        return Html("")
    rows = result.profiles.set_index("cluster")
    items = []
    for cluster, row in rows.iterrows():
        text = _(
            "{name} (cluster {cluster}): {customers} customers ({share}), {revenue} of 12-month "
            "revenue; a typical customer made {freq}, the last {recency} days ago, "
            "{money} in total. Action: {action}.").format(
                name=cluster_label(row["cluster_name"]),
                cluster=cluster,
                customers=fmt_int(row["customers"]),
                share=fmt_share(row["customer_share"]),
                revenue=fmt_share(row["revenue_share"]),
                freq=_purchases(row.get("frequency")),
                recency=fmt_int(row.get("recency_days")),
                money=fmt_money(row.get("monetary_total"), currency=currency),
                action=_action(row["cluster_name"], int(row["customers"]), min_customers,
                               stable=_stable(result)),
            )
        items.append(_long(text))
    return bullet_list(items)


def _purchases(frequency: float | None) -> str:
    """Return a median purchase count in words: '1 purchase', '4 purchases'.

    >>> _purchases(1.0), _purchases(3.6), _purchases(float("nan"))
    ('1 purchase', '4 purchases', '– purchases')
    """
    if frequency is None or pd.isna(frequency):
        return ngettext("{n} purchase", "{n} purchases", 5).format(n="–")
    return fmt_purchases(round(float(frequency)))


def describe_cluster_notes(result) -> Html:
    """List the method notes (imputation, dropped features, capped outliers, how k was set)."""
    from insights.reporting.phrases import cluster_note

    return bullet_list([_long(cluster_note(n)) for n in result.notes]) if result.notes else Html("")


def format_cluster_profiles(result, *, currency: str = "RUB") -> Html:
    """Render the profile table in original units (medians; shares are means)."""
    if not result.ok:
        return Html("")
    present = [c for c in _PROFILE_COLUMNS if c in result.profiles.columns]
    profiles = result.profiles[present]
    if "cluster_name" in present:
        profiles = profiles.assign(cluster_name=profiles["cluster_name"].map(cluster_label))
    headers = {c: _header(_(_PROFILE_COLUMNS[c][0])) for c in present}
    table = profiles.rename(columns=headers)
    formats = {headers[c]: _PROFILE_COLUMNS[c][1] for c in present}
    return html_table(
        table,
        formats=formats,
        caption=_("Cluster profiles: medians in original units (shares: means)"),
        currency=currency,
    )
