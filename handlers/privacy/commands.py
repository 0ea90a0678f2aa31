"""Personal data on request: `person export EMAIL`, `person erase EMAIL`, `privacy purge`."""

from __future__ import annotations

import json
from collections import Counter

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Card, Fact, Outcome
from handlers.experts.fields import FieldError, read_email
from handlers.privacy.erasure import erase_person, purge_contact_data
from handlers.privacy.export import export_person

commands = Commands()

# Platforms cap one block of text (Slack: 3,000 characters); the JSON is cut at line ends.
CHUNK_CHARS = 2_800


def _address(ctx: Context, args: Args) -> str:
    args.expect(max_positional=1)
    if not args.positional:
        raise CommandError("Give the person's email address.")
    try:
        return read_email(ctx.session, args.positional[0])
    except FieldError as exc:
        raise CommandError(str(exc)) from None


def json_chunks(data: object) -> tuple[str, ...]:
    """Pretty JSON split at line ends; joined with newlines it parses again."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in json.dumps(data, ensure_ascii=False, indent=1, default=str).splitlines():
        if current and size + len(line) + 1 > CHUNK_CHARS:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    chunks.append("\n".join(current))
    return tuple(chunks)


@commands.command("person export", usage="person export EMAIL",
                  summary="everything held about one person, as JSON", roles=SECRETARIAT)
def person_export(ctx: Context, args: Args) -> Outcome:
    data = export_person(ctx.session, _address(ctx, args))
    held = sum(len(data[k]) for k in ("applications", "experts", "people"))
    return Outcome(Card(
        title="Personal data export",
        text=json_chunks(data),
        context=("Nothing is held as contact, expert or person under this address."
                 if not held else "Machine-readable JSON; hand it over as a file.",),
    ))


def _counts_facts(counts: Counter[str]) -> tuple[Fact, ...]:
    own = ("applications", "experts", "people", "messages_edited")
    labels = {"applications": "Applications", "experts": "Expert records",
              "people": "People", "messages_edited": "Posted messages to edit"}
    facts = [Fact(labels[k], str(counts[k])) for k in own if k in counts]
    other = sum(n for k, n in counts.items() if k.startswith("scrubbed:"))
    facts.append(Fact("Other rows scrubbed", str(other)))
    if "remaining" in counts:
        facts.append(Fact("Left for the next run", str(counts["remaining"])))
    return tuple(facts)


@commands.command("person erase", usage="person erase EMAIL",
                  summary="erase one person's contact data everywhere", roles=SECRETARIAT,
                  writes=True)
def person_erase(ctx: Context, args: Args) -> Outcome:
    counts = erase_person(ctx.session, _address(ctx, args), ctx.now)
    found = counts["applications"] + counts["experts"] + counts["people"]
    # the audit row and this reply (kept for replays) say how much, never whose
    ctx.audit("privacy", "erase", "erase", None, dict(counts))
    return Outcome(Card(
        title="Contact data erased" if found else "Nothing held under that address",
        facts=_counts_facts(counts),
        context=("The audit log keeps its rows with person ids only.",),
        tone="success" if found else "info",
    ))


@commands.command("privacy purge", usage="privacy purge",
                  summary="erase contact data of closed cases past the retention period",
                  roles=SECRETARIAT, writes=True)
def privacy_purge(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=0)
    counts = purge_contact_data(ctx.session, ctx.now, ctx.config, actor_id=ctx.actor.person_id,
                                source=ctx.source)
    return Outcome(Card(
        title="Retention purge",
        facts=_counts_facts(counts),
        context=(f"Closed cases unchanged for {ctx.config.retention_days} days lose their "
                 "contact data.",),
        tone="success" if counts["applications"] else "info",
    ))
