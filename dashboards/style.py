"""Projector-friendly styling: large type, big buttons, high contrast."""

CSS = """
.govsim { font-size: 20px; line-height: 1.4; }
.govsim .topbar { background: #25476a; color: white; padding: 6px 18px; }
.govsim .topbar-title { font-size: 24px; font-weight: bold; color: white; }
.govsim .topbar .v-btn.nav { color: white !important; font-size: 20px !important; }
.govsim .topbar .v-btn.nav-active { border-bottom: 4px solid white; border-radius: 0; }
.govsim .v-btn { font-size: 18px !important; text-transform: none !important;
                 letter-spacing: 0 !important; min-height: 44px; }
.govsim .v-label, .govsim .v-select__selection, .govsim input { font-size: 18px !important; }
.govsim h1 { font-size: 34px; margin: 4px 0 8px 0; }
.govsim h2 { font-size: 28px; margin: 6px 0; }
.govsim h3 { font-size: 23px; margin: 6px 0 2px 0; }
.govsim .caption-text { font-size: 18px; color: #333; margin: 0 0 14px 6px; }
.govsim .model-title { font-size: 26px; font-weight: bold; }
.govsim .model-desc { font-size: 17px; color: #444; min-height: 4.3em; }
.govsim .v-expansion-panel-header { font-size: 20px !important; }
.govsim .stats { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0 10px 0; }
.govsim .stat { border: 2px solid #d0d7de; border-radius: 10px; padding: 4px 12px;
                background: #f7f9fb; min-width: 118px; }
.govsim .stat-label { font-size: 15px; color: #444; display: block; }
.govsim .stat-value { font-size: 30px; font-weight: bold; display: block; }
.govsim .month-big { font-size: 30px; font-weight: bold; }
.govsim .notice { font-size: 19px; }
.govsim .side-0 { border-top: 8px solid #6b6b6b; padding-top: 6px; }
.govsim .side-1 { border-top: 8px solid #2a8a3e; padding-top: 6px; }
.govsim table.params { border-collapse: collapse; font-size: 17px; }
.govsim table.params td { padding: 2px 12px 2px 0; border-bottom: 1px solid #eee; }
.govsim .setting-label { font-size: 18px; font-weight: 500; margin-top: 6px; }
.govsim .v-card__text, .govsim .scenario-card { font-size: 18px; }
.govsim .v-card__title { font-size: 23px; }
.govsim .mono { font-family: monospace; font-size: 15px; white-space: pre-wrap; }
"""
