"""Write the parameter tables of docs/parameters.md and docs/ODD.md from the scenario schema.

The schema (:mod:`sim.schema`) is the single source of parameters: this script reads each
field's default, bounds and description from the pydantic models and writes them as Markdown
tables, so the documentation cannot drift from the code. The mathematical symbols used in the
ODD equations are the only thing kept here (``SYMBOLS``), because the schema does not hold them.

Usage::

    .venv/bin/python docs/gen_parameters.py            # rewrite docs/parameters.md and ODD.md
    .venv/bin/python docs/gen_parameters.py --check    # exit 1 if either file is out of date

In docs/ODD.md a table is written between ``<!-- params: SECTION -->`` and
``<!-- /params -->`` markers, where SECTION is a dotted schema section such as
``processes.participation``.
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path

import annotated_types
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim import processes, schema

__all__ = ["SECTIONS", "SYMBOLS", "main", "render_parameters", "render_table", "sections"]

DOCS = Path(__file__).resolve().parent

#: Schema sections that belong to no process: (dotted path, pydantic model, heading).
_FIXED_SECTIONS: list[tuple[str, type[BaseModel], str]] = [
    ("(top level)", schema.Scenario, "Scenario"),
    ("population", schema.PopulationSpec, "Population (initialisation)"),
    ("network", schema.NetworkSpec, "Social network"),
    ("council", schema.CouncilDefaults, "Council defaults"),
    ("councils.*", schema.CouncilSpec, "One named council"),
    ("parties.*", schema.PartySpec, "One party"),
    ("government", schema.GovernmentSpec, "National government"),
    ("programmes", schema.ProgrammesSpec, "Council programmes"),
]


def sections() -> list[tuple[str, type[BaseModel], str]]:
    """Schema sections documented, in order: (dotted path, pydantic model, heading).

    One section per registered process, in schedule order, read from :mod:`sim.processes`
    when called, so a process registered after this module was imported is documented too.
    """
    return [
        *_FIXED_SECTIONS,
        *((f"processes.{p.name}", p.spec, p.title) for p in processes.schedule()),
    ]


#: The sections as registered when this module was imported (:func:`sections` is current).
SECTIONS = sections()

#: Symbols of the ODD equations (docs/ODD.md, section 7), by dotted parameter path.
SYMBOLS: dict[str, str] = {
    "population.size": "$N$",
    "population.youth_share": "$y$",
    "population.tenant_share": "$\\tau$",
    "population.tenant_deprivation_link": "$\\lambda_\\tau$",
    "population.deprivation_alpha": "$\\alpha_d$",
    "population.deprivation_beta": "$\\beta_d$",
    "population.ideology_sd": "$\\sigma_I$",
    "population.ideology_deprivation_link": "$\\lambda_I$",
    "population.trust_local_mean": "$\\bar T^{loc}_0$",
    "population.trust_national_mean": "$\\bar T^{nat}_0$",
    "population.trust_sd": "$\\sigma_T$",
    "population.efficacy_mean": "$\\bar E_0$",
    "population.threshold_mean": "$\\mu_\\theta$",
    "population.threshold_sd": "$\\sigma_\\theta$",
    "population.turnout_habit": "$h_0$",
    "network.mean_degree": "$k$",
    "network.rewire": "$p_{WS}$",
    "network.homophily": "$H$",
    "council.cooperation": "$C_c$",
    "council.responsiveness": "$r_c$",
    "council.budget": "$b_c$",
    "council.efficiency": "$e_c$",
    "council.count": "$K$",
    "councils.*.cooperation": "$C_c$",
    "councils.*.responsiveness": "$r_c$",
    "councils.*.budget": "$b_c$",
    "councils.*.efficiency": "$e_c$",
    "councils.*.share": "$\\pi_c$",
    "parties.*.position": "$x_p$",
    "parties.*.cooperative_platform": "$C_p$",
    "parties.*.initial_trust": "$\\bar T_{p,0}$",
    "government.centralisation": "$Z$",
    "government.austerity": "$A$",
    "government.grant_share": "$g$",
    "government.performance": "$P^{gov}_0$",
    "government.performance_recovery": "$r_P$",
    "programmes.land_trust_membership": "$m_{LT}$",
    "programmes.land_trust_need_relief": "$\\phi$",
    "programmes.land_trust_efficacy": "$g^{LT}_E$",
    "programmes.tenant_voice_opportunity": "$o_{TV}$",
    "programmes.tenant_voice_influence": "$w_{TV}$",
    "programmes.community_budget_share": "$s^{CB}$",
    "programmes.community_budget_opportunity": "$o_{CB}$",
    "programmes.youth_opportunity": "$o_{Y}$",
    "programmes.youth_threshold_cut": "$\\Delta\\theta_Y$",
    "programmes.youth_efficacy": "$g^{Y}_E$",
    "processes.participation.base_opportunity": "$o_0$",
    "processes.participation.cooperation_opportunity": "$o_C$",
    "processes.participation.persistence": "$\\pi$",
    "processes.participation.cost_deprivation": "$c$",
    "processes.participation.motivation_efficacy": "$m_E$",
    "processes.participation.motivation_trust": "$m_T$",
    "processes.participation.logit_intercept": "$\\beta_0$",
    "processes.participation.logit_efficacy": "$\\beta_E$",
    "processes.participation.logit_trust": "$\\beta_T$",
    "processes.participation.logit_social": "$\\beta_s$",
    "processes.participation.logit_deprivation": "$\\beta_d$",
    "processes.services.need_base": "$n_0$",
    "processes.services.need_deprivation": "$n_d$",
    "processes.services.central_targeting": "$\\kappa$",
    "processes.services.coproduction_bonus": "$\\eta$",
    "processes.services.participation_overhead": "$\\omega$",
    "processes.services.voice_memory": "$\\rho$",
    "processes.trust_experience.up_rate": "$\\alpha_+$",
    "processes.trust_experience.down_rate": "$\\alpha_-$",
    "processes.trust_experience.expectation_rate": "$\\lambda$",
    "processes.trust_experience.national_blame": "$b$",
    "processes.trust_voice.heard_trust_gain": "$g_T$",
    "processes.trust_voice.heard_efficacy_gain": "$g_E$",
    "processes.trust_voice.ignored_trust_loss": "$l_T$",
    "processes.trust_voice.national_share": "$\\nu$",
    "processes.trust_voice.ignored_efficacy_loss": "$l_E$",
    "processes.trust_voice.legitimacy_spillover": "$\\gamma$",
    "processes.social_influence.weight": "$w$",
    "processes.social_influence.epsilon": "$\\varepsilon$",
    "processes.social_influence.mu": "$\\mu$",
    "processes.social_influence.anchoring": "$a$",
    "processes.social_influence.local_to_national": "$\\sigma_{LN}$",
    "processes.social_influence.national_to_local": "$\\sigma_{NL}$",
    "processes.elections.interval": "$\\Delta_e$",
    "processes.elections.first": "$t_1$",
    "processes.elections.turnout_intercept": "$\\gamma_0$",
    "processes.elections.turnout_habit": "$\\gamma_h$",
    "processes.elections.turnout_efficacy": "$\\gamma_E$",
    "processes.elections.turnout_trust": "$\\gamma_T$",
    "processes.elections.turnout_deprivation": "$\\gamma_d$",
    "processes.elections.vote_distance": "$\\beta_x$",
    "processes.elections.vote_party_trust": "$\\beta_P$",
    "processes.elections.vote_cooperative": "$\\beta_C$",
    "processes.elections.winner_bounce": "$g_W$",
    "processes.elections.loser_penalty": "$l_L$",
    "processes.network_change.form_rate": "$f$",
    "processes.network_change.decay_rate": "$\\delta$",
}

#: Meanings for the few schema fields that carry no description (marked with a dagger).
FALLBACK: dict[str, str] = {
    "name": "Unique name (events and results refer to it).",
    "enabled": "Run this process each step (false: skip it; its random stream is untouched).",
    "rule": "Which rule the process uses.",
    "turnout_intercept": "Turnout logit: intercept.",
    "turnout_efficacy": "Turnout logit: weight of efficacy.",
    "turnout_trust": "Turnout logit: weight of trust in national government.",
    "turnout_deprivation": "Turnout logit: weight of deprivation.",
}


def _description(model: type[BaseModel], name: str) -> str:
    """A field's description, from the model or the first base class that has one."""
    for cls in model.__mro__:
        fields = getattr(cls, "model_fields", None)
        if fields and name in fields and fields[name].description:
            return fields[name].description
    if name in FALLBACK:
        return FALLBACK[name] + " †"
    return "†"


