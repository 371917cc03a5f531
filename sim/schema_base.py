"""Building blocks of the scenario schema, shared by :mod:`sim.schema` and the process modules.

A leaf module (it imports nothing from the package): each process module declares its own
parameter spec from these types, beside the rule it configures, and :mod:`sim.schema` gathers
the specs from the process registry.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = [
    "PROGRAMME_NAMES",
    "NonNeg",
    "Position",
    "ProcessSpec",
    "Programme",
    "Real",
    "Unit",
]

PROGRAMME_NAMES = (
    "community_land_trust",
    "tenant_voice",
    "community_budgeting",
    "youth_trust",
)
Programme = Literal["community_land_trust", "tenant_voice", "community_budgeting", "youth_trust"]

Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Real = Annotated[float, Field(allow_inf_nan=False)]
Position = Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]


def _no_booleans_for_numbers(cls: type[BaseModel], value: object, info: ValidationInfo) -> object:
    """Refuse ``true``/``false`` where a number is wanted (pydantic would read 1 or 0)."""
    if isinstance(value, bool) and info.field_name is not None:
        ann = cls.model_fields[info.field_name].annotation
        if ann is not bool and bool not in get_args(ann):
            raise ValueError(f"must be a number, not {str(value).lower()}")
    return value


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


class _Strict(_Base):
    _numbers = field_validator("*", mode="before")(_no_booleans_for_numbers)


class ProcessSpec(_Strict):
    """Parameters of one process; every process can be switched off."""

    enabled: bool = Field(True, description="Run this process each step.")
