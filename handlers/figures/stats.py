"""`stats`: the pipeline in figures; `stats chart` adds a PNG chart of it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from handlers.core.context import Context
from handlers.core.parse import Args
from handlers.core.registry import READERS, Commands
from handlers.core.types import Card, Fact, Outcome, Table
from handlers.figures.queries import Figures, pipeline_figures

commands = Commands()

SHOWN_CUTOFFS = 12  # the latest ones; older cut-offs stay in the export


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({round(100 * part / whole)}%)" if whole else "none yet"


def _days(value: float | None, count: int, what: str) -> str:
    if value is None:
        return "none yet"
    return f"{value:.1f} days on average ({count} {what})"


def stats_card(figures: Figures) -> Card:
    cutoffs: dict[dt.date, dict[str, int]] = {}
    for date, status, n in figures.per_cutoff:
        cutoffs.setdefault(date, {})[status] = n
    latest = sorted(cutoffs)[-SHOWN_CUTOFFS:]
    rows = tuple(
        (date.isoformat(), str(sum(cutoffs[date].values())),
         ", ".join(f"{status} {n}" for status, n in sorted(cutoffs[date].items())))
        for date in latest
    )
    facts = (
        Fact("Applications", str(figures.applications)),
        Fact("Approval rate", _share(figures.approved, figures.decided) + " decided"
             if figures.decided else "no decision yet"),
        Fact("Priority regions", f"{_share(figures.priority, figures.applications)} "
             f"applications; {_share(figures.approved_priority, figures.approved)} approved"),
        Fact("Cut-off to decision", _days(figures.days_to_decision, figures.decided,
                                          "decisions")),
        Fact("Cut-off to applicant informed", _days(figures.days_to_informed, figures.informed,
                                                    "applicants")),
    )
    text = []
    if figures.by_topic:
        text.append("Assignments by topic: " + ", ".join(f"{k} {n}" for k, n in figures.by_topic))
        text.append("Assignments by country: "
                    + ", ".join(f"{k} {n}" for k, n in figures.by_country))
    else:
        text.append("No assignment yet.")
    context = ["Priority: less developed (confirmed) or a declared specific challenge. "
               "Approval rate: approvals over approve, reject and reserve decisions."]
    if len(cutoffs) > SHOWN_CUTOFFS:
        context.append(f"The latest {SHOWN_CUTOFFS} of {len(cutoffs)} cut-offs are shown.")
    return Card(
        title="S3 Desk in figures",
        facts=facts,
        table=Table(("Cut-off", "Applications", "By status"), rows) if rows else None,
        text=tuple(text),
        context=tuple(context),
    )


@commands.command("stats", usage="stats", summary="the pipeline in figures",
                  roles=READERS)
def stats(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=0)
    return Outcome(stats_card(pipeline_figures(ctx.session)))


STATS_CHART = "stats"


def draw_chart(session: Session, name: str) -> bytes | None:
    """The chart a card names, drawn from the store now; None for a name we do not know."""
    if name != STATS_CHART:
        return None
    from handlers.figures.chart import render_chart  # matplotlib loads only when asked

    return render_chart(pipeline_figures(session))


@commands.command("stats chart", usage="stats chart", summary="the figures with a chart",
                  roles=READERS)
def stats_chart(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=0)
    from handlers.figures.chart import render_chart  # matplotlib loads only when asked

    figures = pipeline_figures(ctx.session)
    card = stats_card(figures)
    return Outcome(Card(title=card.title, facts=card.facts, table=card.table, text=card.text,
                        context=card.context, image_png=render_chart(figures),
                        chart=STATS_CHART))