def _range(info) -> str:
    """Type and allowed values of a field, from its annotation and constraints."""
    ann = info.annotation
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    if typing.get_origin(ann) is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in typing.get_args(ann))
    if typing.get_origin(ann) is list:
        inner = typing.get_args(ann)[0]
        if typing.get_origin(inner) is typing.Literal:
            return "list of " + ", ".join(f"`{a}`" for a in typing.get_args(inner))
        return "list"
    base = args[0] if args and typing.get_origin(ann) in (typing.Union, type(int | None)) else ann
    kind = getattr(base, "__name__", str(base))
    lo = hi = None
    lo_open = hi_open = False
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge if lo is None else max(lo, m.ge)
        elif isinstance(m, annotated_types.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, annotated_types.Le):
            hi = m.le if hi is None else min(hi, m.le)
        elif isinstance(m, annotated_types.Lt):
            hi, hi_open = m.lt, True
    optional = " or unset" if type(None) in typing.get_args(ann) else ""
    if lo is None and hi is None:
        return f"{kind}{optional}"
    left = "(" if lo_open else "["
    right = ")" if hi_open or hi is None else "]"
    lo_s = _num(lo) if lo is not None else "-inf"
    hi_s = _num(hi) if hi is not None else "inf"
    return f"{kind} in {left}{lo_s}, {hi_s}{right}{optional}"


