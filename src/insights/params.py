"""Load and validate a unit's params: ``params/<unit>.yaml`` -> a frozen ``Params``.

Every threshold, window, weight and seed the analysis uses lives here with its default
from ``domain.md``. Unknown keys, wrong types and out-of-range values fail with a message
naming the file, the key and what is allowed.

Validation uses pydantic (frozen models with ``extra="forbid"``): the field's standard for
typed, validated configuration, with precise error locations; see README design notes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from insights.params_yaml import MAX_PARAMS_BYTES, YamlLimitError, load_yaml_limited
from insights.schema import CANONICAL

#: A unit name: lowercase letters, digits, ``_`` and ``-``, starting with a letter.
UNIT_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
#: A PostgreSQL table: ``name`` or ``schema.name``; letters, digits and ``_``, no quoting.
TABLE_NAME = re.compile(r"(?:[^\W\d]\w{0,62}\.)?[^\W\d]\w{0,62}")
#: An environment variable's name (``source.dsn_env``).
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")

Share = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveDays = Annotated[int, Field(ge=1, le=36500)]


class ParamsError(ValueError):
    """Raised when a params file is missing, unreadable or invalid."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceParams(_Section):
    """Where the unit's transactions come from and how the export is formatted."""

    paths: list[str] = []  # files, relative to the project root; required unless format is postgres
    allow_outside_project: bool = False  # read paths outside the project and data/ (else refused)
    format: Literal["auto", "csv", "parquet", "excel", "postgres", "fixed_width"] = "auto"
    table: str | None = None  # postgres: [schema.]table read as text, e.g. sales.transactions
    dsn_env: str = "INSIGHTS_PG_DSN"  # postgres: environment variable holding the connection string
    encoding: Literal["auto", "utf-8", "utf-8-sig", "cp1251"] = "auto"
    delimiter: Literal["auto", ",", ";", "\t", "|", "whitespace"] = "auto"
    # fixed_width: the width of each column in characters, left to right
    widths: list[Annotated[int, Field(ge=1, le=10_000)]] = []
    # files without a header line: the name of each column, in order (then column_map)
    column_names: list[str] = []
    # decimal separator of numbers; "auto" = per column, from values only one reading fits
    decimal: Literal["auto", ".", ","] = "auto"
    # thousands separator; "auto" = any space (incl. U+00A0, U+202F) or the non-decimal mark
    thousands: Literal["", " ", "\u00a0", "\u202f", ",", ".", "'", "auto"] = "auto"
    date_format: str | None = None  # strftime pattern, e.g. "%d.%m.%Y"; None = ISO or day-first
    dayfirst: bool = True
    excel_date_columns: list[str] = []  # canonical date columns stored as Excel serials
    sheet: str | None = None  # Excel: required when the workbook has several sheets
    export_date: date | None = None  # rows dated after it are rejected as "in the future"
    min_date: date = date(1990, 1, 1)  # rows dated before it are rejected as implausible
    currency: str = "RUB"  # the one currency amounts are in; other currency codes are rejected
    total_row_markers: list[str] = ["итого", "всего", "total", "grand total"]
    # one row per "order" (same order_id twice with other values = conflict, rejected) or
    # per "order_line" (several rows per order_id; only a change of customer is a conflict)
    grain: Literal["order", "order_line"] = "order_line"
    # rows identical in every column and without an order_id: "keep" (two equal purchases
    # on one day are real; reported as possible duplicates) or "drop" all but the first
    duplicates: Literal["keep", "drop"] = "keep"
    # plausible amounts; None = 1000 times the 99th percentile of absolute amounts
    amount_min: float | None = None
    amount_max: float | None = None
    # other currencies converted to ``currency``: code -> units of ``currency`` per one
    exchange_rates: dict[str, Annotated[float, Field(gt=0)]] = {}
    header_line: Annotated[int, Field(ge=1)] | None = None  # 1-based; None = first non-blank line
    # read the files in batches into a cached, cleaned Parquet dataset that the analysis
    # scans instead of holding every row in memory; "auto" = when the files exceed 1 GB in
    # total or features.engine is spark (the report's numbers are the same either way)
    stream: bool | Literal["auto"] = "auto"

    @model_validator(mode="after")
    def _separators_differ(self) -> SourceParams:
        if self.decimal != "auto" and self.decimal == self.thousands:
            raise ValueError(f"decimal and thousands separators must differ (both {self.decimal!r})")
        unknown = [c for c in self.excel_date_columns if c != "order_date"]
        if unknown:
            raise ValueError(f"excel_date_columns: {unknown} are not canonical date columns; "
                             "allowed: order_date")
        return self

    @model_validator(mode="after")
    def _layout(self) -> SourceParams:
        if self.format == "fixed_width" and not self.widths:
            raise ValueError("widths: list each column's width in characters when format is "
                             "fixed_width (e.g. widths: [6, 5, 9, 3, 8])")
        if self.widths and self.format != "fixed_width":
            raise ValueError("widths: only read when format is fixed_width")
        if self.widths and self.column_names and len(self.widths) != len(self.column_names):
            raise ValueError(f"column_names: {len(self.column_names)} names for "
                             f"{len(self.widths)} widths; give one name per column")
        if len(set(self.column_names)) != len(self.column_names):
            raise ValueError("column_names: each name must appear once")
        if self.column_names and self.header_line is not None:
            raise ValueError("header_line: the file has no header when column_names is set; "
                             "remove one of them")
        if (self.amount_min is not None and self.amount_max is not None
                and self.amount_min >= self.amount_max):
            raise ValueError("amount_min must be below amount_max")
        return self

    @model_validator(mode="after")
    def _files_or_table(self) -> SourceParams:
        if self.format != "postgres":
            if not self.paths:
                raise ValueError("paths: list at least one input file (paths are required "
                                 "unless format is postgres)")
            if self.table is not None:
                raise ValueError("table: only read when format is postgres; remove it or set "
                                 "format: postgres")
            return self
        if self.paths:
            raise ValueError("paths: must be empty when format is postgres (the table is read, "
                             "not files); remove paths or choose a file format")
        if self.table is None or not TABLE_NAME.fullmatch(self.table):
            raise ValueError(f"table: {self.table!r} is not a table name; with format postgres "
                             "give [schema.]table in letters, digits and '_' (e.g. "
                             "sales.transactions)")
        if not ENV_NAME.fullmatch(self.dsn_env):
            raise ValueError("dsn_env: must be the NAME of an environment variable holding the "
                             "connection string (e.g. INSIGHTS_PG_DSN), never the connection "
                             "string itself")
        return self


