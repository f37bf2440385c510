"""A place has a shape: a point (a village, a checkpoint), an area (a district, a region, a
country) or a line (a line of control, a contact line, a stretch of river, a border).

Reports from many conflicts speak of fire "along the line of contact" or "across the river": a
point stood for neither. Places already in the catalogue take the shape their precision implies
(a district, region or country is an area; the rest are points), and so does a place recorded
later without one, from any writer (location_shape); the catalogue is small beside
the log, so the UPDATE is quick, and the log's tables are not touched.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


# The shape a place's precision implies, for a place recorded without one (by any writer).
IMPLIED = "CASE WHEN {row}.precision IN ('district', 'region', 'country') THEN 'area' ELSE 'point' END"


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE location ADD COLUMN shape text;
        UPDATE location SET shape = {IMPLIED.format(row="location")};
        ALTER TABLE location
          ALTER COLUMN shape SET NOT NULL,
          ADD CONSTRAINT location_shape_known CHECK (shape IN ('point', 'area', 'line'));
        CREATE FUNCTION location_shape() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.shape := coalesce(NEW.shape, {IMPLIED.format(row="NEW")});
            RETURN NEW;
        END $$;
        CREATE TRIGGER location_shape BEFORE INSERT ON location FOR EACH ROW EXECUTE FUNCTION location_shape();
    """)


def downgrade() -> None:
    op.execute("""
        DROP TRIGGER location_shape ON location;
        DROP FUNCTION location_shape();
        ALTER TABLE location DROP COLUMN shape;
    """)
