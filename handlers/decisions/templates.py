"""`template NAME [language:xx]` shows an applicant letter template, `template set` overrides
it for one language (checked by rendering it), `template reset` goes back to the built-in one.
A language without a template of its own is written to in English."""

from __future__ import annotations

from sqlalchemy import select

from handlers.cases.intake_fields import FieldProblem, check_language
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Card, Fact, Outcome, Table
from handlers.decisions.letters import (
    TEMPLATE_NAMES,
    LetterError,
    builtin,
    builtin_languages,
    facts_of,
    render,
    sample_facts,
    source_for,
)
from storage.languages import DEFAULT_LANGUAGE, language_name
from storage.models import NotificationTemplate

commands = Commands()


def _name(args: Args) -> str:
    name = (args.first() or "").lower()
    if name not in TEMPLATE_NAMES:
        raise CommandError(f"name the letter: {', '.join(TEMPLATE_NAMES)}")
    return name


def _language(args: Args) -> str:
    try:
        return check_language(args.options.get("language"))
    except FieldProblem as problem:
        raise CommandError(f"language: {problem}") from None


def _listing(ctx: Context) -> Outcome:
    overrides = {(row.outcome, row.language): row
                 for row in ctx.session.scalars(select(NotificationTemplate))}
    languages = list(dict.fromkeys([*builtin_languages(), *sorted(lang for _, lang
                                                                  in overrides)]))
    rows = []
    for name in TEMPLATE_NAMES:
        for language in languages:
            if (name, language) not in overrides and builtin(name, language) is None:
                continue
            source = source_for(ctx.session, name, language)
            rows.append((name, language, "changed" if source.override else "built in",
                         source.subject))
    return Outcome(Card(title="Applicant letter templates",
                        table=Table(("letter", "language", "template", "subject"), tuple(rows)),
                        context=("`template NAME [language:xx]` shows one; an applicant whose "
                                 "language has none is written to in English.",)))


@commands.command("template", usage="template [NAME] [language:xx]",
                  summary="an applicant letter template, in one language", roles=SECRETARIAT)
def show_template(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"language"}, max_positional=1)
    if not args.positional:
        return _listing(ctx)
    name, language = _name(args), _language(args)
    source = source_for(ctx.session, name, language)
    subject, body = render(source.subject, source.body, sample_facts(name, source.language))
    origin = "built in" if source.override is None else \
        f"changed on {source.override.updated_at:%Y-%m-%d}"
    context = ["Facts: " + ", ".join("{{ " + n + " }}" for n in facts_of(name)),
               'Change it with `template set NAME [language:xx] subject:"..." body:"..."` '
               "(write \\n for a new line)."]
    if source.language != language:
        context.insert(0, f"No {language_name(language)} template: letters to applicants "
                          "writing in it use this English one.")
    return Outcome(Card(
        title=f"Letter template: {name}, {language_name(source.language)} ({origin})",
        facts=(Fact("Subject", source.subject),),
        text=(source.body, "Example:", subject, body), context=tuple(context),
    ))


@commands.command("template set",
                  usage='template set NAME [language:xx] subject:"..." body:"..."',
                  summary="override an applicant letter template", roles=SECRETARIAT,
                  writes=True)
def set_template(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"subject", "body", "language"}, max_positional=1)
    name, language = _name(args), _language(args)
    if not {"subject", "body"} & set(args.options):
        raise CommandError('give subject:"..." and/or body:"..."')
    row = ctx.session.get(NotificationTemplate, (name, language))
    current = source_for(ctx.session, name, language)
    # chat commands are one line: `\n` stands for a line break
    subject = args.options.get("subject", current.subject).replace("\\n", "\n")
    body = args.options.get("body", current.body).replace("\\n", "\n")
    try:
        render(subject, body, sample_facts(name, language))
    except LetterError as exc:
        raise CommandError(str(exc)) from None
    before = None if row is None else {"subject": row.subject, "body": row.body}
    if row is None:
        ctx.session.add(NotificationTemplate(outcome=name, language=language, subject=subject,
                                             body=body, updated_at=ctx.now))
    else:
        row.subject, row.body, row.updated_at = subject, body, ctx.now
    ctx.audit("template", _audit_id(name, language), "set", before,
              {"subject": subject, "body": body})
    return Outcome(Card(title=f"Letter template for {name} ({language_name(language)}) changed",
                        facts=(Fact("Subject", subject),), text=(body,), tone="success",
                        context=("Letters already drafted keep their text.",)))


@commands.command("template reset", usage="template reset NAME [language:xx]",
                  summary="go back to the built-in letter template", roles=SECRETARIAT,
                  writes=True)
def reset_template(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"language"}, max_positional=1)
    name, language = _name(args), _language(args)
    row = ctx.session.get(NotificationTemplate, (name, language))
    if row is None:
        raise CommandError(f"the {name} template in {language_name(language)} is not changed",
                           show_usage=False)
    ctx.audit("template", _audit_id(name, language), "reset",
              {"subject": row.subject, "body": row.body}, None)
    ctx.session.delete(row)
    return Outcome(Card(title=f"Letter template for {name} ({language_name(language)}) reset",
                        tone="success"))


def _audit_id(name: str, language: str) -> str:
    return name if language == DEFAULT_LANGUAGE else f"{name}:{language}"
