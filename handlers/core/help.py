"""`help`: what you may do here, or one command's usage."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import ANYONE, registry
from handlers.core.types import Card, Fact, Outcome


@registry.command("help", usage="help [command]", summary="what you may do here", roles=ANYONE)
def help_command(ctx: Context, args: Args) -> Outcome:
    actor = ctx.actor
    if args.positional:
        command, _ = registry.lookup(args.positional)
        if command is None:
            raise CommandError(f"There is no command `{' '.join(args.positional)}`.")
        usage = (Fact("Usage", command.usage), Fact("Who", _who(command.roles)))
        return Outcome(Card(title=f"help {command.verb}", text=(command.summary,), facts=usage))
    allowed = [c for c in registry.all() if not c.roles or actor.has(*c.roles)]
    if not actor.known:
        text = ("You are not registered with S3 Desk yet: ask the secretariat for a role.",)
        return Outcome(Card(title="S3 Desk", text=text, context=("Try `help` again afterwards.",)))
    facts = tuple(Fact(c.usage, c.summary) for c in allowed)
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
