"""Projector-friendly styling: large type, big buttons, high contrast, visible focus.

Sized for a 1280x720 projector: the controls bar is sticky, the classroom's first screen holds
the controls, the headline table and the trust charts.  Text is at least 16 px, and every text
colour has at least 4.5:1 contrast against its background.
"""

from sim.viz.style import SIDE_COLOURS

CSS = (
    """
.govsim { font-size: 18px; line-height: 1.35; color: #1a1a1a; }
.govsim .topbar { background: #25476a; color: white; padding: 2px 14px; }
.govsim .topbar-title { font-size: 21px; font-weight: bold; color: white; }
.govsim .topbar .v-btn.nav { color: white !important; font-size: 18px !important;
                             min-height: 40px; }
.govsim .topbar .v-btn.nav-active { border-bottom: 4px solid white; border-radius: 0; }
.govsim .v-btn { font-size: 17px !important; text-transform: none !important;
                 letter-spacing: 0 !important; min-height: 40px; }
.govsim .v-label, .govsim .v-select__selection, .govsim input { font-size: 17px !important;
                                                                 color: #1a1a1a !important; }
.govsim h1 { font-size: 30px; margin: 4px 0 8px 0; }
.govsim h2 { font-size: 21px; margin: 4px 0; font-weight: bold; }
.govsim h3 { font-size: 19px; margin: 6px 0 2px 0; }
.govsim .caption-text { font-size: 17px; color: #333; margin: 0 0 10px 6px; }
.govsim .help-text { font-size: 16px; color: #3d3d3d; margin: 0 0 6px 0; }
.govsim .model-title { font-size: 21px; margin: 2px 0 0 0; }
.govsim .model-desc { font-size: 17px; color: #333; display: block; margin: 2px 0; }
.govsim .month-big { font-size: 26px; font-weight: bold; margin-left: 6px; }
.govsim .notice { font-size: 18px; }
.govsim .sticky-bar { position: sticky; top: 0; z-index: 20; background: #ffffff;
                      padding: 4px 14px 2px 14px; border-bottom: 2px solid #c8d0d8; }
.govsim .page-body { padding: 6px 14px; }
.govsim .events { margin-top: 4px; }
.govsim .events-label, .govsim .speed-label { font-size: 17px; font-weight: bold; }
.govsim .speed-delivered { font-size: 16px; color: #333; min-width: 96px; }
.govsim .shortcut-keys { font-size: 16px; color: #333; margin-left: 8px; }
.govsim .event-btn.event-bad { color: #8a1c1c !important; border-color: #8a1c1c !important; }
.govsim .event-btn.event-good { color: #1d5e2c !important; border-color: #1d5e2c !important; }
.govsim .v-btn.v-btn--disabled { color: #4d4d4d !important; background: #ececec !important; }
.govsim .pending { background: #fff3cd; border: 2px solid #8a6d00; border-radius: 6px;
                   padding: 0 8px; margin-top: 4px; }
.govsim .pending-text { font-size: 17px; font-weight: bold; }
.govsim .undo { color: #5c4500 !important; }
.govsim table.headline { border-collapse: collapse; width: 100%; font-size: 17px;
                         margin: 2px 0 4px 0; }
.govsim table.headline caption { text-align: left; font-weight: bold; font-size: 17px; }
.govsim table.headline th, .govsim table.headline td { padding: 1px 10px;
                         border-bottom: 1px solid #d0d7de; text-align: center; }
.govsim table.headline th[scope=row] { text-align: left; white-space: nowrap; font-size: 18px; }
.govsim table.headline thead th { font-size: 16px; font-weight: 600; color: #333; }
.govsim table.headline .stat-value { font-size: 26px; font-weight: bold; }
.govsim table.headline .diff { font-size: 20px; font-weight: bold; }
.govsim .swatch { display: inline-block; width: 14px; height: 14px; margin-right: 6px;
                  border-radius: 2px; }
.govsim .election-box { border: 2px solid #5a2d82; border-radius: 8px; padding: 4px 12px;
                        margin: 4px 0; background: #f6f1fb; }
.govsim .election-result { font-size: 18px; display: block; }
.govsim .election-title { font-size: 19px; margin: 0; }
.govsim .speed-choice .v-btn { min-width: 40px !important; padding: 0 10px !important; }
.govsim .controls .v-btn { padding: 0 12px !important; }
.govsim .side-0 { border-top: 6px solid SIDE0; padding-top: 2px; }
.govsim .side-1 { border-top: 6px solid SIDE1; padding-top: 2px; }
.govsim .charts-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 12px; }
.govsim .charts-grid .picture svg { height: calc((100vh - 200px) / 3); width: 100%; }
.govsim .settings-panel { border: 2px solid #c8d0d8; border-radius: 8px; padding: 6px 12px;
                          margin-bottom: 8px; background: #fafbfc; }
.govsim .native-select { display: flex; flex-direction: column; margin: 4px 0; }
.govsim .native-select-label { font-size: 17px; font-weight: 500; }
.govsim .native-select-input { font-size: 17px; border: 2px solid #6b6b6b; border-radius: 4px;
                               padding: 4px 6px; background: white; color: #1a1a1a;
                               -webkit-appearance: menulist; appearance: auto; }
.govsim .downloads { margin-top: 12px; }
.govsim .download-label { font-size: 16px; margin-left: 10px; }
.govsim table.params { border-collapse: collapse; font-size: 17px; }
.govsim table.params caption { text-align: left; font-weight: bold; }
.govsim table.params td, .govsim table.params th { padding: 2px 12px 2px 0;
                          border-bottom: 1px solid #ddd; text-align: left; }
.govsim .setting-label { font-size: 17px; font-weight: 500; margin-top: 6px; }
.govsim .v-card__text, .govsim .scenario-card { font-size: 17px; }
.govsim .v-card__title { font-size: 21px; }
.govsim .mono { font-family: monospace; font-size: 15px; white-space: pre-wrap; }
.govsim .prose { max-width: 60em; font-size: 19px; }
.govsim .prose li { margin-bottom: 4px; }
.govsim .lesson-step { border-left: 6px solid #25476a; padding: 4px 14px; margin: 8px 0;
                       background: #f4f7fa; }
.govsim .v-slider__thumb-container, .govsim .v-btn, .govsim a, .govsim input,
.govsim [tabindex] { outline-offset: 2px; }
.govsim *:focus-visible { outline: 3px solid #0b5cad !important; outline-offset: 2px; }
.govsim .topbar *:focus-visible { outline: 3px solid #ffffff !important; outline-offset: -3px; }
.govsim .v-btn:focus-visible::before { opacity: 0.12 !important; }
""".replace("SIDE0", SIDE_COLOURS[0]).replace("SIDE1", SIDE_COLOURS[1])
    + f"""
.govsim .swatch-0 {{ background: {SIDE_COLOURS[0]}; }}
.govsim .swatch-1 {{ background: {SIDE_COLOURS[1]}; }}
"""
)
