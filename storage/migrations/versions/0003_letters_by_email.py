"""letters by e-mail: the applicant's language, letters, templates per language

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=False,
                                      server_default="en"))
    with op.batch_alter_table("notification_templates", schema=None,
                              recreate="always") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=False,
                                      server_default="en"))
        batch_op.drop_constraint("pk_notification_templates", type_="primary")
        batch_op.create_primary_key("pk_notification_templates", ["outcome", "language"])
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("drafted_at", storage.models.base.AwareDateTime(timezone=True),
                  nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("outbox_key", sa.String(length=300), nullable=True),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("sent_at", storage.models.base.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_letters_application_id_applications"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
        sa.UniqueConstraint("application_id", "kind", "revision",
                            name=op.f("uq_letters_application_id_kind_revision")),
        sa.UniqueConstraint("message_id", name=op.f("uq_letters_message_id")),
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letters_application_id"), ["application_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_letters_outbox_key"), ["outbox_key"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letters_outbox_key"))
        batch_op.drop_index(batch_op.f("ix_letters_application_id"))
    op.drop_table("letters")
    op.execute("DELETE FROM notification_templates WHERE language <> 'en'")
    with op.batch_alter_table("notification_templates", schema=None,
                              recreate="always") as batch_op:
        batch_op.drop_constraint("pk_notification_templates", type_="primary")
        batch_op.create_primary_key("pk_notification_templates", ["outcome"])
        batch_op.drop_column("language")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("language")
