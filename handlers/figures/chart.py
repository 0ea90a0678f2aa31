"""The `stats chart` picture: applications per cut-off by stage, and assignments by topic.

Drawn on a bare Agg canvas (no pyplot, no global backend), so it is safe in any thread and
needs no display. Imported only when a chart is asked for: matplotlib takes a while to load.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from handlers.figures.queries import Figures

# Stages of the pipeline, in the order the bars stack.
STAGES: tuple[tuple[str, frozenset[str]], ...] = (
    ("intake", frozenset({"received", "screening", "eligible"})),
    ("evaluation", frozenset({"in_evaluation", "scored"})),
    ("approved", frozenset({"approved", "expert_matching", "co_design", "in_delivery",
                            "completed"})),
    ("reserve", frozenset({"reserve"})),
    ("not approved", frozenset({"rejected", "ineligible"})),
    ("withdrawn", frozenset({"withdrawn"})),
)


def stage_of(status: str) -> str:
    return next((name for name, members in STAGES if status in members), "other")


def render_chart(figures: Figures, *, latest: int = 8) -> bytes:
    counts: dict[str, dict[str, int]] = {}
    for date, status, n in figures.per_cutoff:
        stage = counts.setdefault(date.isoformat(), {})
        stage[stage_of(status)] = stage.get(stage_of(status), 0) + n
    dates = sorted(counts)[-latest:]
    figure = Figure(figsize=(9, 4), dpi=100)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    bottoms = [0] * len(dates)
    for name, _ in STAGES:
        heights = [counts[d].get(name, 0) for d in dates]
        if any(heights):
            left.bar(dates, heights, bottom=bottoms, label=name)
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    left.set_title("Applications per cut-off")
    left.tick_params(axis="x", labelrotation=30, labelsize=8)
    if dates:
        left.legend(fontsize=7)
    topics = figures.by_topic[:8]
    right.barh([t for t, _ in topics], [n for _, n in topics], color="#4a7")
    right.set_title("Assignments by topic")
    right.invert_yaxis()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
