"""Draw one demo unit's customers, orders and order lines into canonical transactions.

``build_demo_transactions(unit)`` is deterministic in its seed; the planted truths (see
``insights.demo``) are made here: fleet's discounted big buyers, corporate's leaving key
client, service customers shared with fleet.
"""

from __future__ import annotations

from functools import reduce

import numpy as np
import pandas as pd

from insights.demo.specs import (
    _COST_RATIO,
    _END,
    _INITIALS,
    _OTHER_SOURCES,
    _REGIONS,
    _SPECS,
    _SURNAMES,
    _T12M_START,
    _WORDS_A,
    _WORDS_B,
    CORPORATE_KEY_SHARE,
    DEFAULT_SEED,
    DEMO_UNITS,
    HISTORY_START,
    _Spec,
)


def _choose(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    p = np.array(list(weights.values()), dtype=float)
    return rng.choice(np.array(list(weights)), size=n, p=p / p.sum())


def _join(*parts) -> np.ndarray:
    return reduce(np.char.add, parts)


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = rng.choice(_SURNAMES, n)
    surname = np.where(rng.random(n) < 0.45, np.char.add(surname, "а"), surname)
    return _join(surname, " ", rng.choice(_INITIALS, n), ". ", rng.choice(_INITIALS, n), ".")


def _company_names(rng: np.random.Generator, n: int, forms=("ООО", "АО")) -> np.ndarray:
    nb = len(_WORDS_B)
    pick = rng.choice(len(_WORDS_A) * nb * len(forms), size=n, replace=False)
    combo, form = pick % (len(_WORDS_A) * nb), pick // (len(_WORDS_A) * nb)
    a, b = np.array(_WORDS_A)[combo // nb], np.array(_WORDS_B)[combo % nb]
    return _join(np.array(forms)[form], " «", a, " ", b, "»")


def _names(rng: np.random.Generator, types: np.ndarray) -> np.ndarray:
    """Name customers: persons for private buyers, ИП or companies for businesses."""
    n = len(types)
    names = _person_names(rng, n).astype(object)
    business = types != "private"
    sole_trader = (types == "small_business") & (rng.random(n) < 0.3)
    names[sole_trader] = np.char.add("ИП ", names[sole_trader].astype(str))
    company = business & ~sole_trader
    names[company] = _company_names(rng, int(company.sum()))
    return names


def _sources(rng: np.random.Generator, start: np.ndarray, referral: tuple) -> np.ndarray:
    """Draw acquisition sources; the referral share grows with the year of acquisition."""
    year = (HISTORY_START + pd.to_timedelta(start, unit="D")).year.to_numpy() - HISTORY_START.year
    is_referral = rng.random(len(start)) < referral[0] + referral[1] * year
    return np.where(is_referral, "referral", _choose(rng, _OTHER_SOURCES, len(start)))


def _registry(spec: _Spec, rng: np.random.Generator) -> pd.DataFrame:
    """Draw a unit's customers with their buying parameters (one row per customer)."""
    n = spec.customers
    ids = rng.choice(np.arange(*spec.id_range), size=n, replace=False)
    start = np.where(rng.random(n) < spec.existing_share,
                     rng.integers(0, 120, n), rng.integers(0, _END + 1, n))  # fmt: skip
    churned = rng.random(n) < spec.churn_share
    end = np.where(churned, start + (rng.random(n) * (_END - start)).astype(int), _END)
    rate = spec.rate[0] * np.exp(rng.normal(0.0, spec.rate[1], n))
    types = _choose(rng, spec.types, n)
    return pd.DataFrame({
        "customer_id": np.char.zfill(ids.astype(str), 6), "customer_name": _names(rng, types),
        "customer_type": types, "region": _choose(rng, _REGIONS, n),
        "account_manager": _choose(rng, spec.managers, n),
        "acquisition_source": _sources(rng, start, spec.referral),
        "is_reference": rng.random(n) < spec.reference_share, "start": start, "end": end,
        "rate": np.where(rng.random(n) < spec.repeat_share, rate, 0.0),
        "discount": rng.uniform(*spec.vehicle_discount, n),
        "extra_vehicles": np.full(n, spec.extra_vehicles), "planted": np.zeros(n, bool),
    })  # fmt: skip


def _plant_fleet(customers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Make 30 big discounted buyers (the 6 biggest lose money), 150 loyal list-price ones."""
    out = customers.copy()
    big = np.flatnonzero(out["customer_type"] == "fleet_operator")[:30]
    small = np.flatnonzero(out["customer_type"] == "small_business")
    loyal, odd = small[:150], small[150:152]
    out.loc[big, "start"] = rng.integers(0, 120, len(big))
    out.loc[big, "end"] = _END
    out.loc[big, "rate"] = rng.uniform(6.0, 10.0, len(big))
    out.loc[big, "extra_vehicles"] = np.r_[rng.uniform(5.5, 7.0, 6), rng.uniform(3.0, 6.0, 24)]
    out.loc[big, "discount"] = np.r_[rng.uniform(0.15, 0.17, 6), rng.uniform(0.08, 0.11, 24)]
    out.loc[loyal, "discount"] = 0.0
    out.loc[loyal, "rate"] = out.loc[loyal, "rate"] * 1.5
    out.loc[loyal[:6], "is_reference"] = True
    out.loc[odd, "customer_name"] = ['ООО "Рога & Копыта"', "ООО «Магистраль; филиал Казань»"]
    return out


def _plant_corporate(customers: pd.DataFrame) -> pd.DataFrame:
    """Make customer 0 the planted key customer; its orders come from ``_key_orders``."""
    out = customers.copy()
    key = {"customer_name": "АО «Столичный Таксопарк»", "customer_type": "corporate",
           "region": "moscow", "account_manager": "Орлов Д. С.", "acquisition_source": "event",
           "is_reference": True, "planted": True}  # fmt: skip
    out.loc[0, list(key)] = list(key.values())
    out.loc[1, "customer_name"] = 'ПАО "Север & Юг"'
    out.loc[[2, 3], "acquisition_source"] = "referral"  # every unit has referrals
    return out


def _share_fleet_customers(
    customers: pd.DataFrame, *, seed: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Replace ~30% of service customers by fleet customers (same code and name)."""
    fleet = _plant_fleet(*_fleet_registry(seed))
    shared = fleet.iloc[np.sort(rng.choice(len(fleet), round(0.3 * len(fleet)), replace=False))]
    keep = ["customer_id", "customer_name", "customer_type", "region", "acquisition_source",
            "is_reference", "start"]  # fmt: skip
    own = customers.iloc[: len(customers) - len(shared)]
    guest = customers.iloc[len(own) :].copy()
    for column in keep:
        guest[column] = shared[column].to_numpy()
    guest["start"] = np.minimum(guest["start"].to_numpy() + rng.integers(0, 60, len(guest)), _END)
    guest["end"] = np.maximum(guest["end"], guest["start"])
    return pd.concat([own, guest], ignore_index=True)


def _fleet_registry(seed: int) -> tuple[pd.DataFrame, np.random.Generator]:
    rng = np.random.default_rng(seed + _SPECS["fleet"].offset)
    return _registry(_SPECS["fleet"], rng), rng


def _draw_orders(customers: pd.DataFrame, spec: _Spec, rng: np.random.Generator) -> pd.DataFrame:
    """Draw orders: the first at the customer's start, then Poisson-many until its end."""
    live = customers.index[~customers["planted"]].to_numpy()
    start, end = customers["start"].to_numpy()[live], customers["end"].to_numpy()[live]
    span = end - start
    extra = rng.poisson(customers["rate"].to_numpy()[live] * span / 365.25)
    idx = np.repeat(np.arange(len(live)), extra)
    day = start[idx] + (rng.random(len(idx)) * (span[idx] + 1)).astype(int)
    cust = np.r_[live, live[idx]]
    weights = np.array([k[1] for k in spec.kinds])
    return pd.DataFrame({
        "cust": cust, "day": np.r_[start, day],
        "kind": rng.choice(len(spec.kinds), size=len(cust), p=weights / weights.sum()),
        "channel": _choose(rng, spec.channels, len(cust)), "weight": np.nan,
    })  # fmt: skip


def _key_orders(rng: np.random.Generator) -> pd.DataFrame:
    """Plant the corporate key customer's orders: monthly to 2026-03, then two small ones."""
    months = pd.period_range("2023-01", "2026-03", freq="M").append(
        pd.PeriodIndex(["2026-05", "2026-08"], freq="M")
    )
    first = months.to_timestamp()
    day = (first - HISTORY_START).days.to_numpy() + rng.integers(7, 21, len(months))
    level = np.select([first.year == 2023, first.year == 2024], [0.85, 0.95], 1.0)
    level = np.where(first >= pd.Timestamp("2026-04-01"), 0.16, level)
    return pd.DataFrame({"cust": 0, "day": day, "kind": 0, "channel": "dealership",
                         "weight": level * rng.uniform(0.92, 1.08, len(months))})  # fmt: skip


def _number_orders(orders: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Sort orders by date and number them per year: ``FL-2024-000123``."""
    out = orders.sort_values(["day", "cust"], kind="stable", ignore_index=True)
    year = (HISTORY_START + pd.to_timedelta(out["day"], unit="D")).dt.year.astype(str)
    seq = out.groupby(year).cumcount().add(1).astype(str).str.zfill(6)
    out["order_id"] = prefix + "-" + year + "-" + seq
    return out


def _draw_lines(
    orders: pd.DataFrame, customers: pd.DataFrame, spec: _Spec, rng: np.random.Generator
) -> pd.DataFrame:
    """Expand orders into 1-3 lines (main line + add-ons) with list price, discount, cost."""
    pieces = []
    for k, (line, _, price, sigma, addons) in enumerate(spec.kinds):
        main = np.flatnonzero(orders["kind"].to_numpy() == k)
        qty = 1.0
        if line == "vehicles":
            qty = 1 + rng.poisson(
                customers["extra_vehicles"].to_numpy()[orders["cust"].to_numpy()[main]]
            )
        listed = np.round(price * np.exp(rng.normal(0, sigma, len(main))), -2) * qty
        pieces.append((main, 0, line, listed))
        for no, (add_line, prob, share) in enumerate(addons, start=1):
            hit = rng.random(len(main)) < prob
            pieces.append(
                (main[hit], no, add_line, listed[hit] * share * rng.uniform(0.8, 1.2, hit.sum()))
            )
    order = np.concatenate([p[0] for p in pieces])
    lines = orders.iloc[order].reset_index(drop=True)
    lines["line_no"] = np.concatenate([np.full(len(p[0]), p[1]) for p in pieces])
    lines["product_line"] = np.concatenate([np.full(len(p[0]), p[2]) for p in pieces])
    lines["list"] = np.concatenate([p[3] for p in pieces])
    rate = np.where(rng.random(len(lines)) < 0.3, rng.uniform(0, 0.08, len(lines)), 0.0)
    vehicle_rate = customers["discount"].to_numpy()[lines["cust"].to_numpy()]
    rate = np.where(lines["product_line"] == "vehicles", vehicle_rate, rate)
    lines["discount"] = lines["list"] * rate
    ratio = lines["product_line"].map(_COST_RATIO).to_numpy(dtype=float)
    lines["cost"] = lines["list"] * ratio * rng.uniform(0.97, 1.03, len(lines))
    return lines


def _add_returns(
    lines: pd.DataFrame, customers: pd.DataFrame, spec: _Spec, rng: np.random.Generator
) -> pd.DataFrame:
    """Add returns: negative copies of ~``return_share`` of lines, 3-45 days later."""
    delay = rng.integers(3, 46, len(lines))
    planted = customers["planted"].to_numpy()[lines["cust"].to_numpy()]
    pick = (rng.random(len(lines)) < spec.return_share) & ~planted
    pick &= lines["day"].to_numpy() + delay <= _END
    back = lines[pick].copy()
    back["day"] = back["day"] + delay[pick]
    back["line_no"] = back["line_no"] + 10
    back[["list", "discount", "cost"]] = -back[["list", "discount", "cost"]]
    return pd.concat([lines, back], ignore_index=True)


def _scale_key_customer(lines: pd.DataFrame) -> pd.DataFrame:
    """Scale the key customer's lines so it holds CORPORATE_KEY_SHARE of T12M revenue."""
    out = lines.copy()
    amount = out["list"] - out["discount"]
    in_t12m = out["day"].between(_T12M_START, _END)
    key = out["cust"].to_numpy() == 0
    others = amount[in_t12m & ~key].groupby(out["cust"]).sum()
    target = others[others > 0].sum() * CORPORATE_KEY_SHARE / (1 - CORPORATE_KEY_SHARE)
    per_order = out.loc[key, "weight"] / out.loc[key].groupby("order_id")["list"].transform("sum")
    base = (amount[key] * per_order)[in_t12m[key]].sum()
    factor = per_order * target / base
    out.loc[key, ["list", "discount", "cost"]] = out.loc[key, ["list", "discount", "cost"]].mul(
        factor, axis=0
    )
    return out


def _assemble(lines: pd.DataFrame, customers: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Build the canonical frame: one row per order line, sorted by date and order."""
    lines = lines.sort_values(["day", "order_id", "line_no"], ignore_index=True)
    who = customers.iloc[lines["cust"].to_numpy()].reset_index(drop=True)
    discount = np.round(lines["discount"].to_numpy(), 2) + 0.0
    amount = np.round(np.round(lines["list"].to_numpy(), 2) - discount, 2) + 0.0
    date = HISTORY_START + pd.to_timedelta(lines["day"].to_numpy(), unit="D")
    text = {c: who[c].astype("str") for c in
            ("customer_id", "customer_name", "customer_type")}  # fmt: skip
    return pd.DataFrame({
        "order_date": pd.Series(date).astype("datetime64[ns]"),
        "order_id": lines["order_id"].astype("str"), **text,
        "unit": pd.Series(unit, index=lines.index, dtype="str"),
        "product_line": lines["product_line"].astype("str"),
        "channel": lines["channel"].astype("str"), "region": who["region"].astype("str"),
        "account_manager": who["account_manager"].astype("str"),
        "acquisition_source": who["acquisition_source"].astype("str"),
        "amount": amount, "cost": np.round(lines["cost"].to_numpy(), 2) + 0.0,
        "discount": discount, "is_reference": who["is_reference"].to_numpy(dtype=bool),
        "currency": pd.Series("RUB", index=lines.index, dtype="str"),
    })  # fmt: skip


def build_demo_transactions(unit: str, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Build one demo unit's canonical transactions (one row per order line, no lineage).

    Parameters
    ----------
    unit : {"fleet", "corporate", "retail", "service"}
        The business unit.
    seed : int
        Base seed; the unit's stream is ``numpy.random.default_rng(seed + offset)``.

    Returns
    -------
    DataFrame
        Canonical columns (see ``EXPORT_COLUMNS``), sorted by date, order and line.
        The planted truths are listed in the module docstring.
    """
    if unit not in _SPECS:
        raise ValueError(f"unknown demo unit {unit!r}; choose one of {', '.join(DEMO_UNITS)}.")
    spec = _SPECS[unit]
    if unit == "fleet":
        customers, rng = _fleet_registry(seed)
        customers = _plant_fleet(customers, rng)
    else:
        rng = np.random.default_rng(seed + spec.offset)
        customers = _registry(spec, rng)
    if unit == "corporate":
        customers = _plant_corporate(customers)
    if unit == "service":
        customers = _share_fleet_customers(customers, seed=seed, rng=rng)
    orders = _draw_orders(customers, spec, rng)
    if unit == "corporate":
        orders = pd.concat([orders, _key_orders(rng)], ignore_index=True)
    orders = _number_orders(orders, spec.prefix)
    lines = _add_returns(_draw_lines(orders, customers, spec, rng), customers, spec, rng)
    if unit == "corporate":
        lines = _scale_key_customer(lines)
    return _assemble(lines, customers, unit)