def _num(x: float) -> str:
    return f"{x:,}" if isinstance(x, int) and abs(x) >= 10_000 else f"{x:g}"


def _default(info) -> str:
    if info.default is PydanticUndefined:
        if info.default_factory is not None:
            value = info.default_factory()
            if isinstance(value, list) and not value:
                return "`[]`"
            if isinstance(value, BaseModel):
                return "(table)"
            return "(list)"
        return "required"
    value = info.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{value:.4g}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    return f"`{value}`"


def render_table(section: str, model: type[BaseModel]) -> str:
    """Markdown table of one schema section (nested tables and lists of tables left out)."""
    rows = [
        "| scenario path | symbol | default | unit / range | meaning |",
        "|---|---|---|---|---|",
    ]
    prefix = "" if section.startswith("(") else section + "."
    for name, info in model.model_fields.items():
        ann = info.annotation
        inner = typing.get_args(ann)[0] if typing.get_origin(ann) is list else ann
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            continue  # a sub-table or list of tables: documented in its own section
        if typing.get_origin(inner) is typing.Annotated or name == "events":
            continue
        path = prefix + name
        meaning = _description(model, name).replace("|", "\\|")
        rows.append(
            f"| `{path}` | {SYMBOLS.get(path, '')} | {_default(info)} | {_range(info)} "
            f"| {meaning} |"
        )
    return "\n".join(rows) + "\n"


def _event_tables() -> str:
    out = []
    union = typing.get_args(typing.get_args(schema.Event)[0])
    for model in union:
        kinds = typing.get_args(model.model_fields["kind"].annotation)
        title = " / ".join(f"`{k}`" for k in kinds)
        doc = (model.__doc__ or "").strip()
        out.append(f"### Event {title}\n\n{doc}\n\n")
        rows = ["| field | default | unit / range | meaning |", "|---|---|---|---|"]
        for name, info in model.model_fields.items():
            meaning = _description(model, name).replace("|", "\\|")
            if meaning == "†":
                meaning = ""
            rows.append(f"| `{name}` | {_default(info)} | {_range(info)} | {meaning} |")
        out.append("\n".join(rows) + "\n\n")
    return "".join(out)


def render_parameters() -> str:
    """The whole of docs/parameters.md."""
    parts = [
        "# Scenario parameters\n\n",
        "Generated by `docs/gen_parameters.py` from the scenario schema (`sim/schema.py`); do not "
        "edit by hand. Every row is a key of a scenario file (TOML) and a dotted path for "
        "`--set path=value`, sweeps and `GovernanceModel(**{path: value})`. Symbols are those of "
        "the equations in [ODD.md](ODD.md), section 7. One step is one month; trust, efficacy, "
        "shares and probabilities are in [0, 1]; ideology positions in [-1, 1]. "
        "† marks a field without a description in the schema.\n\n",
        "List the paths with `govsim validate --list-parameters`; the JSON Schema for editors is "
        "[scenario.schema.json](scenario.schema.json) (`govsim schema`).\n\n",
    ]
    for section, model, heading in sections():
        where = "" if section.startswith("(") else f" (`[{section}]`)"
        if section.endswith(".*"):
            where = f" (`[[{section[:-2]}]]`)"
        doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        parts.append(f"## {heading}{where}\n\n{doc}\n\n{render_table(section, model)}\n")
    parts.append("## Events (`[[events]]`)\n\n")
    parts.append(
        "Every event has `step` (when it happens), `councils` (names; default all) and `note`. "
        "`kind` selects one of the following.\n\n"
    )
    parts.append(_event_tables())
    return "".join(parts).rstrip() + "\n"


MARKER = re.compile(r"(<!-- params: ([\w.*]+) -->\n)(.*?)(<!-- /params -->)", re.S)


def render_odd(text: str) -> str:
    """docs/ODD.md with every marked parameter table regenerated."""
    models = {section: model for section, model, _ in sections()}

    def table(m: re.Match) -> str:
        section = m.group(2)
        if section not in models:
            raise SystemExit(f"docs/ODD.md: unknown parameter section {section!r}")
        return m.group(1) + render_table(section, models[section]) + m.group(4)

    return MARKER.sub(table, text)


def main(argv: list[str]) -> int:
    """Write (or with ``--check`` compare) docs/parameters.md and docs/ODD.md."""
    check = "--check" in argv
    targets = {DOCS / "parameters.md": render_parameters()}
    odd = DOCS / "ODD.md"
    if odd.exists():
        targets[odd] = render_odd(odd.read_text(encoding="utf-8"))
    stale = []
    for path, text in targets.items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            stale.append(path.name)
            if not check:
                path.write_text(text, encoding="utf-8")
    if check and stale:
        print(f"out of date: {', '.join(stale)}; run .venv/bin/python docs/gen_parameters.py")
        return 1
    names = stale or [path.name for path in targets]
    print(("up to date: " if check or not stale else "wrote: ") + ", ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
