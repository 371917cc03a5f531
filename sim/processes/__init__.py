"""The model's processes, one module per ODD submodel, in schedule order.

Each module exposes pure array functions (the rule, with its equation and source) and a
``step(world, spec, ...)`` that applies the rule to the world. None imports Mesa.
"""

from . import (
    elections,
    events,
    network_change,
    participation,
    services,
    social_influence,
    trust_experience,
    trust_voice,
)

__all__ = [
    "SCHEDULE",
    "elections",
    "events",
    "network_change",
    "participation",
    "services",
    "social_influence",
    "trust_experience",
    "trust_voice",
]

#: Process names in the order one step applies them (observation comes last, in the model).
SCHEDULE = (
    "events",
    "participation",
    "services",
    "trust_experience",
    "trust_voice",
    "social_influence",
    "elections",
    "network_change",
)
