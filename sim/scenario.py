"""Scenario files: TOML loading, ``extends``, dotted overrides and clear validation errors.

A scenario file is TOML whose keys follow :class:`sim.schema.Scenario`.  A file may name another
in ``extends = "base.toml"`` (relative to itself); tables merge key by key, lists (``councils``,
``parties``, ``events``) replace the parent's list whole.  Overrides are dotted paths
(``council.cooperation = 0.8``) applied after the merge and before validation.

Every user mistake becomes a :class:`ScenarioError` whose message names the file, the line where
it can be found, the field, the value given and what is allowed, with a suggestion for a
misspelt key.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .errors import ScenarioError
from .files import read_limited, resolve_path
from .messages import OVERRIDE_SOURCE, find_line, format_validation_error, model_in
from .schema import Scenario

__all__ = [
    "ScenarioError",
    "apply_overrides",
    "check_within_roots",
    "load_scenario",
    "parameter_paths",
    "parse_override",
    "scenario_from_dict",
    "scenario_json_schema",
]


# --------------------------------------------------------------------------- reading files
def read_toml(path: Path, *, what: str = "scenario") -> dict[str, Any]:
    """Read a TOML file, turning every way it can fail into a clear :class:`ScenarioError`.

    Only regular files up to :data:`sim.files.MAX_TEXT_BYTES` are read, and tables nested
    deeper than :data:`MAX_DEPTH` are refused.
    """
    raw = read_limited(path, what=what)
    if b"\x00" in raw:
        raise ScenarioError(f"{path}: is a binary file, not a TOML {what} file.")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (some Windows editors) is fine
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{path}: is not UTF-8 text (byte {exc.start}); a {what} file must be UTF-8 TOML."
        ) from None
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ScenarioError(
            f"{path}: nested more than {MAX_DEPTH} levels deep; a {what} file's tables and "
            "lists nest a few levels at most."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        where = f":{m.group(1)}" if m else ""
        reason = re.sub(r"\s*\(at line.*\)", "", msg) or msg
        col = f", column {m.group(2)}" if m else ""
        line = _line_text(text, int(m.group(1))) if m else ""
        shown = f" The line reads: {line!r}." if line else ""
        raise ScenarioError(
            f"{path}{where}: TOML syntax error{col}: {reason}.{shown} "
            "Check quotes, brackets and '=' on that line (https://toml.io)."
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise ScenarioError(
            f"{path}: nested more than {MAX_DEPTH} levels deep; a {what} file's tables and "
            "lists nest a few levels at most."
        )
    return data


#: Deepest nesting of tables and lists accepted in a scenario or experiment file.
MAX_DEPTH = 32
#: Longest chain of ``extends`` accepted.
MAX_EXTENDS = 32


def _depth(data: Any) -> int:
    """Nesting depth of tables and lists (iterative: no recursion limit to hit)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        value, d = todo.pop()
        if isinstance(value, dict):
            items = value.values()
        elif isinstance(value, list):
            items = value
        else:
            continue
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            return d
        todo.extend((v, d + 1) for v in items)
    return deepest


def _line_text(text: str, lineno: int) -> str:
    lines = text.splitlines()
    line = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
    return line if len(line) <= 120 else line[:120] + "..."


# --------------------------------------------------------------------------- extends + merge
def _merge(base: dict, child: dict, prov: dict, child_prov: dict) -> None:
    """Deep-merge ``child`` into ``base`` in place; tables merge, everything else replaces."""
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value, prov.setdefault(key, {}), child_prov.get(key, {}))
        else:
            base[key] = value
            prov[key] = child_prov.get(key)


def _provenance(data: Any, source: str) -> Any:
    """A tree shaped like ``data`` whose leaves name the file a value came from."""
    if isinstance(data, dict):
        return {k: _provenance(v, source) for k, v in data.items()}
    return source


def check_within_roots(path: Path, roots: Sequence[Path] | None, what: str) -> Path:
    """``path`` resolved (symlinks followed); a :class:`ScenarioError` if outside ``roots``.

    ``roots=None`` allows everything (the command line); the dashboard passes its folders.

    >>> check_within_roots(Path("/etc/passwd"), [Path("/srv")], "file")
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: file /etc/passwd: outside the folders this dashboard may read (/srv).
    """
    resolved = resolve_path(path, what=what)
    if roots is None:
        return resolved
    allowed = [Path(r).resolve() for r in roots]
    if not any(resolved == r or resolved.is_relative_to(r) for r in allowed):
        shown = ", ".join(str(r) for r in allowed) or "none"
        raise ScenarioError(
            f"{what} {path}: outside the folders this dashboard may read ({shown})."
        )
    return resolved