class GateParams(_Section):
    """When a run refuses to publish (see ``insights.gate``)."""

    # above this share of data rows or of money rejected, nothing is published; raise it to
    # accept a known high rate (the report then says so)
    max_rejected_share: Share = 0.05
    # publish although an export's total row does not match the sum of its rows
    accept_total_mismatch: bool = False


class LifecycleWindows(_Section):
    """One unit's lifecycle segment windows (domain.md defaults)."""

    lost_days: PositiveDays = 365
    new_days: PositiveDays = 90
    regular_window_days: PositiveDays = 180
    regular_min_purchases: Annotated[int, Field(ge=2, le=1000)] = 3


class LifecycleParams(LifecycleWindows):
    """Lifecycle segment windows (domain.md); units with long buying cycles lengthen them."""

    # multi-unit reports: unit -> that unit's own windows (a customer is segmented with its
    # main unit's, as in that unit's report); customers of other units use the windows above
    by_unit: dict[str, LifecycleWindows] = {}

    @field_validator("by_unit")
    @classmethod
    def _unit_names(cls, value: dict[str, LifecycleWindows]) -> dict[str, LifecycleWindows]:
        bad = sorted(u for u in value if not UNIT_NAME.fullmatch(u))
        if bad:
            raise ValueError(f"unit names {bad} must be lowercase letters, digits, '_' or '-', "
                             "starting with a letter")
        return value

    def windows_of(self, unit: str) -> LifecycleParams:
        """Return ``unit``'s own windows (``by_unit``) as params, else these windows."""
        own = self.by_unit.get(unit)
        return LifecycleParams(**own.model_dump()) if own is not None else self


