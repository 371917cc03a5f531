"""What the measures mean for a reader: plain names, and which direction is good news.

Shared by the statistics that decide what a finding is (:mod:`sim.compare.robustness`) and the
report that words it (:mod:`sim.report`).

>>> GOOD_WHEN_HIGHER["participation_gap"], PROSE["trust_local"], GROUP_LABELS["q5"]
(False, 'trust in the council', 'Most deprived fifth')
"""

from __future__ import annotations

__all__ = ["GOOD_WHEN_HIGHER", "GROUP_LABELS", "PROSE"]

#: Which direction is good news for a metric (None: neither, e.g. value for money is relative).
GOOD_WHEN_HIGHER = {
    "trust_local": True,
    "trust_national": True,
    "participation": True,
    "turnout": True,
    "efficacy": True,
    "service_quality": True,
    "value_for_money": True,
    "participation_gap": False,
    "trust_gini": False,
}


#: Short names of the measures for running prose.
PROSE = {
    "trust_local": "trust in the council",
    "trust_national": "trust in national government",
    "participation": "taking part",
    "turnout": "turnout",
    "efficacy": "political efficacy",
    "service_quality": "service quality",
    "value_for_money": "value for money",
    "participation_gap": "the participation gap between least and most deprived",
    "trust_gini": "inequality of trust",
}

#: Plain names of the groups of citizens.
GROUP_LABELS = {
    "all": "Everyone",
    "q1": "Least deprived fifth",
    "q2": "2nd fifth",
    "q3": "Middle fifth",
    "q4": "4th fifth",
    "q5": "Most deprived fifth",
    "youth": "Young people (16-24)",
    "tenants": "Social tenants",
}
