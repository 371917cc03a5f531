"""Inputs read with limits: special files, endless files, deep nesting, loops, hostile XML."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import sim
from tests._util import ROOT


def _validate(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    out = _validate(fifo)  # would hang for ever if the FIFO were opened
    assert out.returncode == 1
    assert "named pipe" in out.stderr and "Traceback" not in out.stderr


def test_extends_dev_zero_is_refused_with_the_file_that_names_it(tmp_path):
    f = tmp_path / "zero.toml"
    f.write_text('extends = "/dev/zero"\n')
    with pytest.raises(sim.ScenarioError, match=r"zero\.toml:1: extends = '/dev/zero'.*character"):
        sim.load_scenario(f)


def test_oversized_file_is_refused(tmp_path):
    f = tmp_path / "big.toml"
    with open(f, "wb") as fh:
        fh.truncate(17 * 2**20)
    with pytest.raises(sim.ScenarioError, match="at most"):
        sim.load_scenario(f)


def test_symlink_loop_is_named(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(sim.ScenarioError, match="(?i)symlink loop|cannot follow"):
        sim.load_scenario(a)


def test_deep_nesting_and_long_extends_chains_are_capped(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 1200 + "]" * 1200 + "\n")
    with pytest.raises(sim.ScenarioError, match="nested more than"):
        sim.load_scenario(deep)
    for i in range(100):
        (tmp_path / f"c{i}.toml").write_text(f'extends = "c{i + 1}.toml"\n')
    (tmp_path / "c100.toml").write_text("")
    with pytest.raises(sim.ScenarioError, match="chain longer than"):
        sim.load_scenario(tmp_path / "c0.toml")


@pytest.mark.parametrize(
    "xml",
    [
        '<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aa">]><graphml>&a;</graphml>',
        '<?xml version="1.0"?><!DOCTYPE g [<!ENTITY x SYSTEM "file:///etc/passwd">]><g>&x;</g>',
        "<graphml><graph",
        "",
        "not xml at all",
    ],
    ids=["billion-laughs", "xxe", "truncated", "empty", "garbage"],
)
def test_hostile_or_broken_graphml_is_a_message(tmp_path, xml):
    (tmp_path / "g.graphml").write_text(xml)
    f = tmp_path / "s.toml"
    f.write_text('[population]\nsize = 2\n[network]\nkind = "file"\npath = "g.graphml"\n')
    with pytest.raises(sim.ScenarioError, match=r"g\.graphml.*cannot read the graph"):
        sim.load_scenario(f)


def test_integers_must_be_integers_and_long_names_are_cut(tmp_path):
    with pytest.raises(sim.ScenarioError, match="not the text '200'"):
        sim.scenario_from_dict({"population": {"size": "200"}})
    f = tmp_path / "n.toml"
    f.write_text('name = "' + "x" * 100_000 + '"\n')
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(f)
    assert len(str(err.value)) < 400
