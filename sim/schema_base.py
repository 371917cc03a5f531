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


def _numeric(ann: object) -> bool:
    """Whether ``ann`` (possibly ``X | None`` or a list of X) asks for a number."""
    if ann in (int, float):
        return True
    return any(_numeric(a) for a in get_args(ann))


def _no_booleans_for_numbers(cls: type[BaseModel], value: object, info: ValidationInfo) -> object:
    """Refuse ``true``/``false`` or a quoted string where a number is wanted.

    pydantic would read ``true`` as 1 and ``"200"`` as 200; a scenario file that says either
    almost certainly holds a mistake, so it is refused with a message.
    """
    if info.field_name is None:
        return value
    ann = cls.model_fields[info.field_name].annotation
    if isinstance(value, bool) and ann is not bool and bool not in get_args(ann):
        raise ValueError(f"must be a number, not {str(value).lower()}")
    if isinstance(value, str) and _numeric(ann) and str not in get_args(ann) and ann is not str:
        raise ValueError(f"must be a number, not the text {value[:40]!r} (remove the quotes)")
    return value


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


class _Strict(_Base):
    _numbers = field_validator("*", mode="before")(_no_booleans_for_numbers)


class ProcessSpec(_Strict):
    """Parameters of one process; every process can be switched off."""

    enabled: bool = Field(True, description="Run this process each step.")
