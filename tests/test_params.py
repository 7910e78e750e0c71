"""Params: every unit's file loads; bad keys, types and ranges fail naming file and key."""

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from insights.params import ParamsError, load_params

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = {"unit": "alpha", "source": {"paths": ["data/alpha.csv"]}}


def write(tmp_path: Path, content: dict, name: str = "alpha") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def test_every_params_file_in_the_repo_loads():
    files = sorted((ROOT / "params").glob("*.yaml"))
    assert {"fleet", "corporate", "retail", "service"} <= {f.stem for f in files}
    for path in files:
        params = load_params(path)
        assert params.unit == path.stem


def test_minimal_file_gets_the_domain_defaults(tmp_path):
    params = load_params(write(tmp_path, MINIMAL))
    assert params.lifecycle.lost_days == 365
    assert params.lifecycle.new_days == 90
    assert params.lifecycle.regular_window_days == 180
    assert params.lifecycle.regular_min_purchases == 3
    assert params.express_test.natural_churn_share == 0.03
    assert params.concentration.disclosure_share == 0.10
    assert params.report.show_customer_names is False


def test_params_are_frozen(tmp_path):
    params = load_params(write(tmp_path, MINIMAL))
    with pytest.raises(ValidationError, match="frozen"):
        params.random_state = 7


def test_unknown_key_names_file_key_and_allowed_keys(tmp_path):
    path = write(tmp_path, {**MINIMAL, "clustering": {"kk": 3}})
    with pytest.raises(ParamsError) as err:
        load_params(path)
    message = str(err.value)
    assert str(path) in message
    assert "clustering.kk" in message
    assert "k_max" in message  # the allowed keys are listed


def test_unknown_top_level_key_fails(tmp_path):
    with pytest.raises(ParamsError, match="colour"):
        load_params(write(tmp_path, {**MINIMAL, "colour": "red"}))


def test_wrong_type_names_the_key(tmp_path):
    path = write(tmp_path, {**MINIMAL, "lifecycle": {"lost_days": "a year"}})
    with pytest.raises(ParamsError, match=r"lifecycle\.lost_days"):
        load_params(path)


def test_out_of_range_value_names_key_and_value(tmp_path):
    path = write(tmp_path, {**MINIMAL, "express_test": {"natural_churn_share": 3}})
    with pytest.raises(ParamsError, match=r"express_test\.natural_churn_share.*less than or equal to 1"):
        load_params(path)


def test_removed_pandas_engine_says_what_to_use(tmp_path):
    path = write(tmp_path, {**MINIMAL, "features": {"engine": "pandas"}})
    with pytest.raises(ParamsError, match=r"features\.engine.*pandas was removed; use duckdb"):
        load_params(path)


def test_k_range_must_be_ordered(tmp_path):
    path = write(tmp_path, {**MINIMAL, "clustering": {"k_min": 6, "k_max": 3}})
    with pytest.raises(ParamsError, match="k_min"):
        load_params(path)


def test_column_map_must_target_canonical_names(tmp_path):
    path = write(tmp_path, {**MINIMAL, "column_map": {"Клиент": "client"}})
    with pytest.raises(ParamsError, match="unknown canonical column"):
        load_params(path)


def test_column_map_must_not_map_two_sources_to_one_column(tmp_path):
    path = write(tmp_path, {**MINIMAL, "column_map": {"A": "amount", "B": "amount"}})
    with pytest.raises(ParamsError, match="several source columns"):
        load_params(path)


def test_unit_must_match_file_name(tmp_path):
    path = write(tmp_path, MINIMAL, name="beta")
    with pytest.raises(ParamsError, match="must equal the file name"):
        load_params(path)


def test_missing_file_and_bad_yaml_are_clear(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")
    bad = tmp_path / "alpha.yaml"
    bad.write_text("unit: [unclosed", encoding="utf-8")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(bad)


BOMB = """unit: alpha
source: {paths: [data/alpha.csv]}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_yaml_alias_bomb_is_refused_without_expanding_or_printing_it(tmp_path):
    path = tmp_path / "alpha.yaml"
    path.write_text(BOMB, encoding="utf-8")  # 9**9 = 387 million strings once expanded
    with pytest.raises(ParamsError, match="aliases") as caught:
        load_params(path)
    assert "lol" not in str(caught.value) and len(str(caught.value)) < 400


def test_a_few_aliases_that_expand_past_the_limit_are_refused(tmp_path):
    levels = ["a: &a [" + ",".join(['"x"'] * 60) + "]"]
    levels += [f"{n}: &{n} [" + ",".join([f"*{p}"] * 10) + "]" for p, n in zip("abcd", "bcde", strict=True)]
    path = tmp_path / "alpha.yaml"
    path.write_text("unit: alpha\n" + "\n".join(levels) + "\n", encoding="utf-8")  # 40 aliases
    with pytest.raises(ParamsError, match="expanded"):
        load_params(path)


def test_deep_nesting_and_huge_files_are_refused(tmp_path):
    path = tmp_path / "alpha.yaml"
    path.write_text("unit: alpha\nx: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="deeper"):
        load_params(path)
    path.write_text("unit: alpha\n" + "#" * (2 << 20) + "\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="at most"):
        load_params(path)


def test_anchors_and_aliases_within_the_limits_still_work(tmp_path):
    path = tmp_path / "alpha.yaml"
    path.write_text("unit: alpha\nsource: &s {paths: [data/alpha.csv]}\n", encoding="utf-8")
    assert load_params(path).source.paths == ["data/alpha.csv"]
