"""Acts have aliases, as actors and places do: the names reports give an act ("mortar fire",
"artillery"), by which the intake assistant finds it.

On a large log: ADD COLUMN with a constant default is a catalogue change (no table rewrite); it
takes act's ACCESS EXCLUSIVE lock for a moment, and act holds a handful of rows.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE act ADD COLUMN aliases text[] NOT NULL DEFAULT '{}'")


def downgrade() -> None:
    op.execute("ALTER TABLE act DROP COLUMN aliases")
