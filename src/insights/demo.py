"""Generate the deterministic demo export of a car-dealer group with four business units.

``build_demo_transactions(unit)`` returns the canonical transactions of one unit (no
lineage); ``write_demo_exports(out_dir)`` writes them as a Russian CRM/1C export,
``<out_dir>/<unit>.csv`` (UTF-8 with BOM, ``;``, CRLF, decimal comma, U+00A0 thousands,
``dd.mm.yyyy``, Russian headers, see ``EXPORT_COLUMNS``), plus a ``.complete`` marker.
Same seed, byte-identical files. History 2023-01-01 .. 2026-09-30 (2026Q3 is the latest
complete quarter; the export is dated 2026-10-01).

Planted truths (as of 2026-09-30; T12M = 2025-10-01 .. 2026-09-30; tested in
``tests/test_demo.py`` with plain pandas):

* corporate: ~40 customers. One of them carries ``CORPORATE_KEY_SHARE`` (57%) of the
  unit's T12M net revenue over customers with positive T12M revenue, so HHI > 1800. It
  orders monthly until 2026-03, then only once in 2026Q2 and once in 2026Q3 at about a
  sixth of its usual size: a regular (3+ purchases in the 180 days to the date) at the
  end of 2026Q2, no longer one at the end of 2026Q3. Its account manager holds > 50% of
  the unit's T12M revenue.
* fleet: ~1,500 small companies buying vehicles (with insurance and warranty add-ons) and
  maintenance, repair and insurance steadily; regulars >= 35% of active customers; top-1
  share < 5%. About 30 big fleet buyers get heavy vehicle discounts (low margin); the six
  biggest get the deepest and lose money over T12M (contribution = amount - cost < 0, as
  do a few small customers whose T12M rows are mostly returns), so a ranking by
  contribution differs from the one by revenue; ~150 smaller loyal customers get no
  vehicle discount. The referral share of new customers rises every year (about 16% of
  those acquired in 2023, 45% in 2026); a few customers are references (``is_reference``).
* retail: ~6,500 private buyers, mostly a single purchase (one-time buyers >= 60%).
* service: ~2,600 customers visiting several times a year for maintenance, repair,
  insurance and warranty; ~30% of fleet customers are also service customers with the same
  ``customer_id`` and name (cross-selling inside the group).
* every unit: referral among acquisition sources, online among channels, cost and discount
  per line, returns (~2% of lines) as negative lines carrying the ``order_id`` of the
  customer's earlier purchase, dated 3-45 days after it.

Dirty rows, only in the written export (``DIRTY_ROW_KINDS``, ``DIRTY_ROWS_PER_UNIT`` per
file): a line with an empty customer code, a line whose amount is ``н/д``, an exact copy of
a line right after it, a line dated 15.03.2027 (after the export date), and a last
``Итого`` row whose ``Сумма`` is the sum of every parseable amount above it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd

from insights.publish.files import write_atomic

DEMO_UNITS = ("fleet", "corporate", "retail", "service")
DEFAULT_SEED = 20260930
HISTORY_START = pd.Timestamp("2023-01-01")
HISTORY_END = pd.Timestamp("2026-09-30")
EXPORT_DATE = pd.Timestamp("2026-10-01")
FUTURE_DATE = "15.03.2027"
CORPORATE_KEY_SHARE = 0.57
#: Export header -> canonical column, in file order.
EXPORT_COLUMNS = {
    "Дата": "order_date", "Номер заказа": "order_id", "Код клиента": "customer_id",
    "Клиент": "customer_name", "Тип клиента": "customer_type", "Подразделение": "unit",
    "Направление": "product_line", "Канал": "channel", "Регион": "region",
    "Менеджер": "account_manager", "Источник": "acquisition_source", "Сумма": "amount",
    "Себестоимость": "cost", "Скидка": "discount", "Референс": "is_reference",
    "Валюта": "currency",
}  # fmt: skip
DIRTY_ROW_KINDS = (
    "missing_customer_id", "unparseable_amount", "duplicate_line", "future_date", "total_row",
)  # fmt: skip
DIRTY_ROWS_PER_UNIT = len(DIRTY_ROW_KINDS)

_END = (HISTORY_END - HISTORY_START).days
_T12M_START = (pd.Timestamp("2025-10-01") - HISTORY_START).days
_NBSP = "\u00a0"
_REGIONS = {"moscow": 35, "saint_petersburg": 20, "kazan": 10, "yekaterinburg": 10,
            "novosibirsk": 8, "nizhny_novgorod": 7, "samara": 5, "krasnodar": 5}  # fmt: skip
_OTHER_SOURCES = {"website": 35, "advertising": 30, "cold_call": 15, "event": 20}
_COST_RATIO = {"vehicles": 0.90, "insurance": 0.55, "extended_warranty": 0.45,
               "maintenance": 0.55, "repair": 0.60, "parts": 0.70}  # fmt: skip
_SURNAMES = np.array(
    str.split(
        "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Федоров Морозов "
        "Волков Алексеев Лебедев Семенов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
        "Макаров Никитин Захаров Зайцев Соловьев Борисов Яковлев Григорьев Романов Воробьев "
        "Сергеев Кузьмин Фролов Александров Дмитриев Королев Гусев Киселев Ильин Максимов "
        "Поляков Сорокин Виноградов Ковалев Белов Медведев Антонов Тарасов Жуков Баранов"
    )
)
_INITIALS = np.array(list("АБВГДЕИКЛМНОПРСТФЮЯ"))
_WORDS_A = str.split(
    "Вектор Альфа Сибирь Гранит Восток Орион Меридиан Балтика Урал Волга Прогресс Стандарт "
    "Импульс Феникс Атлант Горизонт Кристалл Магнит Спектр Титан Эталон Регион Союз Нева Кама "
    "Ока Енисей Алтай Полюс Форвард Стрела Профи Сфера Партнер Лидер Базис Дельта Омега Зенит "
    "Аврора Север Янтарь Ладога Каскад Олимп"
)
_WORDS_B = str.split(
    "Логистик Строй Сервис Трейд Авто Групп Транс Снаб Торг Инвест Техно Пром Агро Маркет "
    "Доставка Монтаж Энерго Ресурс Холдинг Экспресс Телеком Фарм Продукт Мебель Клининг "
    "Медиа Девелопмент Инжиниринг Карго Хим Лес Металл"
)


@dataclass(frozen=True)
class _Spec:
    offset: int  # added to the seed: each unit has its own random stream
    prefix: str  # order-id prefix
    customers: int
    id_range: tuple[int, int]  # customer codes are drawn from this range, 6 digits
    types: dict[str, float]
    managers: dict[str, float]
    kinds: tuple  # order kinds, see _kind
    channels: dict[str, float]
    rate: tuple[float, float]  # repeat buyers' orders per year: median, log-sigma
    repeat_share: float  # the others buy once
    existing_share: float  # already buying when the history starts
    churn_share: float  # stop buying at a random day
    referral: tuple[float, float]  # referral probability in 2023, yearly increase
    vehicle_discount: tuple[float, float]
    extra_vehicles: float  # mean extra vehicles per vehicle line (Poisson)
    reference_share: float
    return_share: float = 0.02


def _kind(line: str, weight: float, price: float, sigma: float, addons: tuple = ()) -> tuple:
    """Describe an order kind: main line, weight, median list price, log-sigma, add-ons.

    Add-ons are ``(product line, probability, share of the main line's list price)``.
    """
    return (line, weight, price, sigma, addons)


def _vehicles(weight: float, price: float = 3_200_000, sigma: float = 0.2) -> tuple:
    """Describe a vehicle order with its insurance and extended-warranty add-ons."""
    return _kind("vehicles", weight, price, sigma,
                 (("insurance", 0.6, 0.06), ("extended_warranty", 0.3, 0.03)))  # fmt: skip


_SPECS = {
    "fleet": _Spec(
        offset=0, prefix="FL", customers=1500, id_range=(1, 20_000),
        types={"small_business": 85, "fleet_operator": 15},
        managers={"Соколова А. В.": 25, "Кузнецов Д. И.": 20, "Морозова Е. С.": 20,
                  "Волков П. А.": 15, "Лебедева О. Н.": 10, "Новиков С. Г.": 10},
        kinds=(_vehicles(0.35), _kind("maintenance", 0.40, 45_000, 0.5, (("parts", 0.6, 0.5),)),
               _kind("repair", 0.15, 90_000, 0.7, (("parts", 0.7, 0.6),)),
               _kind("insurance", 0.10, 160_000, 0.3)),
        channels={"dealership": 45, "online": 20, "phone": 25, "partner": 10},
        rate=(7.0, 0.5), repeat_share=0.92, existing_share=0.40, churn_share=0.22,
        referral=(0.14, 0.08), vehicle_discount=(0.0, 0.06), extra_vehicles=0.3,
        reference_share=0.006),
    "corporate": _Spec(
        offset=1, prefix="CO", customers=40, id_range=(20_000, 30_000),
        types={"corporate": 80, "leasing_company": 20},
        managers={"Орлов Д. С.": 20, "Федорова М. К.": 30, "Захаров И. Л.": 30,
                  "Павлова Н. А.": 20},
        kinds=(_vehicles(0.60), _kind("maintenance", 0.25, 400_000, 0.5, (("parts", 0.5, 0.4),)),
               _kind("insurance", 0.15, 1_500_000, 0.4)),
        channels={"dealership": 50, "online": 10, "phone": 30, "partner": 10},
        rate=(5.0, 0.4), repeat_share=1.0, existing_share=0.70, churn_share=0.15,
        referral=(0.15, 0.03), vehicle_discount=(0.04, 0.08), extra_vehicles=4.0,
        reference_share=0.05),
    "retail": _Spec(
        offset=2, prefix="RT", customers=6500, id_range=(30_000, 70_000), types={"private": 1},
        managers={"Белов А. А.": 20, "Комарова Т. Ю.": 15, "Григорьев В. П.": 15,
                  "Романова Е. Д.": 15, "Степанов К. О.": 15, "Николаева Л. М.": 10,
                  "Макаров Р. С.": 10},
        kinds=(_vehicles(0.65, 2_600_000, 0.35), _kind("parts", 0.35, 60_000, 0.8)),
        channels={"dealership": 60, "online": 25, "phone": 10, "partner": 5},
        rate=(0.8, 0.5), repeat_share=0.40, existing_share=0.15, churn_share=0.0,
        referral=(0.18, 0.03), vehicle_discount=(0.0, 0.05), extra_vehicles=0.0,
        reference_share=0.002),
    "service": _Spec(
        offset=3, prefix="SV", customers=2600, id_range=(70_000, 100_000),
        types={"private": 80, "small_business": 20},
        managers={"Андреев М. В.": 25, "Егорова С. Н.": 25, "Тихонов Г. Е.": 20,
                  "Власова А. И.": 15, "Крылов Н. П.": 15},
        kinds=(_kind("maintenance", 0.50, 25_000, 0.5, (("parts", 0.6, 0.5),)),
               _kind("repair", 0.30, 50_000, 0.8, (("parts", 0.7, 0.6),)),
               _kind("insurance", 0.12, 70_000, 0.4),
               _kind("extended_warranty", 0.08, 60_000, 0.3)),
        channels={"dealership": 50, "online": 30, "phone": 20},
        rate=(3.5, 0.5), repeat_share=0.95, existing_share=0.35, churn_share=0.30,
        referral=(0.16, 0.04), vehicle_discount=(0.0, 0.0), extra_vehicles=0.0,
        reference_share=0.003),
}  # fmt: skip


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


def _format_money(values: np.ndarray) -> list[str]:
    """Format numbers as ``-1 234 567,89`` (U+00A0 thousands, decimal comma)."""
    table = str.maketrans({",": _NBSP, ".": ","})
    return [f"{v:,.2f}".translate(table) for v in np.round(values, 2) + 0.0]


def _export_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Render canonical rows as the CRM export's text fields, with Russian headers."""
    text = frame.astype({"is_reference": bool})
    rendered = {
        "order_date": text["order_date"].dt.strftime("%d.%m.%Y"),
        "is_reference": np.where(text["is_reference"], "да", "нет"),
        **{c: _format_money(text[c].to_numpy()) for c in ("amount", "cost", "discount")},
    }
    out = {ru: rendered.get(c, text[c]) for ru, c in EXPORT_COLUMNS.items()}
    return pd.DataFrame({k: pd.Series(v, dtype="str").to_numpy() for k, v in out.items()})


def _with_dirty_rows(text: pd.DataFrame, prefix: str, rng: np.random.Generator) -> pd.DataFrame:
    """Insert the DIRTY_ROW_KINDS rows into the export text, the total row last."""
    n = len(text)
    positive = np.flatnonzero(~text["Сумма"].str.startswith("-"))
    missing, bad, dup, late = rng.choice(positive, size=4, replace=False)
    extra = text.iloc[[missing, bad, dup, late]].copy()
    fresh = [f"{prefix}-{d[-4:]}-9{i:05d}" for i, d in enumerate(extra["Дата"].iloc[:2], start=1)]
    extra["Номер заказа"] = fresh + [extra["Номер заказа"].iloc[2], f"{prefix}-2027-000001"]
    extra.iloc[0, extra.columns.get_loc("Код клиента")] = ""
    extra.iloc[1, extra.columns.get_loc("Сумма")] = "н/д"
    extra.iloc[3, extra.columns.get_loc("Дата")] = FUTURE_DATE
    rows = pd.concat([text, extra], ignore_index=True)
    rows = rows.iloc[np.argsort(np.r_[np.arange(n), missing + 0.5, bad + 0.5, dup + 0.25,
                                      n + 0.5], kind="stable")]  # fmt: skip
    kopecks = rows["Сумма"].str.replace(_NBSP, "").str.replace(",", "")
    total = pd.to_numeric(kopecks, errors="coerce").sum() / 100
    footer = pd.DataFrame([[""] * len(text.columns)], columns=text.columns, dtype="str")
    footer.iloc[0, 0], footer.loc[0, "Сумма"] = "Итого", _format_money(np.array([total]))[0]
    return pd.concat([rows, footer], ignore_index=True)


def export_demo_csv(unit: str, *, seed: int = DEFAULT_SEED) -> bytes:
    """Render one unit's demo export as CSV bytes (UTF-8 with BOM, ``;``, CRLF).

    Fields holding ``;``, ``"`` or a line break are quoted per RFC 4180.
    """
    frame = build_demo_transactions(unit, seed=seed)
    rng = np.random.default_rng(seed + _SPECS[unit].offset + 100)
    text = _with_dirty_rows(_export_text(frame), _SPECS[unit].prefix, rng)
    buffer = io.StringIO()
    text.to_csv(buffer, sep=";", index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


def write_demo_exports(out_dir: str | Path, *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write every demo unit's export to ``out_dir/<unit>.csv`` and a ``.complete`` marker.

    Each file is written atomically (temporary file, then ``os.replace``); the marker
    is written last, so its presence means all four exports are complete.

    Parameters
    ----------
    out_dir : str or Path
        Target directory, created when missing.
    seed : int
        Base seed; the same seed gives byte-identical files.

    Returns
    -------
    dict of str to Path
        The written export per unit, in ``DEMO_UNITS`` order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / ".complete").unlink(missing_ok=True)  # stale until every export is rewritten
    paths = {}
    for unit in DEMO_UNITS:
        paths[unit] = out / f"{unit}.csv"
        write_atomic(paths[unit], export_demo_csv(unit, seed=seed))
    marker = f"seed={seed}\nunits={','.join(DEMO_UNITS)}\n"
    write_atomic(out / ".complete", marker.encode("utf-8"))
    return paths
