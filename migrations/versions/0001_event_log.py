"""The event log: actors, locations, acts, sources, ceasefires, events, their quotes and places.

Every rule the database can hold is held here, so that no client (psql included) can break it;
each refusal names its constraint, so the API and the seed loader can say which rule was broken.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


UPGRADE = r"""
CREATE EXTENSION IF NOT EXISTS ltree;

-- Slugs are how every reference travels on the wire.
CREATE DOMAIN slug AS text CONSTRAINT slug_format CHECK (VALUE ~ '^[a-z0-9-]{1,64}$');
CREATE DOMAIN country_code AS text CONSTRAINT country_code_format CHECK (VALUE ~ '^[A-Z]{3}$');

-- Actors and locations are trees. `path` (ltree, labels are the slugs with '-' as '_', which
-- ltree before PostgreSQL 16 does not accept) is set from the parent when a row is inserted and
-- can never change afterwards, so "X and everything beneath it" is one indexed `path <@` test.
CREATE FUNCTION tree_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_path ltree;
    label ltree := text2ltree(replace(NEW.slug, '-', '_'));
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := label;
    ELSE
        EXECUTE format('SELECT path FROM %I WHERE id = $1', TG_TABLE_NAME) INTO parent_path USING NEW.parent_id;
        -- An unknown parent is left for the foreign key to refuse, with its own name.
        NEW.path := coalesce(parent_path || label, label);
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION tree_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.slug IS DISTINCT FROM OLD.slug OR NEW.parent_id IS DISTINCT FROM OLD.parent_id
       OR NEW.path IS DISTINCT FROM OLD.path THEN
        RAISE EXCEPTION '% %: slug and parent never change once recorded, events refer to them', TG_TABLE_NAME, OLD.slug
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_TABLE_NAME || '_tree_frozen';
    END IF;
    RETURN NEW;
END $$;

