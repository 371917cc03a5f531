"""The teachers' dashboard (Solara): ``solara run dashboards/app.py`` or ``govsim dashboard``."""