def _load_chain(
    path: Path, stack: tuple[Path, ...], roots: Sequence[Path] | None = None
) -> tuple[dict, dict]:
    check_within_roots(path, roots, f"{stack[-1]}: extends" if stack else "scenario")
    path = resolve_path(path, what="scenario")
    if len(stack) >= MAX_EXTENDS:
        raise ScenarioError(
            f"{stack[0]}: 'extends' chain longer than {MAX_EXTENDS} files (reached {path}); "
            "a scenario inherits from a few files at most."
        )
    if path in stack:
        chain = " -> ".join(str(p) for p in (*stack, path))
        raise ScenarioError(f"{stack[-1]}: circular 'extends': {chain}.")
    data = read_toml(path)
    net = data.get("network")
    if isinstance(net, dict) and isinstance(net.get("path"), str):
        net["path"] = str((path.parent / net["path"]).resolve())  # relative to this file
        check_within_roots(Path(net["path"]), roots, f"{path}: network.path")
    prov = _provenance(data, str(path))
    parent_ref = data.get("extends")
    if parent_ref is None:
        return data, prov
    if not isinstance(parent_ref, str):
        raise ScenarioError(
            f"{path}:{find_line(path, ('extends',)) or ''}: extends = {parent_ref!r}: "
            "must be a file name in quotes, relative to this file."
        )
    parent_path = resolve_path(path.parent / parent_ref, what="scenario")
    if not parent_path.exists():
        line = find_line(path, ("extends",))
        raise ScenarioError(
            f"{path}:{line or ''}: extends = {parent_ref!r}, but {parent_path} does not exist. "
            "'extends' is resolved relative to the file that names it."
        )
    try:
        base, base_prov = _load_chain(parent_path, (*stack, path), roots)
    except ScenarioError as exc:
        if str(exc).startswith(str(parent_path)) and not stack:
            line = find_line(path, ("extends",))
            raise ScenarioError(f"{path}:{line or ''}: extends = {parent_ref!r}: {exc}") from None
        raise
    merged_prov = base_prov
    _merge(base, data, merged_prov, prov)
    base["extends"] = str(parent_path)
    return base, merged_prov


