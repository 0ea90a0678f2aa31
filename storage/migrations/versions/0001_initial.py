"""initial schema (the tables by concept in `initial/`)

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 14:08:46.721877
"""

from collections.abc import Sequence

from storage.migrations.versions.initial import (
    cases,
    decisions,
    delivery,
    evaluation,
    messaging,
    people,
    records,
)

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# in an order the foreign keys allow
CONCEPTS = (records, people, cases, evaluation, decisions, delivery, messaging)


def upgrade() -> None:
    for concept in CONCEPTS:
        concept.create()


def downgrade() -> None:
    for concept in reversed(CONCEPTS):
        concept.drop()
