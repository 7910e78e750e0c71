"""The README's promises hold: the two commands, the params reference, the CI command."""

from pathlib import Path

from insights.cli import replace_params_reference

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make report UNIT=fleet", "make test"]


def test_params_reference_in_readme_matches_the_schema():
    # Regenerate with: .venv/bin/insights params-reference --update README.md
    assert replace_params_reference(README) == README


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_make_target_named_in_the_readme_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("report", "reports", "test", "lint", "lab", "unit", "demo-data", "bench", "clean", "help"):
        assert f"\n{target}:" in "\n" + makefile, target


def test_every_param_in_the_reference_has_a_default_and_a_meaning():
    from insights.params_reference import params_reference

    rows = [line.split(" | ") for line in params_reference().splitlines()[2:]]
    assert len(rows) > 60
    for key, default, meaning in rows:
        assert meaning.rstrip(" |").strip(), f"{key} has no meaning in the params reference"
        assert "Undefined" not in default, f"{key}: {default}"
    assert any(key == "| `rfm.rules`" and "11 rules" in default for key, default, _ in rows)


def test_the_analysts_example_in_the_readme_runs_from_the_exploratory_folder(tmp_path, monkeypatch):
    from conftest import copy_project

    folder = copy_project(tmp_path) / "notebooks" / "exploratory"
    folder.mkdir()
    monkeypatch.chdir(folder)  # where analysts work; the project root is found from here
    code = README.split("## For analysts", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    last = code.rstrip().splitlines()[-1]
    namespace: dict = {}
    exec(code.replace(last, f"result = {last}"), namespace)  # noqa: S102 - our own README
    customers = namespace["customers"]
    assert customers.attrs["unit"] == "retail" and customers.attrs["quarter"] == "2026Q3"
    assert namespace["result"].sum() == len(customers) > 1000
    assert set(namespace["result"].index) == {"lost", "new", "regular", "one-time", "occasional"}


def test_params_reference_in_the_analysts_doc_matches_the_schema():
    # Regenerate with: .venv/bin/insights params-reference --update docs/analysts.md
    doc = (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    assert replace_params_reference(doc) == doc
