"""Whose name, email and country a merged person keeps, and saying so.

Joining two accounts that each had a person keeps the details of the person the account
is joined to, unless told to take the other's. A blank detail, or a name that is only an
account id, is filled from the other person. Every difference is reported, never silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.models import Person

# (attribute, word used in the report)
DETAILS = (("name", "name"), ("email", "email"), ("country_code", "country"))


@dataclass
class Reconciled:
    lines: list[str] = field(default_factory=list)
    before: dict[str, str | None] = field(default_factory=dict)
    after: dict[str, str | None] = field(default_factory=dict)


def _is_placeholder(person: Person, account_ids: set[str]) -> bool:
    """A name nobody gave: the account id it was created from."""
    return person.name in account_ids


def reconcile(target: Person, source: Person, *, target_ids: set[str], source_ids: set[str],
              other: str, prefer_other: bool) -> Reconciled:
    """Settle `target`'s details before `source` (known as `other`, e.g. `console:lauri`)
    is merged into it; what was kept or taken, in words."""
    done = Reconciled()
    for attribute, word in DETAILS:
        kept, offered = getattr(target, attribute), getattr(source, attribute)
        if offered is None or offered == kept:
            continue
        if attribute == "name" and _is_placeholder(source, source_ids):
            continue
        done.before[word] = kept
        blank = kept is None or (attribute == "name" and _is_placeholder(target, target_ids))
        if blank or prefer_other:
            setattr(target, attribute, offered)
            done.after[word] = offered
            said = "none was recorded" if kept is None else f"in place of {kept}"
            done.lines.append(f"{word} {offered} taken from {other} ({said})")
        else:
            done.after[word] = kept
            done.lines.append(f"kept the {word} {kept}; {other} had {offered}")
    return done
