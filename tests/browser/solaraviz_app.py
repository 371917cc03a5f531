"""Mesa's own SolaraViz on GovernanceModel (served by tests/browser/test_solaraviz.py).

The page a Mesa user writes: the model, one plot component, fixed model parameters. Reset
re-creates the model the way Mesa does (``type(model)(scenario=<Mesa Scenario>, **params)``).
"""

from mesa.visualization import SolaraViz, make_plot_component

import sim

PARAMS = {"population.size": 300, "council.cooperation": 0.5}

page = SolaraViz(
    sim.GovernanceModel(rng=1, **PARAMS),
    components=[make_plot_component("trust_local")],
    model_params=dict(PARAMS),
    name="govsim in Mesa SolaraViz",
)
