"""Comparison reports: a self-contained HTML briefing, a Markdown summary and a CSV table.

>>> from sim.report import write_report  # write_report(comparison, out_dir)
"""

from __future__ import annotations

from .render import REPORT, ROBUSTNESS_CSV, SUMMARY_CSV, SUMMARY_MD, build_context, write_report

__all__ = ["REPORT", "ROBUSTNESS_CSV", "SUMMARY_CSV", "SUMMARY_MD", "build_context", "write_report"]
