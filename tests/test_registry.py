"""A toy process added through the public registry alone (``sim.processes.register``).

Nothing else is changed: the scenario schema, ``--set`` and keyword parameters, the schedule,
the random-stream table, the generated parameter docs and the plain-Mesa baseline's list of
supported processes must all pick it up, and ``unregister`` must put everything back.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import pickle
import re
import subprocess
import sys
import types

import numpy as np
import pytest
from _util import ROOT
from pydantic import Field
from typer.testing import CliRunner

import sim
from sim import processes
from sim.errors import ScenarioError
from sim.scenario import parameter_paths, scenario_from_dict
from sim.schema_base import ProcessSpec, Unit

SIZE = 400
STEPS = 8
SCENARIO = ROOT / "scenarios" / "cooperative_council.toml"


class ToySpec(ProcessSpec):
    """Toy nudge: trust in the council creeps up a little each month."""

    rate: Unit = Field(0.05, description="Largest monthly share of the room left to full trust.")


def toy_step(world, spec: ToySpec, rng: np.random.Generator) -> None:
    r"""Move trust in the council up by a random share of the room left, :math:`u\,r\,(1-T)`."""
    pop = world.population
    toy_step.calls.append(world.month)
    pop.trust_local = pop.trust_local + spec.rate * rng.random(pop.size) * (1 - pop.trust_local)


toy_step.calls = []

#: The toy process as a plain module object, exactly as a user's plug-in module would look.
toy = types.ModuleType("toy_process", "A toy process for tests.")
toy.NAME, toy.STREAM, toy.TITLE, toy.Spec, toy.step = "toy", 999, "Toy nudge", ToySpec, toy_step


def _baseline_module():
    if "mesa_baseline" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "mesa_baseline", ROOT / "benchmarks" / "mesa_baseline.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["mesa_baseline"] = module
        spec.loader.exec_module(module)
    return sys.modules["mesa_baseline"]


def _gen_parameters():
    spec = importlib.util.spec_from_file_location(
        "gen_parameters_under_test", ROOT / "docs" / "gen_parameters.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _frame(model: sim.GovernanceModel):
    return model.datacollector.get_model_vars_dataframe()


@pytest.fixture(scope="module")
def before():
    """A run and the registry's derived views taken before the toy is registered."""
    assert "toy" not in processes.REGISTRY
    model = sim.GovernanceModel(rng=5, **{"population.size": SIZE})
    model.run(STEPS)
    return {
        "frame": _frame(model),
        "schedule": processes.SCHEDULE,
        "streams": processes.stream_keys(),
        "paths": parameter_paths(),
        "schema": sim.schema.Scenario.model_json_schema(),
        "gen": _gen_parameters(),  # imported before registration: must still see the toy
        "states": {p: model.streams[p].bit_generator.state for p in processes.SCHEDULE},
        "scenario": scenario_from_dict({}),  # validated before the toy existed
        "spec_class": sim.schema.ProcessesSpec,
    }


@pytest.fixture
def registered(before):
    """Register the toy after social influence; always unregister, even when a test fails."""
    toy_step.calls.clear()
    processes.register(toy, after="social_influence")
    try:
        yield toy
    finally:
        processes.unregister("toy")


def test_schedule_and_streams_include_the_toy(registered, before):
    names = list(processes.SCHEDULE)
    assert names == [p.name for p in processes.schedule()]
    i = names.index("social_influence")
    assert names[i + 1] == "toy"
    assert [n for n in names if n != "toy"] == list(before["schedule"])
    keys = processes.stream_keys()
    assert keys["toy"] == 999
    assert {k: v for k, v in keys.items() if k != "toy"} == before["streams"]
    assert len(set(keys.values())) == len(keys)  # no two streams share a spawn key


def test_registering_a_taken_name_or_stream_is_refused(registered):
    with pytest.raises(ValueError, match="already registered"):
        processes.register(toy)
    clash = types.SimpleNamespace(NAME="toy2", STREAM=3, Spec=ToySpec, step=toy_step)
    with pytest.raises(ValueError, match="stream key 3 .* 'participation'"):
        processes.register(clash)
    fixed = types.SimpleNamespace(NAME="toy2", STREAM=0, Spec=ToySpec, step=toy_step)
    with pytest.raises(ValueError, match="'population'"):
        processes.register(fixed)
    with pytest.raises(ValueError, match="no registered process 'nope'"):
        processes.register(types.SimpleNamespace(**{**vars(clash), "STREAM": 98}), after="nope")
    with pytest.raises(TypeError, match="process protocol"):
        processes.register(types.SimpleNamespace(NAME="half", STREAM=97))
    assert "toy2" not in processes.REGISTRY and "half" not in processes.REGISTRY


def test_schema_accepts_the_toy_table_and_rejects_unknown_keys(registered):
    sc = scenario_from_dict({"processes": {"toy": {"rate": 0.2}}})
    assert sc.processes.toy.rate == 0.2 and sc.processes.toy.enabled
    assert sim.schema.Scenario().processes.toy.rate == 0.05  # default table
    assert "processes.toy.rate" in parameter_paths()
    with pytest.raises(ScenarioError, match=r"processes\.toy\.bogus.*Allowed keys here: enabled"):
        scenario_from_dict({"processes": {"toy": {"bogus": 1}}})
    with pytest.raises(ScenarioError, match=r"processes\.toy\.rate"):
        scenario_from_dict({"processes": {"toy": {"rate": 2.0}}})  # out of [0, 1]
    with pytest.raises(ScenarioError, match=r"'processes\.toy\.bogus' is not a scenario param"):
        sim.load_scenario(SCENARIO, overrides=["processes.toy.bogus=1"])