CREATE TABLE actor (
    id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT actor_pkey PRIMARY KEY,
    slug       slug NOT NULL CONSTRAINT actor_slug_key UNIQUE,
    name       text NOT NULL CONSTRAINT actor_name_length CHECK (length(name) BETWEEN 1 AND 200),
    kind       text NOT NULL CONSTRAINT actor_kind_known CHECK (kind IN (
                   'state', 'government', 'ministry', 'military', 'official', 'armed-group',
                   'mediator', 'international-organisation', 'news-outlet', 'other')),
    country    country_code,
    aliases    text[] NOT NULL DEFAULT '{}',
    parent_id  bigint CONSTRAINT actor_parent_fkey REFERENCES actor (id),
    path       ltree NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX actor_path_idx ON actor USING gist (path);
CREATE TRIGGER actor_path BEFORE INSERT ON actor FOR EACH ROW EXECUTE FUNCTION tree_path();
CREATE TRIGGER actor_tree_frozen BEFORE UPDATE ON actor FOR EACH ROW EXECUTE FUNCTION tree_frozen();

CREATE TABLE location (
    id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT location_pkey PRIMARY KEY,
    slug       slug NOT NULL CONSTRAINT location_slug_key UNIQUE,
    name       text NOT NULL CONSTRAINT location_name_length CHECK (length(name) BETWEEN 1 AND 200),
    country    country_code,
    latitude   double precision CONSTRAINT location_latitude_range CHECK (latitude BETWEEN -90 AND 90),
    longitude  double precision CONSTRAINT location_longitude_range CHECK (longitude BETWEEN -180 AND 180),
    precision  text NOT NULL CONSTRAINT location_precision_known CHECK (precision IN (
                   'exact', 'near', 'district', 'region', 'country', 'unknown')),
    aliases    text[] NOT NULL DEFAULT '{}',
    parent_id  bigint CONSTRAINT location_parent_fkey REFERENCES location (id),
    path       ltree NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT location_coordinates_paired CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX location_path_idx ON location USING gist (path);
CREATE TRIGGER location_path BEFORE INSERT ON location FOR EACH ROW EXECUTE FUNCTION tree_path();
CREATE TRIGGER location_tree_frozen BEFORE UPDATE ON location FOR EACH ROW EXECUTE FUNCTION tree_frozen();

CREATE TABLE act (
    id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT act_pkey PRIMARY KEY,
    slug        slug NOT NULL CONSTRAINT act_slug_key UNIQUE,
    label       text NOT NULL CONSTRAINT act_label_length CHECK (length(label) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CONSTRAINT act_description_length CHECK (length(description) <= 2000)
);

-- convert_to() is only STABLE because it reads the database encoding, which never changes for
-- a database; declaring the wrapper IMMUTABLE lets the hash be a generated column.
CREATE FUNCTION text_sha256(body text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT encode(sha256(convert_to(body, 'UTF8')), 'hex') $$;

-- A source's held text is what quotes are checked against; its SHA-256 is computed here, by
-- the database, so a stored hash can never disagree with the stored text.
CREATE TABLE source (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT source_pkey PRIMARY KEY,
    slug         slug NOT NULL CONSTRAINT source_slug_key UNIQUE,
    title        text NOT NULL CONSTRAINT source_title_length CHECK (length(title) BETWEEN 1 AND 500),
    publisher    text CONSTRAINT source_publisher_length CHECK (length(publisher) <= 200),
    url          text CONSTRAINT source_url_format CHECK (url ~ '^https?://\S+$' AND length(url) <= 2000),
    published_at timestamptz,
    text         text,
    sha256       text GENERATED ALWAYS AS (text_sha256(text)) STORED,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ceasefire (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT ceasefire_pkey PRIMARY KEY,
    slug         slug NOT NULL CONSTRAINT ceasefire_slug_key UNIQUE,
    name         text NOT NULL CONSTRAINT ceasefire_name_length CHECK (length(name) BETWEEN 1 AND 200),
    brokered_by  bigint CONSTRAINT ceasefire_broker_fkey REFERENCES actor (id),
    agreed_at    timestamptz,
    effective_at timestamptz,
    terms        text[] NOT NULL DEFAULT '{}',
    source_id    bigint CONSTRAINT ceasefire_source_fkey REFERENCES source (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ceasefire_effective_after_agreed CHECK (effective_at >= agreed_at)
);

CREATE TABLE ceasefire_party (
    ceasefire_id bigint NOT NULL CONSTRAINT ceasefire_party_ceasefire_fkey REFERENCES ceasefire (id),
    actor_id     bigint NOT NULL CONSTRAINT ceasefire_party_actor_fkey REFERENCES actor (id),
    CONSTRAINT ceasefire_party_pkey PRIMARY KEY (ceasefire_id, actor_id)
);

-- The log. Writers are serialised on the single row of log_head (see event_serialise), so
-- events commit in seq order: a follower reading "seq > N" can never see seq N+2 before N+1
-- is visible, which a bare sequence cannot promise because transactions commit out of order.
-- Readers never wait for it. A rolled-back write may leave a hole in the numbers; it never
-- hides an event.
CREATE TABLE log_head (
    id boolean PRIMARY KEY DEFAULT true CONSTRAINT log_head_single_row CHECK (id)
);
INSERT INTO log_head DEFAULT VALUES;

CREATE TABLE event (
    id               uuid NOT NULL DEFAULT gen_random_uuid() CONSTRAINT event_pkey PRIMARY KEY,
    seq              bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT event_seq_key UNIQUE,
    kind             text NOT NULL CONSTRAINT event_kind_known CHECK (kind IN ('accusation', 'denial')),
    claimant_id      bigint NOT NULL CONSTRAINT event_claimant_fkey REFERENCES actor (id),
    target_id        bigint NOT NULL CONSTRAINT event_target_fkey REFERENCES actor (id),
    responds_to      uuid,
    -- Always 'accusation' when responds_to is set: with (id, kind) below, it makes the database
    -- itself refuse a response to a denial.
    responds_to_kind text CONSTRAINT event_responds_to_accusation CHECK (responds_to_kind = 'accusation'),
    act_id           bigint NOT NULL CONSTRAINT event_act_fkey REFERENCES act (id),
    occurred_from    timestamptz NOT NULL,
    occurred_to      timestamptz NOT NULL,
    time_precision   text NOT NULL CONSTRAINT event_time_precision_known CHECK (time_precision IN (
                         'exact', 'hour', 'day', 'week', 'month', 'unknown')),
    stated_at        timestamptz NOT NULL,
    ceasefire_id     bigint CONSTRAINT event_ceasefire_fkey REFERENCES ceasefire (id),
    summary          text NOT NULL CONSTRAINT event_summary_length CHECK (length(summary) BETWEEN 1 AND 4000),
    source_id        bigint NOT NULL CONSTRAINT event_source_fkey REFERENCES source (id),
    recorded_by      text NOT NULL CONSTRAINT event_recorded_by_length CHECK (length(recorded_by) BETWEEN 1 AND 200),
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    -- Full text over the summary and the quotes, written with the event (it never changes).
    search           tsvector NOT NULL,
    CONSTRAINT event_id_kind_key UNIQUE (id, kind),
    CONSTRAINT event_responds_to_fkey FOREIGN KEY (responds_to, responds_to_kind) REFERENCES event (id, kind),
    CONSTRAINT event_responds_to_paired CHECK ((responds_to IS NULL) = (responds_to_kind IS NULL)),
    CONSTRAINT event_denial_responds CHECK (kind <> 'denial' OR responds_to IS NOT NULL),
    CONSTRAINT event_not_self_response CHECK (responds_to <> id),
    CONSTRAINT event_occurred_order CHECK (occurred_from <= occurred_to),
    CONSTRAINT event_stated_after_act CHECK (occurred_from <= stated_at),
    CONSTRAINT event_claimant_not_target CHECK (claimant_id <> target_id)
);

CREATE TABLE event_location (
    event_id    uuid NOT NULL CONSTRAINT event_location_event_fkey REFERENCES event (id),
    location_id bigint NOT NULL CONSTRAINT event_location_location_fkey REFERENCES location (id),
    position    smallint NOT NULL CONSTRAINT event_location_position_range CHECK (position >= 0),
    CONSTRAINT event_location_pkey PRIMARY KEY (event_id, location_id),
    CONSTRAINT event_location_position_key UNIQUE (event_id, position)
);

CREATE TABLE quote (
    event_id   uuid NOT NULL CONSTRAINT quote_event_fkey REFERENCES event (id),
    position   smallint NOT NULL CONSTRAINT quote_position_range CHECK (position >= 0),
    text       text NOT NULL CONSTRAINT quote_text_length CHECK (length(text) BETWEEN 1 AND 2000),
    span_start integer,
    span_end   integer,
    CONSTRAINT quote_pkey PRIMARY KEY (event_id, position),
    CONSTRAINT quote_span_paired CHECK ((span_start IS NULL) = (span_end IS NULL)),
    CONSTRAINT quote_span_order CHECK (span_start >= 0 AND span_end = span_start + length(text))
);

-- Serialise appenders before any row of the statement takes its seq (see log_head).
CREATE FUNCTION event_serialise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM log_head FOR UPDATE;
    RETURN NULL;
END $$;
CREATE TRIGGER event_serialise BEFORE INSERT ON event FOR EACH STATEMENT EXECUTE FUNCTION event_serialise();

-- Rules that look at other rows are checked once per statement over all its new rows, so a
-- bulk COPY pays one join instead of one lookup a row.
CREATE FUNCTION event_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken record;
BEGIN
    SELECT n.id, claimant.slug AS claimant, target.slug AS target INTO broken
      FROM new_events n
      JOIN actor claimant ON claimant.id = n.claimant_id
      JOIN actor target ON target.id = n.target_id
     WHERE claimant.path @> target.path OR target.path @> claimant.path
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event %: claimant % and target % are in one hierarchy', broken.id, broken.claimant, broken.target
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_parties_apart';
    END IF;

    SELECT n.id, n.target_id, accusation.claimant_id INTO broken
      FROM new_events n JOIN event accusation ON accusation.id = n.responds_to
     WHERE n.kind = 'denial' AND n.target_id <> accusation.claimant_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'denial %: its target must be the accuser of the accusation it denies', broken.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_denial_targets_accuser';
    END IF;

    SELECT n.id, denier.slug AS denier, accused.slug AS accused INTO broken
      FROM new_events n
      JOIN event accusation ON accusation.id = n.responds_to
      JOIN actor denier ON denier.id = n.claimant_id
      JOIN actor accused ON accused.id = accusation.target_id
     WHERE n.kind = 'denial' AND NOT accused.path @> denier.path
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'denial %: % may not deny an accusation against %; only the accused side may', broken.id, broken.denier, broken.accused
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_denial_by_accused';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER event_rules AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION event_rules();

CREATE FUNCTION quote_span_in_source() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken record;
BEGIN
    SELECT q.event_id, q.position INTO broken
      FROM new_quotes q
      JOIN event e ON e.id = q.event_id
      JOIN source s ON s.id = e.source_id
     WHERE q.span_start IS NOT NULL
       AND (s.text IS NULL OR substr(s.text, q.span_start + 1, q.span_end - q.span_start) IS DISTINCT FROM q.text)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'quote % of event %: its span does not hold its text in the source', broken.position, broken.event_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'quote_span_in_source';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER quote_span_in_source AFTER INSERT ON quote REFERENCING NEW TABLE AS new_quotes
    FOR EACH STATEMENT EXECUTE FUNCTION quote_span_in_source();

-- Append-only: what was said and when is never rewritten in place.
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused; record a new event instead', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_TABLE_NAME || '_append_only';
END $$;
CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON event
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
CREATE TRIGGER event_location_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON event_location
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
CREATE TRIGGER quote_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON quote
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
-- The source text that quotes point into is part of the record as well.
CREATE FUNCTION source_text_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.text IS DISTINCT FROM OLD.text OR NEW.slug IS DISTINCT FROM OLD.slug THEN
        RAISE EXCEPTION 'source %: its slug and held text never change; quotes point into them', OLD.slug
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'source_text_frozen';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER source_text_frozen BEFORE UPDATE ON source FOR EACH ROW EXECUTE FUNCTION source_text_frozen();

-- Indexes for the log and its links.
CREATE INDEX event_responds_to_idx ON event (responds_to) INCLUDE (kind) WHERE responds_to IS NOT NULL;
CREATE INDEX event_location_location_idx ON event_location (location_id);
"""

DOWNGRADE = r"""
DROP TABLE quote;
DROP TABLE event_location;
DROP TABLE event;
DROP TABLE log_head;
DROP TABLE ceasefire_party;
DROP TABLE ceasefire;
DROP TABLE source;
DROP TABLE act;
DROP TABLE location;
DROP TABLE actor;
DROP FUNCTION source_text_frozen();
DROP FUNCTION append_only();
DROP FUNCTION quote_span_in_source();
DROP FUNCTION event_rules();
DROP FUNCTION event_serialise();
DROP FUNCTION tree_frozen();
DROP FUNCTION tree_path();
DROP FUNCTION text_sha256(text);
DROP DOMAIN country_code;
DROP DOMAIN slug;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
