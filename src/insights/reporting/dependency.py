"""Executive sentences for the dependency section: concentration, stress test, its trend.

Every function takes a result of ``insights.concentration`` (key people are in
``reporting.key_person``, the mix and the group portfolio in ``reporting.mix``; their names
are importable from here too) and returns escaped ``Html`` computed from its numbers, e.g. "One customer
brings 57.0% of the unit's revenue; losing it would cut revenue by more than half."
Customer names reach the text only through ``labels`` (``customer_label_map``: names when
the unit's params allow them, otherwise stable pseudonyms), and always escaped.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from insights.concentration import ConcentrationSummary, top_fraction_count
from insights.reporting.core import (
    Html,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_quarter,
    fmt_share,
    note,
    paragraph,
    sentence,
)

# The shared words, key-person and mix sections live in their own modules; their names stay
# importable from here (the notebook calls ``reporting.dependency.describe_mix`` ...).
from insights.reporting.dependency_words import (  # noqa: F401
    CustomerLabels,
    customer_label_map,
    fmt_hhi,
    join_items,
    label_of,
    long_text,
    scope_words,
    verdict_words,
)
from insights.reporting.i18n import _, ngettext
from insights.reporting.key_person import describe_manager_risk, manager_table  # noqa: F401
from insights.reporting.labels import band_label
from insights.reporting.mix import (  # noqa: F401
    describe_group,
    describe_mix,
    group_section,
    group_top_table,
    mix_table,
)

#: An HHI change of more than 100 points is "significant" in the 2023 Merger Guidelines.
HHI_SIGNIFICANT_CHANGE = 100.0


def _loss_phrase(share: float) -> str:
    if share > 0.5:
        return _("losing it would cut revenue by more than half")
    if share >= 0.25:
        return _("losing it would cut revenue by a quarter or more")
    if share >= 0.10:
        return _("losing it would cut revenue by a tenth or more")
    return _("no single customer is critical")


def describe_concentration(
    summary: ConcentrationSummary,
    *,
    labels: Mapping[str, str] | None = None,
    scope: str | None = None,
) -> Html:
    """Describe how much revenue depends on the largest customers, with the HHI band.

    Parameters
    ----------
    summary : ConcentrationSummary
        ``concentration.summarize_concentration`` over customers.
    labels : mapping, optional
        customer_id -> display label (``customer_label_map``).
    scope : str
        "unit" or "group", used in the sentences ("the unit's revenue"); default: the
        report's (``labels.set_scope``).
    """
    if summary.status != "ok":
        return paragraph(sentence("{reason}", reason=long_text(_(summary.reason))))
    top = summary.ranking.iloc[0]
    first = sentence(
        _("One customer, {name}, brings {share} of {scope} trailing-12-month revenue; {loss}.")
        if top["share"] >= 0.5
        else _("The largest customer, {name}, brings {share} of {scope} trailing-12-month revenue; {loss}."),
        name=label_of(top["entity"], labels),
        share=fmt_share(top["share"]),
        scope=scope_words(scope),
        loss=_loss_phrase(top["share"]),
    )
    spread = sentence(
        _("The top {n5} customers bring {s5}, and the top {frac} of customers ({k}) bring {s20}."),
        n5=fmt_int(min(5, summary.entities)),
        s5=fmt_share(summary.ranking["share"].head(5).sum()),
        frac=fmt_share(summary.top_fraction, digits=0),
        k=fmt_int(top_fraction_count(summary.entities, summary.top_fraction)),
        s20=fmt_share(summary.top_fraction_share),
    )
    band = sentence(
        _("The Herfindahl-Hirschman Index is {hhi} ({band}): revenue is spread as if over {eff} "
        "equally large customers (of {n}); the Gini coefficient is {gini}."),
        hhi=fmt_hhi(summary.hhi),
        band=band_label(summary.hhi_band),
        eff=fmt_number(summary.effective_number, digits=0 if summary.effective_number >= 100 else 1),
        n=fmt_int(summary.entities),
        gini=fmt_number(summary.gini, digits=2),
    )
    parts = [paragraph(first, spread, band, _disclosure_sentence(summary, labels))]
    parts.append(note(_(
        "The Gini coefficient runs from 0 (all customers bring the same) to 1 (one customer "
        "brings everything); the HHI and its bands are explained at the top of this section."
    ) + " " + _("HHI bands: the Merger Guidelines of the U.S. Department of Justice and Federal Trade "
                "Commission (18 December 2023).") + (" " + _("{n} without positive net revenue are left out.").format(n=fmt_int(summary.excluded))
         if getattr(summary, "excluded", 0) else "")))
    return Html("".join(parts))


def _disclosure_sentence(summary: ConcentrationSummary, labels) -> Html:
    rows = summary.disclosure
    if rows.empty:
        return sentence(_("No customer reaches 10% of revenue, the level at which listed "
                        "companies must disclose a customer."))  # fmt: skip
    names = join_items(
        f"{label_of(e, labels)} ({fmt_share(s)})" for e, s in zip(rows["entity"], rows["share"], strict=True)
    )  # fmt: skip
    return sentence(
        _("{n} at or above 10% of revenue (the level listed companies must disclose): {names}."),
        n=ngettext("{n} customer is", "{n} customers are", len(rows)).format(n=fmt_int(len(rows))),
        names=names,
    )


def describe_stress_test(
    stress: pd.DataFrame, *, scope: str | None = None, currency: str = "RUB"
) -> Html:
    """Describe what is left if the top 1, 3, 5 customers leave, with the worst verdict.

    ``stress`` is ``concentration.stress_test``.
    """
    if stress.empty or stress["share_left"].isna().all():
        return paragraph(
            sentence(_("No customer has positive revenue, so there is nothing to stress."))
        )
    first = stress.iloc[0]
    parts = [
        sentence(
            _("If {n} left, {left} of {scope} revenue would remain "
            "({lost} lost); verdict {verdict}."),
            n=_("the largest customer") if int(first["top_n"]) == 1 else ngettext(
                "the largest {n} customer", "the largest {n} customers", int(first["top_n"])
            ).format(n=fmt_int(first["top_n"])),
            left=fmt_share(first["share_left"]),
            scope=scope_words(scope),
            lost=fmt_money(first["revenue_lost"], currency=currency),
            verdict=verdict_words(first["verdict"]),
        )
    ]
    others = [
        _("{share} without the top {n}").format(share=fmt_share(r.share_left), n=fmt_int(r.top_n))
        for r in stress.iloc[1:].itertuples()
    ]
    if others:
        parts.append(sentence(_("Revenue left: {others}."), others="; ".join(others)))
    return paragraph(*parts)


def describe_concentration_trend(
    trend: pd.DataFrame,
    *,
    warning=None,
    latest=None,
    labels: Mapping[str, str] | None = None,
    dominant_share: float = 0.10,
    currency: str = "RUB",
) -> Html:
    """Describe whether dependency on the largest customers is growing over the quarters.

    ``trend`` is ``concentration.concentration_trend``; a change of more than 100 HHI points
    counts as significant (2023 Merger Guidelines). ``warning`` (``attention.RunRateWarning``)
    tells why dependency falls: when a customer with at least ``dominant_share`` of the
    unit's run-rate is declining, falling dependency is that client leaving, a loss, never
    "easing". ``latest`` (``ConcentrationSummary`` of the latest quarter's revenue) adds the
    dependency on that quarter alone.
    """
    rows = trend.dropna(subset=["hhi"])
    if len(rows) < 2:
        return paragraph(sentence(_("The data covers too few quarters to show a trend.")))
    start, end = rows.iloc[0], rows.iloc[-1]
    change = end["hhi"] - start["hhi"]
    leaving = _dominant_leaving(warning, dominant_share)
    direction = (
        _("dependency on the largest customers is growing")
        if change > HHI_SIGNIFICANT_CHANGE
        else _("dependency is falling because the dominant client is buying far less, not because the base is broadening: a loss, not diversification")
        if change < -HHI_SIGNIFICANT_CHANGE and leaving is not None
        else _("dependency on the largest customers is falling as the base broadens")
        if change < -HHI_SIGNIFICANT_CHANGE
        else _("concentration is stable")
    )
    parts = [
        sentence(
            _("From {q0} to {q1} the top customer's share of trailing 12-month revenue went from "
            "{s0} to {s1} and the HHI from {h0} to {h1}: {direction}."),
            q0=fmt_quarter(start["quarter"]), q1=fmt_quarter(end["quarter"]),
            s0=fmt_share(start.get("top_1_share")), s1=fmt_share(end.get("top_1_share")),
            h0=fmt_hhi(start["hhi"]), h1=fmt_hhi(end["hhi"]), direction=direction,
        )
    ]  # fmt: skip
    if latest is not None and latest.status == "ok":
        parts.append(
            sentence(
                _("In the latest quarter alone the top customer brought {share} of revenue (HHI "
                "{hhi})."),
                share=fmt_share(latest.top_shares.get(1)),
                hhi=fmt_hhi(latest.hhi),
            )
        )
    if leaving is not None:
        parts.append(
            sentence(
                _("{name} ({share} of {scope} run-rate) bought {latest} a quarter over the "
                "latest {n} against a run-rate of {rate} a quarter before."),
                scope=scope_words(),
                name=label_of(leaving["customer_id"], labels),
                share=fmt_share(leaving["run_rate_share"]),
                n=_("quarter") if leaving["compared_quarters"] == 1 else _("two quarters"),
                latest=fmt_money(leaving["compared_revenue"], currency=currency),
                rate=fmt_money(leaving["compared_run_rate"], currency=currency),
            )
        )
    return paragraph(*parts)


def _dominant_leaving(warning, dominant_share: float):
    """Return the largest declining customer with at least ``dominant_share`` of the run-rate."""
    if warning is None or warning.status != "ok":
        return None
    rows = warning.declining
    rows = rows[rows["run_rate_share"] >= dominant_share]
    if rows.empty:
        return None
    return rows.sort_values("run_rate_share", ascending=False, kind="mergesort").iloc[0]
