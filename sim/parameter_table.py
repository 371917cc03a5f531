"""Every scenario parameter with its type, default, range, unit and description.

:func:`parameters` (also ``sim.parameters``) walks the pydantic models of
:class:`sim.schema.Scenario` generically: every field that holds a model is descended into,
whatever its name, so the table follows the schema when sections move or new process specs
appear. It is what tools that vary parameters need (EMA Workbench uncertainties, SALib problems,
``govsim validate --list-parameters --json``) without copying ranges out of the JSON Schema.

>>> import sim
>>> row = next(p for p in sim.parameters() if p["path"] == "council.cooperation")
>>> row["type"], row["minimum"], row["maximum"], row["default"]
('float', 0.0, 1.0, 0.1)
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

__all__ = ["parameters"]

#: Keys of each row, in order.
KEYS = (
    "path",
    "type",
    "default",
    "minimum",
    "maximum",
    "exclusive_minimum",
    "exclusive_maximum",
    "choices",
    "optional",
    "unit",
    "description",
)


def parameters(*, include_lists: bool = True) -> list[dict[str, Any]]:
    """Every settable parameter path of a scenario, with what it accepts.

    Parameters
    ----------
    include_lists : bool, default True
        Also list the fields of list entries (``councils.*.cooperation``, ``parties.*.position``;
        ``*`` is a name or index, as in ``--set councils.Croydon.cooperation=0.8``).

    Returns
    -------
    list of dict
        One dict per parameter, in schema order, with keys ``path``; ``type`` (``"float"``,
        ``"int"``, ``"bool"``, ``"str"``, ``"choice"`` or ``"list"``); ``default`` (JSON-ready;
        ``None`` when unset or required); ``minimum`` / ``maximum`` (``None`` when unbounded)
        and whether each is ``exclusive_*``; ``choices`` (allowed values of a choice, or of a
        list's items; else ``None``); ``optional`` (``None`` allowed: it then takes a default
        from elsewhere, such as ``[council]``); ``unit``; ``description``.

    Examples
    --------
    >>> import sim
    >>> rows = {p["path"]: p for p in sim.parameters()}
    >>> rows["population.size"]["type"], rows["population.size"]["minimum"]
    ('int', 2)
    >>> rows["network.kind"]["choices"][:2]
    ['watts_strogatz', 'barabasi_albert']
    """
    from .schema import Scenario

    out: list[dict[str, Any]] = []
    _walk(Scenario, "", out, include_lists)
    return out


def _walk(model: type[BaseModel], prefix: str, out: list, include_lists: bool) -> None:
    for name, info in model.model_fields.items():
        ann = info.annotation
        sub = _model(ann)
        if sub is not None:
            _walk(sub, f"{prefix}{name}.", out, include_lists)
        elif get_origin(ann) is list and _model(get_args(ann)[0]) is not None:
            if include_lists:
                _walk(_model(get_args(ann)[0]), f"{prefix}{name}.*.", out, include_lists)
        elif _holds_model(ann):
            continue  # a list of several kinds of table (events): not a parameter
        else:
            out.append(_row(model, prefix + name, name, info))


def _model(ann: Any) -> type[BaseModel] | None:
    """The one pydantic model in ``ann`` (``X`` or ``X | None``), if that is what it holds."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    if _is_union(ann):
        models = [a for a in get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
        rest = [a for a in get_args(ann) if a is not type(None) and a not in models]
        if len(models) == 1 and not rest:
            return models[0]
    return None


def _holds_model(ann: Any) -> bool:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return True
    return any(_holds_model(a) for a in get_args(ann) if not isinstance(a, FieldInfo))


def _is_union(ann: Any) -> bool:
    return get_origin(ann) in (typing.Union, types.UnionType)


def _row(model: type[BaseModel], path: str, name: str, info: FieldInfo) -> dict[str, Any]:
    ann = info.annotation
    optional = _is_union(ann) and type(None) in get_args(ann)
    base = ann
    if optional:
        rest = [a for a in get_args(ann) if a is not type(None)]
        base = rest[0] if len(rest) == 1 else ann
    metadata = list(info.metadata)
    if get_origin(base) is typing.Annotated:  # an alias such as Unit inside ``Unit | None``
        base, *extra = get_args(base)
        for m in extra:
            metadata.extend(m.metadata if isinstance(m, FieldInfo) else [m])
    lo, hi, lo_open, hi_open = _bounds(metadata)
    row: dict[str, Any] = dict.fromkeys(KEYS)
    row.update(
        path=path,
        type=_type_name(base),
        default=_default(info),
        minimum=lo,
        maximum=hi,
        exclusive_minimum=lo_open,
        exclusive_maximum=hi_open,
        choices=_choices(base),
        optional=optional,
        description=_description(model, name),
    )
    row["unit"] = _unit(info, row)
    return row


def _type_name(ann: Any) -> str:
    if get_origin(ann) is Literal:
        return "choice"
    if get_origin(ann) is list:
        return "list"
    if ann is bool:
        return "bool"
    if ann is int:
        return "int"
    if ann is float:
        return "float"
    if ann is str:
        return "str"
    return getattr(ann, "__name__", str(ann))


def _choices(ann: Any) -> list | None:
    if get_origin(ann) is Literal:
        return list(get_args(ann))
    if get_origin(ann) is list and get_origin(get_args(ann)[0]) is Literal:
        return list(get_args(get_args(ann)[0]))
    return None


def _bounds(metadata: list) -> tuple[Any, Any, bool, bool]:
    """Tightest lower and upper bounds among a field's constraints."""
    lo = hi = None
    lo_open = hi_open = False
    for m in metadata:
        if isinstance(m, annotated_types.Ge) and (lo is None or m.ge > lo):
            lo, lo_open = m.ge, False
        elif isinstance(m, annotated_types.Gt) and (lo is None or m.gt >= lo):
            lo, lo_open = m.gt, True
        elif isinstance(m, annotated_types.Le) and (hi is None or m.le < hi):
            hi, hi_open = m.le, False
        elif isinstance(m, annotated_types.Lt) and (hi is None or m.lt <= hi):
            hi, hi_open = m.lt, True
    return lo, hi, lo_open, hi_open


def _default(info: FieldInfo) -> Any:
    if info.default is PydanticUndefined:
        if info.default_factory is None:
            return None  # required
        value = info.default_factory()
    else:
        value = info.default
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    return value


def _description(model: type[BaseModel], name: str) -> str:
    """A field's description, from the model or the first base class that has one."""
    for cls in model.__mro__:
        fields = getattr(cls, "model_fields", None)
        if fields and name in fields and fields[name].description:
            return fields[name].description
    return ""


_MONTHS = re.compile(r"\bmonths?\b|\bsteps?\b", re.I)
_RATE = re.compile(r"\bmonthly\b|\bper (month|step)\b|\brate\b", re.I)


def _unit(info: FieldInfo, row: dict[str, Any]) -> str:
    """The field's unit: ``json_schema_extra["unit"]`` when the schema gives one, else inferred.

    Inferred from the type, bounds and description: ``"months"`` for whole numbers described in
    months or steps (one step is one month); ``"count"`` for numbers of things; ``"per month"``
    for rates; ``"share"`` for other numbers in [0, 1] (a proportion or probability); ``"1"``
    (dimensionless) for other numbers; ``""`` for choices, text, flags and lists.
    """
    extra = info.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("unit"), str):
        return extra["unit"]
    kind, desc = row["type"], row["description"]
    if kind not in ("int", "float"):
        return ""
    if kind == "int" and _MONTHS.search(desc):
        return "months"
    if kind == "int":
        return "count" if re.search(r"\bnumber of\b", desc, re.I) else ""
    if _RATE.search(desc) or row["path"].endswith("_rate"):
        return "per month"
    if row["minimum"] == 0 and row["maximum"] == 1:
        return "share"
    return "1"
