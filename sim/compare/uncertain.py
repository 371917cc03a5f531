"""The uncertain coefficients of the model and their plausible ranges, in one table.

``govsim compare --robustness N`` draws N parameter sets from these ranges (a Latin hypercube)
and repeats the comparison under each. Every range says why it is plausible. None of these
coefficients has been measured for a real council: the defaults were set so that the model
reproduces the stylised facts of docs/ODD.md section 1, and the ranges are the span over which
those facts (or the literature the coefficient comes from) give no reason to prefer one value
over another. A coefficient that the compared scenarios set differently (a policy lever, such as
``council.cooperation``) is never varied: the comparison is about it.

>>> [r.path for r in RANGES][:2]
['processes.trust_experience.up_rate', 'processes.trust_experience.down_rate']
>>> all(r.low < r.high for r in RANGES)
True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RANGES", "Range"]


@dataclass(frozen=True)
class Range:
    """A plausible range of one scenario parameter (a dotted path), with its reason."""

    path: str
    low: float
    high: float
    words: str  # the parameter in plain words, for "it reverses when <words> is below ..."
    reason: str


RANGES: tuple[Range, ...] = (
    Range(
        "processes.trust_experience.up_rate", 0.02, 0.10,
        "how fast trust rises after good experiences",
        "Default 0.05. Trust is gained more slowly than it is lost (Slovic 1993; Kampen, Van de "
        "Walle and Bouckaert 2006); halving or doubling keeps it below the default loss rate.",
    ),
    Range(
        "processes.trust_experience.down_rate", 0.08, 0.25,
        "how fast trust falls after bad experiences",
        "Default 0.15, about three times the gain rate (Slovic 1993); the range keeps the "
        "asymmetry between 1.6:1 and 5:1 at the default gain rate.",
    ),
    Range(
        "processes.trust_voice.heard_trust_gain", 0.03, 0.15,
        "the trust gained by a participant who is heard",
        "Default 0.08. The OECD (2024) voice gradient (about 41 points between those who feel "
        "they have a say and those who do not) bounds the cumulative effect, not the monthly "
        "step: a factor of two either way.",
    ),
    Range(
        "processes.trust_voice.ignored_trust_loss", 0.04, 0.20,
        "the trust lost by a participant who is ignored",
        "Default 0.10. Tokenism backlash (Arnstein 1969) is documented in direction, not size: "
        "a factor of two either way.",
    ),
    Range(
        "processes.trust_voice.legitimacy_spillover", 0.1, 0.9,
        "the spill-over of the council's voice record to residents who do not take part",
        "Default 0.5. Olken (2010) finds legitimacy effects of participation well beyond those "
        "taking part, of uncertain size: most of the unit range.",
    ),
    Range(
        "processes.services.coproduction_bonus", 0.0, 0.30,
        "the extra output of co-produced spending",
        "Default 0.15. Evidence on co-production's productivity is mixed (Loeffler and Bovaird "
        "2016): from no gain at all to twice the default.",
    ),
    Range(
        "processes.services.participation_overhead", 0.0, 0.15,
        "the cost of running participation",
        "Default 0.05 of the co-produced budget; consultation costs reported by councils vary "
        "widely: free to three times the default.",
    ),
    Range(
        "processes.participation.cost_deprivation", 0.10, 0.50,
        "the extra barrier to taking part for deprived residents",
        "Default 0.25. Participation is skewed to the better-off in every survey (Verba, "
        "Schlozman and Brady 1995); how steeply is uncertain: a factor of two either way.",
    ),
    Range(
        "processes.participation.cooperation_opportunity", 0.25, 0.75,
        "how many chances to take part a co-operative council creates",
        "Default 0.5 per unit of effective cooperation: half to one and a half times.",
    ),
    Range(
        "processes.social_influence.weight", 0.0, 0.03,
        "how much residents take their neighbours' trust on board",
        "Default 0.01 a month (DeGroot averaging); from none to three times the default, past "
        "which trust converges to consensus within the run.",
    ),
)  # fmt: skip
