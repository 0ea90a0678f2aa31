"""`help`: what you may do here, grouped by the part of the programme, or one command's usage."""

from __future__ import annotations

from itertools import groupby

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import ANYONE, Command, Commands
from handlers.core.types import Card, Fact, Outcome

commands = Commands()

# How each feature package is called in `help` and the command reference, in reading order.
GROUP_TITLES = {
    "core": "Getting around",
    "cases": "Cases",
    "cutoffs": "Cut-offs",
    "evaluation": "Screening and evaluation",
    "decisions": "Decisions and letters",
    "experts": "Experts",
    "delivery": "Delivery",
    "reminders": "Reminders and messages",
    "places": "Places",
    "people": "People",
    "figures": "Figures",
    "privacy": "Personal data",
}


def by_group(listed: list[Command]) -> list[tuple[str, list[Command]]]:
    """Commands grouped by package, groups in reading order, commands by verb."""
    order = list(GROUP_TITLES)

    def rank(command: Command) -> tuple[int, str]:
        group = command.group
        return (order.index(group) if group in order else len(order), group)

    ranked = sorted(listed, key=lambda c: (rank(c), c.verb))
    return [(GROUP_TITLES.get(group, group.title()), list(members))
            for (_, group), members in groupby(ranked, key=rank)]


@commands.command("help", usage="help [command]", summary="what you may do here", roles=ANYONE)
def help_command(ctx: Context, args: Args) -> Outcome:
    actor = ctx.actor
    registry = ctx.registry
    if args.positional:
        command, _ = registry.lookup(args.positional)
        if command is None:
            raise CommandError(f"There is no command `{' '.join(args.positional)}`.")
        usage = (Fact("Usage", command.usage), Fact("Who", _who(command.roles)))
        return Outcome(Card(title=f"help {command.verb}", text=(command.summary,), facts=usage))
    if not actor.known:
        text = ("You are not registered with S3 Desk yet: ask the secretariat for a role.",)
        return Outcome(Card(title="S3 Desk", text=text, context=("Try `help` again afterwards.",)))
    allowed = [c for c in registry.all() if not c.roles or actor.has(*c.roles)]
    facts = tuple(Fact(c.usage, f"{title}: {c.summary}")
                  for title, members in by_group(allowed) for c in members)
    roles = ", ".join(sorted(actor.roles))
    return Outcome(
        Card(
            title="S3 Desk: what you may do",
            facts=facts,
            context=(f"You are {actor.display_name or actor.user_id} ({roles}).",
                     "`help COMMAND` for one command."),
        )
    )


def _who(roles: frozenset[str]) -> str:
    return ", ".join(sorted(roles)) if roles else "anyone"