# --------------------------------------------------------------------------- overrides
def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``path=value`` as given to ``--set``; the value is read as TOML, else as a string.

    >>> parse_override("council.cooperation=0.8")
    ('council.cooperation', 0.8)
    >>> parse_override("network.kind=sbm")
    ('network.kind', 'sbm')
    """
    if "=" not in text:
        raise ScenarioError(
            f"--set {text!r}: expected path=value, for example --set council.cooperation=0.8."
        )
    path, _, value = text.partition("=")
    path = path.strip()
    value = value.strip()
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return path, parsed


def apply_overrides(
    data: dict,
    overrides: Mapping[str, Any],
    prov: dict | None = None,
    source: str = OVERRIDE_SOURCE,
) -> dict:
    """Set each dotted path of ``overrides`` in ``data`` (in place), checking the path exists.

    A list element is addressed by index or by its ``name`` (``councils.Croydon.cooperation``).
    """
    valid = set(parameter_paths(include_lists=True))
    for path, value in overrides.items():
        keys = path.split(".")
        _check_path(keys, path, valid, data)
        if isinstance(value, float) and not math.isfinite(value):
            raise ScenarioError(f"{source}: {path} = {value}: must be a finite number.")
        node = data
        pnode = prov if prov is not None else {}
        for i, key in enumerate(keys[:-1]):
            if isinstance(node, list):
                node = _list_item(node, key, path)
                pnode = {}
                continue
            nxt = node.get(key)
            if nxt is None:
                nxt = node[key] = [] if _is_list_path(keys[: i + 1]) else {}
            if not isinstance(nxt, dict | list):
                where = pnode.get(key) if isinstance(pnode, dict) else None
                table = ".".join(keys[: i + 1])
                raise ScenarioError(
                    f"{where if isinstance(where, str) else source}: {table} = {nxt!r}: must be "
                    f"a table of settings (a [{table}] section), so {path} cannot be set."
                )
            node = nxt
            if isinstance(pnode, dict):
                pnode = pnode.setdefault(key, {}) if isinstance(pnode.get(key, {}), dict) else {}
        if isinstance(node, list):
            raise ScenarioError(f"{source}: {path}: cannot replace a list element whole.")
        node[keys[-1]] = value
        if isinstance(pnode, dict):
            pnode[keys[-1]] = source
    return data


def _list_item(items: list, key: str, path: str) -> dict:
    if key.isdigit() and int(key) < len(items):
        return items[int(key)]
    for item in items:
        if isinstance(item, dict) and item.get("name") == key:
            return item
    names = [str(it.get("name")) for it in items if isinstance(it, dict)]
    raise ScenarioError(
        f"{OVERRIDE_SOURCE}: {path}: no element {key!r} (use an index 0-{len(items) - 1} or a "
        f"name: {', '.join(names) or 'none'})."
    )


_LIST_FIELDS = {"councils", "parties", "events"}


def _is_list_path(keys: list[str]) -> bool:
    return len(keys) == 1 and keys[0] in _LIST_FIELDS


def _check_path(keys: list[str], path: str, valid: set[str], data: dict) -> None:
    # Paths into a list: councils.<name or index>.field
    if keys[0] in _LIST_FIELDS and len(keys) >= 3:
        generic = ".".join([keys[0], "*", *keys[2:]])
        if generic in valid:
            return
    if path in valid:
        return
    suggestion = difflib.get_close_matches(path, sorted(valid), n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(suggestion)}?" if suggestion else ""
    raise ScenarioError(
        f"{OVERRIDE_SOURCE}: {path!r} is not a scenario parameter.{hint} "
        "`govsim validate --list-parameters` lists them all."
    )


def parameter_paths(*, include_lists: bool = False) -> list[str]:
    """Every settable dotted path of the scenario schema (leaves only).

    Walked once per schema (the process registry's changes give a new ``processes`` model):
    a sweep resolves overrides for every run.

    >>> "council.cooperation" in parameter_paths()
    True
    """
    key = (include_lists, Scenario.model_fields["processes"].annotation)
    paths = _PATHS.get(key)
    if paths is None:
        paths = _PATHS[key] = tuple(_walk_paths(include_lists))
    return list(paths)


#: parameter_paths per (include_lists, ProcessesSpec model)
_PATHS: dict[tuple, tuple[str, ...]] = {}


def _walk_paths(include_lists: bool) -> list[str]:
    out: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            ann = field.annotation
            sub = model_in(ann)
            origin = get_origin(ann)
            if sub is not None and origin is not list:
                walk(sub, f"{prefix}{name}.")
            elif origin is list and model_in(get_args(ann)[0]) is not None:
                if include_lists:
                    walk(model_in(get_args(ann)[0]), f"{prefix}{name}.*.")
            else:
                out.append(prefix + name)

    walk(Scenario, "")
    return out


# --------------------------------------------------------------------------- public API
def scenario_from_dict(
    data: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    *,
    source: str = "<scenario>",
    provenance: dict | None = None,
) -> Scenario:
    """Validate a scenario given as a dict (as read from TOML), after dotted overrides."""
    data = copy.deepcopy(dict(data))
    prov = provenance if provenance is not None else _provenance(data, source)
    if overrides:
        apply_overrides(data, overrides, prov)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, data, prov, source)) from None


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    *,
    check_memory: bool = True,
    roots: Sequence[str | Path] | None = None,
) -> Scenario:
    """Load, merge (``extends``), override and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A TOML scenario file.
    overrides : mapping or iterable of "path=value", optional
        Dotted parameter paths, applied after ``extends`` and before validation.
    check_memory : bool, default True
        Refuse a population too large for this machine's memory (see :func:`check_resources`).
    roots : sequence of folders, optional
        Read only inside these folders: the file, every ``extends`` target and
        ``network.path``, each checked after following symlinks (the dashboard passes its
        folders; ``None``, the default, reads anywhere).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        For anything wrong with the file(s) or overrides, with a message for people.
    """
    path = Path(path)
    root_paths = None if roots is None else [Path(r) for r in roots]
    data, prov = _load_chain(path, (), root_paths)
    if overrides is not None and not isinstance(overrides, Mapping):
        overrides = dict(parse_override(o) for o in overrides)
    sc = scenario_from_dict(data, overrides, source=str(path.resolve()), provenance=prov)
    if sc.network.kind == "file":
        from .network import load_graph_file

        check_within_roots(Path(sc.network.path), root_paths, f"{path}: network.path")

        try:
            nodes, _ = load_graph_file(Path(sc.network.path))
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: {exc}") from None
        if nodes != sc.population.size:
            raise ScenarioError(
                f"{path}: network.path {sc.network.path} has {nodes:,} nodes but population.size "
                f"is {sc.population.size:,}; set population.size = {nodes}."
            )
    if check_memory:
        from .resources import check_resources

        check_resources(sc, source=str(path))
    return sc


def scenario_json_schema() -> dict:
    """JSON Schema of scenario files, for editors (``govsim schema``)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "govsim scenario"
    return schema
