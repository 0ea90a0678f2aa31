"""`template OUTCOME` shows an applicant letter template, `template set` overrides it (checked
by rendering it), `template reset` goes back to the built-in one."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Card, Fact, Outcome, Table
from handlers.decisions.letters import (
    FACT_NAMES,
    LETTER_OUTCOMES,
    LetterError,
    render,
    sample_facts,
    source_for,
)
from storage.models import NotificationTemplate

commands = Commands()


def _outcome(args: Args) -> str:
    outcome = (args.first() or "").lower()
    if outcome not in LETTER_OUTCOMES:
        raise CommandError(f"name the outcome: {', '.join(LETTER_OUTCOMES)}")
    return outcome


@commands.command("template", usage="template [OUTCOME]",
                  summary="the applicant letter template of an outcome", roles=SECRETARIAT)
def show_template(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    if not args.positional:
        rows = []
        for outcome in LETTER_OUTCOMES:
            source = source_for(ctx.session, outcome)
            rows.append((outcome, "changed" if source.override else "built in",
                         source.subject))
        return Outcome(Card(title="Applicant letter templates",
                            table=Table(("outcome", "template", "subject"), tuple(rows)),
                            context=("`template OUTCOME` shows one.",)))
    outcome = _outcome(args)
    source = source_for(ctx.session, outcome)
    subject, body = render(source.subject, source.body, sample_facts(outcome))
    origin = "built in" if source.override is None else \
        f"changed on {source.override.updated_at:%Y-%m-%d}"
    return Outcome(Card(
        title=f"Letter template: {outcome} ({origin})",
        facts=(Fact("Subject", source.subject),),
        text=(source.body, "Example:", subject, body),
        context=("Facts: " + ", ".join("{{ " + n + " }}" for n in FACT_NAMES),
                 'Change it with `template set OUTCOME subject:"..." body:"..."` '
                 "(write \\n for a new line)."),
    ))


@commands.command("template set", usage='template set OUTCOME subject:"..." body:"..."',
                  summary="override an applicant letter template", roles=SECRETARIAT,
                  writes=True)
def set_template(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"subject", "body"}, max_positional=1)
    outcome = _outcome(args)
    if not args.options:
        raise CommandError('give subject:"..." and/or body:"..."')
    current = source_for(ctx.session, outcome)
    # chat commands are one line: `\n` stands for a line break
    subject = args.options.get("subject", current.subject).replace("\\n", "\n")
    body = args.options.get("body", current.body).replace("\\n", "\n")
    try:
        render(subject, body, sample_facts(outcome))
    except LetterError as exc:
        raise CommandError(str(exc)) from None
    row = current.override
    before = None if row is None else {"subject": row.subject, "body": row.body}
    if row is None:
        ctx.session.add(NotificationTemplate(outcome=outcome, subject=subject, body=body,
                                             updated_at=ctx.now))
    else:
        row.subject, row.body, row.updated_at = subject, body, ctx.now
    ctx.audit("template", outcome, "set", before, {"subject": subject, "body": body})
    return Outcome(Card(title=f"Letter template for {outcome} changed",
                        facts=(Fact("Subject", subject),), text=(body,), tone="success",
                        context=("Letters already drafted keep their text.",)))


@commands.command("template reset", usage="template reset OUTCOME",
                  summary="go back to the built-in letter template", roles=SECRETARIAT,
                  writes=True)
def reset_template(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    outcome = _outcome(args)
    row = ctx.session.get(NotificationTemplate, outcome)
    if row is None:
        raise CommandError(f"the {outcome} template is already the built-in one",
                           show_usage=False)
    ctx.audit("template", outcome, "reset", {"subject": row.subject, "body": row.body}, None)
    ctx.session.delete(row)
    return Outcome(Card(title=f"Letter template for {outcome} reset to the built-in one",
                        tone="success"))
