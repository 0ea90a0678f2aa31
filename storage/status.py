"""An application's life as data: the states and the moves allowed between them."""

from __future__ import annotations

STATUSES: tuple[str, ...] = (
    "received", "screening", "eligible", "ineligible", "in_evaluation", "scored",
    "approved", "rejected", "reserve", "expert_matching", "co_design", "in_delivery",
    "completed", "withdrawn",
)

# Decided or finished: a case in one of these states cannot be withdrawn.
DECIDED = frozenset({"ineligible", "approved", "rejected", "reserve", "expert_matching",
                     "co_design", "in_delivery", "completed"})
FINAL = frozenset({"ineligible", "rejected", "completed", "withdrawn"})

_FORWARD: dict[str, frozenset[str]] = {
    "received": frozenset({"screening", "eligible", "ineligible"}),
    "screening": frozenset({"eligible", "ineligible"}),
    "eligible": frozenset({"in_evaluation"}),
    "in_evaluation": frozenset({"scored"}),
    "scored": frozenset({"approved", "rejected", "reserve", "in_evaluation"}),
    "reserve": frozenset({"approved", "rejected"}),
    "approved": frozenset({"expert_matching", "co_design"}),
    "expert_matching": frozenset({"co_design"}),
    "co_design": frozenset({"in_delivery"}),
    "in_delivery": frozenset({"completed"}),
}

TRANSITIONS: dict[str, frozenset[str]] = {
    state: _FORWARD.get(state, frozenset()) | (
        frozenset({"withdrawn"}) if state not in DECIDED and state != "withdrawn" else frozenset()
    )
    for state in STATUSES
}


# The moves `status` may make by itself: they carry no obligation (no record, letter, panel
# or expert goes with them). Every other move belongs to the command that keeps what it
# needs: screening, the cut-off's close, scoring, decisions, the expert, milestones.
PLAIN_MOVES: frozenset[tuple[str, str]] = frozenset(
    {("received", "screening"), ("approved", "expert_matching")}
    | {(state, "withdrawn") for state in STATUSES if "withdrawn" in TRANSITIONS[state]}
)


def plain_moves(current: str) -> tuple[str, ...]:
    """The states `status` may move a case in `current` to, sorted."""
    return tuple(sorted(wanted for state, wanted in PLAIN_MOVES if state == current))


class IllegalTransition(ValueError):
    def __init__(self, current: str, wanted: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none: the case is closed"
        super().__init__(f"a case in `{current}` cannot move to `{wanted}` (allowed: {allowed})")
        self.current = current
        self.wanted = wanted


def check_transition(current: str, wanted: str) -> None:
    if wanted not in STATUSES:
        raise ValueError(f"unknown status `{wanted}`; known: {', '.join(STATUSES)}")
    if wanted not in TRANSITIONS[current]:
        raise IllegalTransition(current, wanted)