class ExpressTestParams(_Section):
    """The express test: one-time buyers vs regulars, with its red/yellow/green rule."""

    natural_churn_share: Share = 0.03
    min_history_days: PositiveDays = 365
    max_unknown_customer_share: Share = 0.05
    min_active_customers: Annotated[int, Field(ge=1)] = 30
    max_lost_share: Share = 0.20  # above: a large outflow of last year's active customers
    max_never_returned_share: Share = 0.50  # above: most new customers never came back
    lapsed_base_share: Share = 0.50  # one-time and lost shares both at/above this: red


class AttentionParams(_Section):
    """The run-rate early warning and the one "needs attention" list (domain.md)."""

    decline_ratio: Share = 0.5  # latest quarter (or two) under this share of run-rate = declining
    run_rate_quarters: Annotated[int, Field(ge=1, le=12)] = 4
    run_rate_min_quarters: Annotated[int, Field(ge=1, le=12)] = 2  # fewer buying quarters: no run-rate
    min_run_rate_share: Share = 0.01  # smaller customers (share of the unit's run-rate) not alerted
    overdue_factor: Annotated[float, Field(gt=1.0, le=20.0)] = 2.0
    min_p_alive: Share = 0.5  # repeat buyers below this P(alive) are lapsing
    manager_share: Share = 0.5  # a manager handling this share or more = single-manager exposure
    exposure_min_share: Share = 0.10  # customers at/above this revenue share carry that exposure
    horizon_days: PositiveDays | None = None  # gone longer: win-back list; None = lifecycle.lost_days
    winback_max_days: PositiveDays = 1095  # gone longer than this: on no list


class ConcentrationParams(_Section):
    """Concentration, stress test and key-person risk."""

    disclosure_share: Share = 0.10  # customers at or above this share are listed
    trend_quarters: Annotated[int, Field(ge=1, le=40)] = 8
    top_n: list[Annotated[int, Field(ge=1)]] = [1, 5, 10]
    stress_top: list[Annotated[int, Field(ge=1)]] = [1, 3, 5]


