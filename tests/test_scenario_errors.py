"""Every kind of malformed scenario gets a clear message naming file, line/field, value, rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.scenario import parse_override

GOOD = """name = "ok"
[population]
size = 100
"""

# (file name, content, fragments the message must contain)
CASES = {
    "syntax": ('name = "x"\n[population]\nsize = = 3\n', ["TOML syntax error", ":3", "size = = 3"]),
    "misspelt_key": (
        "[council]\ncooperaton = 0.5\n",
        ["unknown key 'council.cooperaton'", "Did you mean 'cooperation'", ":2"],
    ),
    "misspelt_section": ("[populaton]\nsize = 10\n", ["unknown key 'populaton'", "'population'"]),
    "wrong_type": (
        '[population]\nsize = "big"\n',
        ["population.size = 'big'", "whole number", ":2"],
    ),
    "out_of_range": (
        "[council]\ncooperation = 1.5\n",
        ["council.cooperation = 1.5", "from 0.0 to 1.0", ":2"],
    ),
    "negative_size": (
        "[population]\nsize = -5\n",
        ["population.size = -5", "a whole number from 2 to 50000000"],
    ),
    "nan": ("[council]\nresponsiveness = nan\n", ["council.responsiveness", "finite"]),
    "inf": ("[government]\nausterity = inf\n", ["government.austerity", "finite"]),
    "bad_choice": (
        '[network]\nkind = "smallworld"\n',
        ["network.kind = 'smallworld'", "'watts_strogatz'", "'barabasi_albert'"],
    ),
    "bad_event_kind": (
        '[[events]]\nstep = 3\nkind = "meteor"\n',
        ["events.0", "'meteor'", "shock"],
    ),
    "event_field_range": (
        '[[events]]\nstep = 3\nkind = "shock"\ntarget = "trust_local"\nsize = 4\n',
        ["events.0.size = 4", "from -1", ":5"],
    ),
    "event_unknown_council": (
        '[[events]]\nstep = 3\nkind = "budget_cut"\nsize = 0.1\ncouncils = ["Narnia"]\n',
        ["Narnia", "not a council"],
    ),
    "missing_extends": (
        'extends = "nowhere.toml"\n',
        ["extends = 'nowhere.toml'", "does not exist"],
    ),
    "too_big_for_schema": ("[population]\nsize = 1000000000000\n", ["population.size", "50000000"]),
    "too_big_for_memory": (
        "[population]\nsize = 40000000\n[network]\nmean_degree = 900\n",
        ["needs about", "GB of memory", "available"],
    ),
    "event_unknown_winner": (
        '[[parties]]\nname = "A"\n[[parties]]\nname = "B"\n'
        '[[events]]\nstep = 3\nkind = "election"\nwinner = "C"\n',
        ["events[0].winner", "'C'", "not a party", "A, B"],
    ),
    "two_governments": (
        '[[parties]]\nname = "A"\nin_government = true\n[[parties]]\nname = "B"\n'
        "in_government = true\n",
        ["at most one party"],
    ),
}


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / f"{name}.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_message(tmp_path, case):
    content, fragments = CASES[case]
    path = _write(tmp_path, case, content)
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(path)
    message = str(info.value)
    assert str(path) in message or "nowhere" in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in: {message}"


def test_binary_file(tmp_path):
    path = _write(tmp_path, "binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(sim.ScenarioError, match="binary file"):
        sim.load_scenario(path)


def test_not_utf8(tmp_path):
    path = _write(tmp_path, "latin1", 'name = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(sim.ScenarioError, match="not UTF-8"):
        sim.load_scenario(path)


def test_missing_file(tmp_path):
    with pytest.raises(sim.ScenarioError, match="no such scenario file"):
        sim.load_scenario(tmp_path / "absent.toml")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(sim.ScenarioError, match="is a directory"):
        sim.load_scenario(tmp_path)


def test_circular_extends(tmp_path):
    a = _write(tmp_path, "a", 'extends = "b.toml"\n')
    _write(tmp_path, "b", 'extends = "a.toml"\n')
    with pytest.raises(sim.ScenarioError, match="circular 'extends'"):
        sim.load_scenario(a)


def test_error_in_parent_names_the_parent_file(tmp_path):
    _write(tmp_path, "parent", "[council]\ncooperation = 2.0\n")
    child = _write(tmp_path, "child", 'extends = "parent.toml"\nname = "c"\n')
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(child)
    assert f"{tmp_path / 'parent.toml'}:2" in str(info.value)


def test_extends_merges_tables_and_child_wins(tmp_path):
    _write(tmp_path, "parent", "[council]\ncooperation = 0.2\nresponsiveness = 0.9\n")
    child = _write(tmp_path, "child", 'extends = "parent.toml"\n[council]\ncooperation = 0.7\n')
    sc = sim.load_scenario(child)
    assert sc.council.cooperation == 0.7
    assert sc.council.responsiveness == 0.9


def test_override_unknown_path_suggests(tmp_path):
    path = _write(tmp_path, "good", GOOD)
    with pytest.raises(sim.ScenarioError, match=r"Did you mean council\.cooperation"):
        sim.load_scenario(path, overrides=["council.cooperaton=0.3"])


def test_override_out_of_range_names_set(tmp_path):
    path = _write(tmp_path, "good", GOOD)
    with pytest.raises(sim.ScenarioError, match=r"--set: council\.cooperation = 3"):
        sim.load_scenario(path, overrides=["council.cooperation=3"])


def test_override_into_named_council(tmp_path):
    path = _write(
        tmp_path,
        "named",
        GOOD + '[[councils]]\nname = "North"\n[[councils]]\nname = "South"\n',
    )
    sc = sim.load_scenario(path, overrides=["councils.South.cooperation=0.9"])
    assert sc.resolved_councils()[1]["cooperation"] == 0.9
    assert sc.resolved_councils()[0]["cooperation"] == sc.council.cooperation


def test_parse_override_forms():
    assert parse_override("a.b=true") == ("a.b", True)
    assert parse_override("a.b=[1, 2]") == ("a.b", [1, 2])
    with pytest.raises(sim.ScenarioError, match="path=value"):
        parse_override("council.cooperation")


@pytest.mark.parametrize("case", ["syntax", "out_of_range", "misspelt_key"])
def test_cli_validate_refuses_without_traceback(tmp_path, case):
    content, fragments = CASES[case]
    path = _write(tmp_path, case, content)
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    for fragment in fragments:
        assert fragment in " ".join((proc.stderr + proc.stdout).split()), proc.stderr


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("[population]\nsize = true\n", ["population.size = True", "must be a number, not true"]),
        ("[population]\nyouth_share = false\n", ["must be a number, not false"]),
        ('[[events]]\nstep = true\nkind = "election"\n', ["events.0.step", "not true"]),
        ("population = 5\n", ["population = 5", "a [population] section"]),
        ('events = "x"\n', ["must be a list", "[[events]]"]),
    ],
)
def test_booleans_and_wrong_shapes(tmp_path, content, fragments):
    path = _write(tmp_path, "shape", content)
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(path)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_byte_order_mark_is_accepted(tmp_path):
    path = _write(tmp_path, "bom", '\ufeffname = "bom"\n'.encode())
    assert sim.load_scenario(path).name == "bom"


def test_cli_keeps_square_brackets_in_messages(tmp_path):
    path = _write(tmp_path, "table", "population = 5\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True
    )
    assert "[population]" in proc.stderr
