"""Applications as cases: intake, the case card, listing, showing, editing, import and export."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.cases import (
        card_base,  # noqa: F401  (adds its part to the shared case card)
        edit,
        intake,
        listing,
        show,
        status_moves,
    )

    for module in (intake, listing, show, edit, status_moves):
        registry.include(module.commands, group="cases")
