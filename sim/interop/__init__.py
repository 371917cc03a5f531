"""Adapters to the tools researchers already use (optional extra: ``pip install govsim[interop]``).

- :mod:`sim.interop.ema`: an EMA Workbench ``Model`` of govsim, uncertainties from
  :func:`sim.parameters` and the headline metrics as outcomes.
"""
