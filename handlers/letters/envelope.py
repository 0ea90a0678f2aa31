"""A letter as the outbox carries it: a card whose facts say where the e-mail goes.

The card is the whole e-mail (subject as title, the body, recipient, language, Message-ID),
so the outbox row needs nothing else, and erasing a person scrubs the address out of it like
out of any other card. The e-mail sender reads it back with `read_envelope`.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core.types import Card, Fact

TO = "To"
NAME = "Name"
LANGUAGE = "Language"
MESSAGE_ID = "Message-ID"


@dataclass(frozen=True)
class Envelope:
    address: str
    name: str | None
    subject: str
    body: str
    language: str
    message_id: str


def envelope_card(envelope: Envelope) -> Card:
    facts = [Fact(TO, envelope.address), Fact(LANGUAGE, envelope.language),
             Fact(MESSAGE_ID, envelope.message_id)]
    if envelope.name:
        facts.insert(1, Fact(NAME, envelope.name))
    return Card(title=envelope.subject, text=(envelope.body,), facts=tuple(facts))


def read_envelope(card: Card) -> Envelope:
    """The e-mail a letter card stands for; ValueError when a part is missing."""
    facts = {fact.label: fact.value for fact in card.facts}
    missing = [label for label in (TO, LANGUAGE, MESSAGE_ID) if not facts.get(label)]
    if missing or not card.text:
        raise ValueError("the letter card lacks " + ", ".join(missing or ["its body"]))
    return Envelope(address=facts[TO], name=facts.get(NAME), subject=card.title,
                    body=card.text[0], language=facts[LANGUAGE], message_id=facts[MESSAGE_ID])
