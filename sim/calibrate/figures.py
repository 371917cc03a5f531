"""Figures of a calibration (PNG, matplotlib without a display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .posterior import parameter_columns  # noqa: E402

__all__ = ["SERIES_LABELS", "posterior_png", "predictive_png"]

SERIES_LABELS = {
    "scottish_sa_trust_uk_govt": "Scottish Social Attitudes: trust UK Government",
    "bsa_trust_govt_nation_above_party": "British Social Attitudes: nation above party",
    "oecd_trust_national_govt_uk": "OECD: trust in national government",
    "oecd_trust_local_govt_uk": "OECD: trust in local government",
    "uk_general_election_turnout": "General-election turnout",
}


def predictive_png(bands: pd.DataFrame, points: pd.DataFrame, path: Path) -> Path:
    """One panel per series: the 90% predictive band, its median, fitted and held-out data."""
    series = list(dict.fromkeys(points["series"]))
    n = len(series)
    cols = min(2, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 3.4 * rows), squeeze=False)
    for ax, name in zip(axes.flat, series, strict=False):
        b = bands[bands["series"] == name].sort_values("year")
        p = points[points["series"] == name]
        ax.fill_between(b["year"], b["q05"], b["q95"], color="#0b5cad", alpha=0.18, lw=0,
                        label="90% predictive band")  # fmt: skip
        ax.plot(b["year"], b["q50"], color="#0b5cad", lw=1.6, label="median")
        fit = p[p["role"] == "fitted"]
        held = p[p["role"] == "held-out"]
        ax.plot(fit["year"], fit["observed"], "o", color="#1f2328", label="data (fitted)")
        if len(held):
            ax.plot(held["year"], held["observed"], "o", mfc="white", mec="#b4232c", mew=1.6,
                    label="data (held out)")  # fmt: skip
        stat = p["statistic"].iloc[0]
        ax.set_ylabel("points" + (" since first year" if stat == "change" else " (%)"))
        e = fit["error"].to_numpy()
        title = SERIES_LABELS.get(name, name)
        if len(e):
            title += (
                f"\nRMSE {np.sqrt(np.mean(e**2)):.1f} points; "
                f"{fit['inside'].mean():.0%} of fitted points in band"
            )
        ax.set_title(title, fontsize=9.5, loc="left")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat[1:n]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.tight_layout(rect=(0, 0.07 / rows, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncols=len(labels), fontsize=8, frameon=False)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def posterior_png(frame: pd.DataFrame, priors: dict[str, tuple[float, float]], path: Path) -> Path:
    """Weighted posterior histograms per parameter (a colour per model), on the prior range."""
    cols = parameter_columns(frame)
    fig, axes = plt.subplots(1, len(cols), figsize=(3.6 * len(cols), 2.9), squeeze=False)
    models = list(dict.fromkeys(frame["model"]))
    for ax, c in zip(axes.flat, cols, strict=False):
        lo, hi = priors.get(c, (frame[c].min(), frame[c].max()))
        bins = np.linspace(lo, hi, 16)
        for m in models:
            sub = frame[(frame["model"] == m) & frame[c].notna()]
            if len(sub):
                ax.hist(sub[c], bins=bins, weights=sub["weight"], alpha=0.55, label=m)
        ax.set_title(c.rsplit(".", 2)[-2] + "." + c.rsplit(".", 1)[-1], fontsize=9)
        ax.set_xlim(lo, hi)
        ax.set_yticks([])
    if len(models) > 1:
        axes.flat[0].legend(fontsize=7)
    fig.suptitle("Posterior (weighted); the x axis spans the prior", fontsize=9.5)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
