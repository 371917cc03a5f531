"""Messages for people from pydantic's validation errors of scenario files.

Each error becomes one line ``file:line: field = value: problem. Allowed: ...``: the file is the
one that set the value (after ``extends``), the line is found in that file's text, the allowed
values come from the schema's own constraints, and a misspelt key gets a suggestion.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError

from .schema import Scenario

__all__ = ["OVERRIDE_SOURCE", "find_line", "format_validation_error", "model_in"]

#: Where a value given with ``--set`` (or a keyword parameter) is said to come from.
OVERRIDE_SOURCE = "--set"


def model_in(ann: Any) -> type[BaseModel] | None:
    """The pydantic model class in a field annotation (``X``, ``X | None``), if any."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in get_args(ann):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _field_info(loc: tuple, data: Any = None) -> Any:
    """The pydantic FieldInfo at ``loc`` (event kinds resolved from the data's ``kind``)."""
    model: Any = Scenario
    info = ann = None
    node = data
    for part in loc:
        if isinstance(node, dict | list):
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                node = None
        if isinstance(part, int):
            if model is None and isinstance(node, dict):
                model = _union_member(ann, node.get("kind"))
            continue
        if model is None or part not in getattr(model, "model_fields", {}):
            return info if part == loc[-1] else None
        info = model.model_fields[part]
        ann = info.annotation
        if get_origin(ann) is list:
            ann = get_args(ann)[0]
        model = model_in(ann)
    return info


def _union_member(ann: Any, kind: Any) -> type[BaseModel] | None:
    """The member of a discriminated union (``Event``) whose ``kind`` literal matches."""
    for arg in get_args(ann):
        for member in get_args(arg) or (arg,):
            if isinstance(member, type) and issubclass(member, BaseModel):
                field = member.model_fields.get("kind")
                if field is not None and kind in get_args(field.annotation):
                    return member
    return None


def _allowed(info: Any) -> str:
    if info is None:
        return ""
    lo = hi = None
    lo_strict = False
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Gt):
            lo, lo_strict = m.gt, True
        elif isinstance(m, annotated_types.Le):
            hi = m.le
    ann = info.annotation
    choices = _literal_choices(ann)
    if choices:
        return "one of " + ", ".join(repr(c) for c in choices)
    kind = "a whole number" if _is(ann, int) else "a number" if _is(ann, float) else ""
    if _is(ann, bool):
        return "true or false"
    # Annotated bounds live on the type args for `Unit | None` style fields
    for arg in get_args(ann):
        for m in getattr(arg, "__metadata__", ()):
            for c in getattr(m, "metadata", [m]):
                if isinstance(c, annotated_types.Ge):
                    lo = c.ge
                elif isinstance(c, annotated_types.Le):
                    hi = c.le
    if kind and lo is not None and hi is not None:
        return f"{kind} from {lo} to {hi}"
    if kind and lo is not None:
        return f"{kind} {'above' if lo_strict else 'at least'} {lo}"
    return kind


def _is(ann: Any, t: type) -> bool:
    return ann is t or t in get_args(ann)


def _literal_choices(ann: Any) -> tuple:
    if get_origin(ann) is Literal:
        return get_args(ann)
    for arg in get_args(ann):
        got = _literal_choices(arg)
        if got:
            return got
    return ()


def _clean_loc(loc: tuple, data: Any) -> tuple:
    """Drop pydantic's union tags (``events.0.shock.size`` -> ``events.0.size``)."""
    out: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part not in node:
            if node.get("kind") == part or part in {"function-after", "tagged-union"}:
                continue
        out.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(out)


def _source_for(loc: tuple, prov: Any, default: str) -> str:
    node = prov
    src = default
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            if isinstance(node, str):
                return node
        else:
            break
    return src


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*(\"[^\"]+\"|[A-Za-z0-9_.-]+)\s*=")


def find_line(path: Path | str, loc: tuple) -> int | None:
    """Best-effort line number of a dotted location in a TOML file (None when not found)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    counts: dict[str, int] = {}
    table: list = []
    header_line: dict[tuple, int] = {}
    for n, line in enumerate(lines, 1):
        h = _HEADER.match(line)
        if h:
            name = [p.strip().strip('"') for p in h.group(2).split(".")]
            if h.group(1) == "[[":
                key = ".".join(name)
                counts[key] = counts.get(key, -1) + 1
                table = [*name, counts[key]]
            else:
                table = name
            header_line[tuple(table)] = n
            continue
        k = _KEY.match(line)
        if k:
            key = [p.strip().strip('"') for p in k.group(1).split(".")]
            if tuple(table + key) == tuple(loc):
                return n
            if tuple(loc[: len(table + key)]) == tuple(table + key) and key:
                return n  # an inline table or array holding the location
    for cut in range(len(loc), 0, -1):
        if tuple(loc[:cut]) in header_line:
            return header_line[tuple(loc[:cut])]
    return None


def _suggest(loc: tuple) -> str:
    parent = loc[:-1]
    model: Any = Scenario
    for part in parent:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return ""
        ann = fields[part].annotation
        if get_origin(ann) is list:
            ann = get_args(ann)[0]
        model = model_in(ann)
        if model is None:
            return ""
    names = list(getattr(model, "model_fields", {}))
    # Discriminated event union: collect fields of every event kind
    if model is None and parent and parent[0] == "events":
        return ""
    got = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
    if got:
        return f" Did you mean {got[0]!r}?"
    return f" Allowed keys here: {', '.join(names)}." if names else ""


class _Short(str):
    """A long string shown by its start and its length."""

    def __repr__(self) -> str:
        return f"{str.__repr__(self[:60])[:-1]}...' ({len(self):,} characters)"


def format_validation_error(exc: ValidationError, data: dict, prov: dict, default_src: str) -> str:
    """Turn pydantic's errors into lines of ``file:line: field = value: problem. Allowed: ...``."""
    parts = []
    for err in exc.errors():
        loc = _clean_loc(tuple(err["loc"]), data)
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        src = _source_for(loc, prov, default_src)
        line = find_line(src, loc) if src != OVERRIDE_SOURCE and Path(src).exists() else None
        where = f"{src}:{line}" if line else src
        value = err.get("input")
        kind = err["type"]
        if isinstance(value, str) and len(value) > 80:  # a runaway value would fill the screen
            value = _Short(value)
        if kind == "extra_forbidden":
            msg = f"{where}: unknown key {dotted!r}.{_suggest(loc)}"
        elif kind in ("model_type", "dict_type"):
            msg = (
                f"{where}: {dotted} = {value!r}: must be a table of settings "
                f"(a [{dotted}] section with keys under it)."
            )
        elif kind == "list_type":
            msg = (
                f"{where}: {dotted} = {value!r}: must be a list "
                f"(repeated [[{dotted}]] sections, or [ ... ])."
            )
        elif kind == "missing":
            msg = f"{where}: {dotted} is required but missing."
        else:
            shown = "" if isinstance(value, dict | list) else f" = {value!r}"
            text = err["msg"].rstrip(".")
            text = text.removeprefix("Value error, ")
            allowed = _allowed(_field_info(loc, data))
            if isinstance(value, float) and not math.isfinite(value):
                text = "must be a finite number (NaN and infinity are not allowed)"
            tail = f" Allowed: {allowed}." if allowed else ""
            msg = f"{where}: {dotted}{shown}: {text}.{tail}"
        parts.append(msg)
    return "\n".join(dict.fromkeys(parts))