class KeyCustomerWeights(_Section):
    """Weights of the key-customer score's components (normalised to sum to 1)."""

    revenue: float = Field(0.30, ge=0)
    margin: float = Field(0.15, ge=0)
    growth: float = Field(0.10, ge=0)
    loyalty: float = Field(0.15, ge=0)
    repeat: float = Field(0.15, ge=0)
    breadth: float = Field(0.10, ge=0)
    reference: float = Field(0.05, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> KeyCustomerWeights:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one key-customer weight must be positive")
        return self


class KeyCustomerParams(_Section):
    """Key-customer score, the profitable/image/other classification and overrides."""

    weights: KeyCustomerWeights = KeyCustomerWeights()
    top_n: Annotated[int, Field(ge=1, le=500)] = 15
    profitable_min_margin_share: Share = 0.0  # contribution / revenue above this = profitable
    image_customers: list[str] = []  # customer_ids marked "image" by hand
    exclude_customers: list[str] = []  # customer_ids left out of the key-customer list


class FeatureParams(_Section):
    """Behavioural features: which product lines are services, which channels are online."""

    service_product_lines: list[str] = []
    online_channels: list[str] = []
    engine: Literal["duckdb", "spark"] = "duckdb"  # spark: Parquet data by path

    @field_validator("engine", mode="before")
    @classmethod
    def _no_pandas_engine(cls, value: object) -> object:
        if value == "pandas":
            raise ValueError("features.engine: pandas was removed; use duckdb (the same "
                             "numbers, from the one SQL definition)")
        return value


class ClusteringParams(_Section):
    """k-means on behavioural features."""

    k: Annotated[int, Field(ge=2, le=20)] | None = None  # fixed k; None = choose by silhouette
    k_min: Annotated[int, Field(ge=2, le=20)] = 2
    k_max: Annotated[int, Field(ge=2, le=20)] = 8
    sample_size: Annotated[int, Field(ge=100, le=100_000)] = 10_000
    fit_size: Annotated[int, Field(ge=1_000)] = 100_000  # above: fit on a seeded sample, rest to the nearest centre
    n_init: Annotated[int, Field(ge=1, le=100)] = 10
    stability_runs: Annotated[int, Field(ge=2, le=50)] = 5
    stability_min_ari: Share = 0.8
    features: list[str] | None = None  # None = every behavioural feature

    @model_validator(mode="after")
    def _range(self) -> ClusteringParams:
        if self.k_min > self.k_max:
            raise ValueError(f"k_min ({self.k_min}) must not exceed k_max ({self.k_max})")
        return self


class ClvParams(_Section):
    """Lifetime value: BG/NBD + Gamma-Gamma settings."""

    time_unit: Literal["day", "week"] = "week"
    horizon_months: Annotated[int, Field(ge=1, le=120)] = 12
    annual_discount_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.10
    margin_share: Share | None = None  # None = use the data's margin/cost when present
    min_repeat_buyers: Annotated[int, Field(ge=1)] = 30
    holdout_quarters: Annotated[int, Field(ge=1, le=8)] = 2
    model: Literal["auto", "bgnbd", "mbgnbd"] = "auto"
    min_history_days: PositiveDays = 180  # the oldest customer's age must reach this


class CohortParams(_Section):
    """Acquisition cohorts."""

    max_quarters: Annotated[int, Field(ge=1, le=40)] = 12
    referral_sources: list[str] = ["referral"]


ScoreRange = tuple[Annotated[int, Field(ge=1, le=10)], Annotated[int, Field(ge=1, le=10)]]


class RfmRule(_Section):
    """One row of the RFM segment map: a name and inclusive score ranges ``[low, high]``."""

    segment: str = Field(min_length=1, max_length=60)
    r: ScoreRange = (1, 5)  # recency score range (5 = bought most recently)
    f: ScoreRange = (1, 5)  # frequency score range (5 = most purchases)
    m: ScoreRange = (1, 5)  # monetary score range (5 = most net revenue ever)

    @model_validator(mode="after")
    def _ordered(self) -> RfmRule:
        for name in ("r", "f", "m"):
            low, high = getattr(self, name)
            if low > high:
                raise ValueError(f"{name}: low ({low}) must not exceed high ({high})")
        return self


def _rule(segment: str, r: tuple[int, int], f: tuple[int, int]) -> RfmRule:
    return RfmRule(segment=segment, r=r, f=f)


#: The widely used R x F segment map (5 x 5 grid; M unrestricted), first match wins.
#: "Lost" is carved out of the grid's hibernating block: oldest recency and one purchase.
DEFAULT_RFM_RULES = [
    _rule("Champions", (5, 5), (4, 5)),
    _rule("Loyal", (3, 4), (4, 5)),
    _rule("Potential loyalist", (4, 5), (2, 3)),
    _rule("New", (5, 5), (1, 1)),
    _rule("Promising", (4, 4), (1, 1)),
    _rule("Need attention", (3, 3), (3, 3)),
    _rule("About to sleep", (3, 3), (1, 2)),
    _rule("Cannot lose them", (1, 2), (5, 5)),
    _rule("At risk", (1, 2), (3, 4)),
    _rule("Lost", (1, 1), (1, 1)),
    _rule("Hibernating", (1, 2), (1, 2)),
]


class RfmParams(_Section):
    """RFM scoring: number of quantile bins and the segment map (first matching rule wins)."""

    bins: Annotated[int, Field(ge=2, le=10)] = 5
    rules: list[RfmRule] = Field(default_factory=lambda: list(DEFAULT_RFM_RULES), min_length=1)

    @model_validator(mode="after")
    def _within_bins(self) -> RfmParams:
        for rule in self.rules:
            if max(rule.r[1], rule.f[1], rule.m[1]) > self.bins:
                raise ValueError(f"rule {rule.segment!r} uses a score above bins ({self.bins})")
        return self


class ReportParams(_Section):
    """What the published report may show."""

    title: str = ""
    show_customer_names: bool = False  # False: stable pseudonyms everywhere in reports/exports
    top_n: Annotated[int, Field(ge=1, le=100)] = 10
    max_name_length: Annotated[int, Field(ge=8, le=200)] = 40  # table cells hold 200
    execution_timeout_seconds: Annotated[int, Field(ge=10, le=7200)] = 900
    min_customers: Annotated[int, Field(ge=2, le=10_000)] = 20  # smaller groups: too few to judge
    unit_name_policy: dict[str, bool] = {}  # multi-unit reports: unit -> its show_customer_names
    language: Literal["en", "ru"] = "ru"  # the report's, its exports' and its index entry's language
    labels: dict[str, dict[str, dict[Literal["en", "ru"], Annotated[str, Field(min_length=1, max_length=200)]]]] = {}


class Params(_Section):
    """A business unit's params, validated and frozen."""

    unit: str
    description: str = ""
    source: SourceParams
    column_map: dict[str, str] = {}
    gate: GateParams = GateParams()
    lifecycle: LifecycleParams = LifecycleParams()
    express_test: ExpressTestParams = ExpressTestParams()
    attention: AttentionParams = AttentionParams()
    concentration: ConcentrationParams = ConcentrationParams()
    key_customers: KeyCustomerParams = KeyCustomerParams()
    features: FeatureParams = FeatureParams()
    clustering: ClusteringParams = ClusteringParams()
    clv: ClvParams = ClvParams()
    cohorts: CohortParams = CohortParams()
    rfm: RfmParams = RfmParams()
    report: ReportParams = ReportParams()
    random_state: Annotated[int, Field(ge=0, le=2**32 - 1)] = 42

    @field_validator("unit")
    @classmethod
    def _unit_name(cls, value: str) -> str:
        if not UNIT_NAME.fullmatch(value):
            raise ValueError(
                "must be lowercase letters, digits, '_' or '-', starting with a letter"
            )
        return value

    @model_validator(mode="after")
    def _stream_fits_engine(self) -> Params:
        source, engine = self.source, self.features.engine
        if source.format == "postgres" and source.stream is True:
            raise ValueError("source.stream: a postgres table is read in one query; set "
                             "stream: auto or false (streaming reads files)")
        if engine == "spark" and (source.stream is False or source.format == "postgres"):
            raise ValueError("features.engine: spark reads the streamed Parquet dataset; set "
                             "source.stream: auto or true with file sources")
        return self

    @field_validator("column_map")
    @classmethod
    def _canonical_targets(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted({v for v in value.values() if v not in CANONICAL})
        if unknown:
            raise ValueError(
                f"maps to unknown canonical column(s) {unknown}; allowed: {', '.join(CANONICAL)}"
            )
        targets = list(value.values())
        doubled = sorted({v for v in targets if targets.count(v) > 1})
        if doubled:
            raise ValueError(f"several source columns map to {doubled}; map each only once")
        return value


def _describe(error: Mapping[str, Any], raw: dict) -> str:
    """Turn one pydantic error into 'key: problem (allowed ...)'."""
    key = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        section = _section_model(error["loc"][:-1])
        allowed = ", ".join(section.model_fields) if section else "see README params reference"
        return f"{key}: unknown key (allowed here: {allowed})"
    got = error.get("input")
    shown = "" if isinstance(got, dict) else f" (got {got!r})"
    return f"{key}: {error['msg']}{shown}"


def _section_model(loc: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Params
    for part in loc:
        field = model.model_fields.get(str(part)) if model else None
        annotation = getattr(field, "annotation", None)
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model


def parse_params(raw: object, *, origin: str) -> Params:
    """Validate a parsed YAML mapping into Params; errors name ``origin`` and the key."""
    if not isinstance(raw, dict):
        raise ParamsError(f"{origin}: expected a mapping of keys at the top level.")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(e, raw) for e in exc.errors())
        raise ParamsError(f"{origin}: {problems}") from None


def load_params(path: str | Path) -> Params:
    """Load ``params/<unit>.yaml`` and validate it; the unit must match the file's stem.

    Parameters
    ----------
    path : str or Path
        The params file.

    Returns
    -------
    Params
        Frozen, validated params.

    Raises
    ------
    ParamsError
        The file is missing, is not YAML, or holds an unknown key, a wrong type or an
        out-of-range value; the message names the file and the key.
    """
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found.")
    if path.stat().st_size > MAX_PARAMS_BYTES:
        raise ParamsError(f"{path}: {path.stat().st_size} bytes; a params file holds at most "
                          f"{MAX_PARAMS_BYTES} (is this the right file?).")
    try:
        raw = load_yaml_limited(path.read_text(encoding="utf-8"), origin=str(path))
    except YamlLimitError as exc:
        raise ParamsError(str(exc)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    params = parse_params(raw, origin=str(path))
    if params.unit != path.stem:
        raise ParamsError(f"{path}: unit: {params.unit!r} must equal the file name {path.stem!r}.")
    return params
