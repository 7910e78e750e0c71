"""The demo units' parameters and the constants the planted truths and the export share.

Each unit is one ``_Spec`` (customers, types, managers, order kinds, channels, buying rates,
churn, referral trend, discounts); the name vocabularies draw Russian persons and companies.
See ``insights.demo`` for what is planted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
