"""A Mesa DataCollector that stores the model's metrics as rows of one preallocated array.

Mesa's :class:`mesa.DataCollector` calls each model reporter every step and deep-copies its
value: for govsim's ~100 metrics that costs more than a step of a 1,000-citizen model.  Here
the model computes its observation once (:func:`sim.metrics.observe`) and the collector
writes it as one row; ``get_model_vars_dataframe()`` and ``model_vars`` give exactly what
Mesa's reporters would (same columns, same order, same float values), and agent-type
reporters (the councils) are recorded by Mesa's own code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import mesa
import numpy as np
import pandas as pd

__all__ = ["ColumnRecords", "MetricsCollector"]


class _Reporter:
    """The model reporter of one metric (kept so Mesa tools see ``model_reporters``)."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, model: Any) -> float:
        return model.observation[self.name]

    def __repr__(self) -> str:
        return f"<metric reporter {self.name!r}>"


class ColumnRecords(Sequence):
    """One step's agent-type records, ``(time, unique_id, name, value, ...)`` per agent.

    What Mesa's ``DataCollector`` keeps as a list of tuples, kept as the columns it is made
    of (arrays over the agents, which the caller never writes into again) and turned into
    tuples only when read: a model collects every step, and most runs never build the
    agent-type frame.  Reads like the list Mesa would hold (iteration, ``len``, indexing,
    ``==`` against a list).
    """

    __slots__ = ("_time", "_keys", "_columns")

    def __init__(self, time: Any, keys: Sequence[tuple], columns: Sequence[np.ndarray]):
        self._time = time
        self._keys = tuple(keys)  # (unique_id, name) per agent
        self._columns = tuple(columns)

    def _rows(self) -> list[tuple]:
        values = zip(*(c.tolist() for c in self._columns), strict=True)
        return [(self._time, *k, *v) for k, v in zip(self._keys, values, strict=True)]

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, i):  # type: ignore[override]
        return self._rows()[i]

    def __iter__(self):
        return iter(self._rows())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ColumnRecords | list | tuple):
            return self._rows() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared by value, like a list

    def __repr__(self) -> str:
        return repr(self._rows())


class MetricsCollector(mesa.DataCollector):
    """DataCollector over the named metrics of ``model.observation``, one array row a step.

    Parameters
    ----------
    metrics : sequence of str
        Metric names, in column order (``sim.metrics.metric_names``).
    agenttype_reporters : mapping, optional
        As for :class:`mesa.DataCollector` (collected by Mesa's code, unchanged).
    agenttype_rows : mapping, optional
        Agent type -> ``f(model)`` returning the records Mesa would build from that type's
        reporters, ``[(time, unique_id, value, ...), ...]`` (a list or a
        :class:`ColumnRecords`), in one call (used while the reporters are the ones given
        here).
    """

    def __init__(
        self,
        metrics: Sequence[str],
        agenttype_reporters: Mapping[type, Mapping] | None = None,
        agenttype_rows: Mapping[type, Callable[[Any], list[tuple]]] | None = None,
    ):
        self._names = list(metrics)
        # agent type -> (its reporter names, a function giving Mesa's records for them at once)
        self._fast_rows = {
            t: (list(agenttype_reporters[t]), f) for t, f in (agenttype_rows or {}).items()
        }
        self._rows = np.empty((128, len(self._names)))
        self._count = 0
        super().__init__(
            model_reporters={name: _Reporter(name) for name in self._names},
            agenttype_reporters=dict(agenttype_reporters or {}),
        )

    def _new_model_reporter(self, name: str, reporter: Any) -> None:
        """Register a metric's reporter, as Mesa does, but without a ``model_vars`` list.

        The values live in this collector's array and ``model_vars`` is built from it; Mesa's
        version rebuilt that property once per metric (quadratic, ~1.4 ms a model).
        """
        self.model_reporters[name] = reporter

    @property
    def model_vars(self) -> dict[str, list[float]]:
        """Metric name -> list of values, one per collected step (as Mesa keeps them)."""
        rows = self._rows[: self._count]
        return {name: rows[:, j].tolist() for j, name in enumerate(self._names)}

    @model_vars.setter
    def model_vars(self, value: dict) -> None:  # Mesa's __init__ assigns an empty dict
        if any(value.values()):
            raise AttributeError("MetricsCollector.model_vars is filled by collect()")

    def collect(self, model: Any) -> None:
        """Record ``model.observation`` as one row, then the agent-type reporters."""
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        if self._count == len(self._rows):
            self._rows = np.concatenate([self._rows, np.empty_like(self._rows)])
        obs = model.observation
        row = getattr(obs, "row", None)
        if row is not None and len(row) == len(self._names):  # sim.metrics.Observation
            self._rows[self._count] = row
        else:
            self._rows[self._count] = [obs[name] for name in self._names]
        self._count += 1
        for agent_type, reporters in self.agenttype_reporters.items():
            fast = self._fast_rows.get(agent_type)
            if fast is not None and fast[0] == list(reporters):
                records = fast[1](model)
            else:
                records = list(self._record_agenttype(model, agent_type))
            self._agenttype_records.setdefault(model.time, {})[agent_type] = records

    def reserve(self, steps: int) -> np.ndarray:
        """The next ``steps`` metric rows, for :meth:`collect_reserved` to record once filled."""
        need = self._count + steps
        if need > len(self._rows):
            grown = np.empty((max(need, 2 * len(self._rows)), len(self._names)))
            grown[: self._count] = self._rows[: self._count]
            self._rows = grown
        return self._rows[self._count : need]

    def collect_reserved(self, times: Sequence[Any], records: Sequence[Mapping[type, Any]]) -> None:
        """Record ``len(times)`` steps whose rows were written into :meth:`reserve`'s rows.

        What :meth:`collect` records for each of them: the step's time, its row and its
        agent-type ``records`` (agent type -> the records :meth:`collect` would build).
        """
        for time, by_type in zip(times, records, strict=True):
            if hasattr(self, "_collection_steps"):
                self._collection_steps.append(time)
            self._agenttype_records.setdefault(time, {}).update(by_type)
        self._count += len(times)

    def fast_agenttype_rows(self) -> dict[type, Callable] | None:
        """Agent type -> its one-call records function, if every type collects through one.

        None if some agent type's reporters are not the ones ``agenttype_rows`` was given
        for (:meth:`collect` then calls Mesa's reporters for it).
        """
        out = {}
        for t, reporters in self.agenttype_reporters.items():
            fast = self._fast_rows.get(t)
            if fast is None or fast[0] != list(reporters):
                return None
            out[t] = fast[1]
        return out

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One row per collected step, one column per metric (Mesa's layout)."""
        return pd.DataFrame(self._rows[: self._count].copy(), columns=self._names)

    def metric_rows(self) -> tuple[list[str], np.ndarray]:
        """The metric names and a read-only view of the collected rows (steps x metrics).

        The numbers ``get_model_vars_dataframe()`` holds, without building a frame: what a
        sweep run keeps of 80 metrics is a few columns (:func:`sim.experiments.tasks.execute`).
        """
        rows = self._rows[: self._count].view()
        rows.setflags(write=False)
        return list(self._names), rows