def test_set_and_keyword_parameters_reach_the_toy(registered):
    sc = sim.load_scenario(SCENARIO, overrides=["processes.toy.rate=0.3"])  # as --set parses
    assert sc.processes.toy.rate == 0.3
    model = sim.GovernanceModel(rng=1, **{"population.size": SIZE, "processes.toy.rate": 0.25})
    assert model.spec.processes.toy.rate == 0.25
    runner = CliRunner()
    from sim.cli import app

    ok = runner.invoke(app, ["validate", str(SCENARIO), "--set", "processes.toy.rate=0.3"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["validate", str(SCENARIO), "--set", "processes.toy.bogus=1"])
    assert bad.exit_code != 0
    assert "processes.toy.bogus" in bad.output and "Traceback" not in bad.output


def test_model_runs_the_toy_in_its_place(registered):
    model = sim.GovernanceModel(rng=2, **{"population.size": SIZE})
    order: list[str] = []

    def logged(p: processes.Process) -> processes.Process:
        def step(world, spec, rng):
            order.append(p.name)
            p.step(world, spec, rng)

        return dataclasses.replace(p, step=step)

    model.processes = tuple(logged(p) for p in model.processes)
    model.step()
    enabled = [p.name for p in model.processes if getattr(model.spec.processes, p.name).enabled]
    assert order == enabled
    assert order.index("toy") == order.index("social_influence") + 1
    assert toy_step.calls == [1]


def test_toy_effect_is_measurable_and_switching_it_off_removes_it(registered, before):
    on = sim.GovernanceModel(rng=5, **{"population.size": SIZE, "processes.toy.rate": 0.5})
    off = sim.GovernanceModel(rng=5, **{"population.size": SIZE, "processes.toy.enabled": False})
    on.run(STEPS)
    off.run(STEPS)
    assert len(toy_step.calls) == STEPS  # the switched-off toy never ran
    lift = _frame(on)["trust_local"].iloc[-1] - _frame(off)["trust_local"].iloc[-1]
    assert lift > 0.05
    # switched off, the toy leaves no trace: identical to a run before it was registered
    a, b = before["frame"], _frame(off)
    assert list(a.columns) == list(b.columns)
    assert np.array_equal(a.to_numpy(float), b.to_numpy(float), equal_nan=True)
    # switched on, it draws only from its own stream: the others' draws are those of `before`
    for name, state in before["states"].items():
        assert on.streams[name].bit_generator.state == state, name


def test_docs_and_mesa_baseline_see_the_toy(registered, before):
    text = before["gen"].render_parameters()
    assert "## Toy nudge (`[processes.toy]`)" in text
    assert "`processes.toy.rate`" in text
    check = _baseline_module()._check_supported
    with pytest.raises(ValueError, match="process toy"):
        check(scenario_from_dict({}))
    check(scenario_from_dict({"processes": {"toy": {"enabled": False}}}))
    with pytest.raises(ValueError, match="process toy"):  # the model would run it at defaults
        check(before["scenario"])


def test_unregister_restores_the_schema(before):
    processes.register(toy, after="social_influence")
    processes.unregister("toy")
    assert processes.SCHEDULE == before["schedule"]
    assert processes.stream_keys() == before["streams"]
    assert parameter_paths() == before["paths"]
    assert sim.schema.Scenario.model_json_schema() == before["schema"]
    # the very class: scenarios validated before still compare equal and pickle
    assert sim.schema.ProcessesSpec is before["spec_class"]
    assert scenario_from_dict({}) == before["scenario"]
    assert pickle.loads(pickle.dumps(before["scenario"])) == before["scenario"]
    assert "Toy nudge" not in before["gen"].render_parameters()
    with pytest.raises(ScenarioError, match=r"unknown key 'processes\.toy'"):
        scenario_from_dict({"processes": {"toy": {"rate": 0.2}}})
    with pytest.raises(ValueError, match="no registered process 'toy'"):
        processes.unregister("toy")


def _doc_blocks() -> tuple[dict[str, str], list[str]]:
    """The Python files (by their ``# name.py`` first line) and output blocks of extending.md."""
    text = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w*)\n(.*?)```", text, re.S)
    files = {}
    for lang, body in blocks:
        first = body.splitlines()[0]
        if lang == "python" and re.fullmatch(r"# \w+\.py", first):
            files[first[2:]] = body
    outputs = [body for lang, body in blocks if lang == ""]
    return files, outputs


def test_the_plug_in_example_of_docs_extending_runs_as_printed(tmp_path):
    """docs/extending.md, section 1: civics.py and try_civics.py give the output shown there."""
    files, outputs = _doc_blocks()
    for name in ("civics.py", "try_civics.py"):
        (tmp_path / name).write_text(files[name], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "try_civics.py"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout in outputs, (
        f"docs/extending.md shows another output for try_civics.py; it now prints:\n{done.stdout}"
    )
