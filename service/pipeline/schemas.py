"""The wire: marshmallow schemas for every request and response body."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, timedelta

import marshmallow as ma
from marshmallow import fields

from service import days, domain
from service.formats import MEDIA_TYPES
from service.pipeline.auth import ROLES
from service.pipeline.reads import at_least
from service.store import counts


class Strict(ma.Schema):
    """Unknown fields are refused, by name: a typo must not be silently dropped."""

    class Meta:
        unknown = ma.RAISE

    error_messages = {"type": "the body must be a JSON object, with a field for each value"}


class Health(Strict):
    status = fields.String(required=True)
    schema = fields.List(fields.String())
    replica = fields.Dict(
        metadata={
            "description": "With a read replica: its state, entries behind, seconds since "
            "its last replay, and where reads go now."
        }
    )


class Problem(Strict):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "For invalid input: the messages for each field."},
    )


SLUG_PATTERN = "^[a-z0-9-]{1,64}$"
# \Z, not $: Python's $ also matches before a final newline, which PostgreSQL's does not.
SLUG = ma.validate.Regexp(r"^[a-z0-9-]{1,64}\Z", error="must be 1-64 lowercase letters, digits or hyphens")
KINDS = tuple(domain.KINDS)
SEQ = ma.validate.Range(min=0, max=2**63 - 1)
TIME_PRECISIONS = ("exact", "hour", "day", "week", "month", "year", "unknown")
ACTOR_KINDS = (
    "state",
    "government",
    "ministry",
    "military",
    "official",
    "armed-group",
    "mediator",
    "international-organisation",
    "news-outlet",
    "other",
    "unidentified",
    "coalition",
)
LOCATION_PRECISIONS = ("exact", "near", "district", "region", "country", "unknown")
LOCATION_SHAPES = ("point", "area", "line")
EXTERNAL_SCHEMES = ("pa-x", "eth-prio-cf", "ucdp", "other")


def storable(text: str) -> None:
    """PostgreSQL's text holds neither a NUL character nor an unpaired surrogate (which JSON's
    \\ud800 escapes can produce but UTF-8 cannot encode): refuse them by field, not as a 500."""
    if "\x00" in text:
        raise ma.ValidationError("must not contain a NUL character (\\u0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ma.ValidationError("must be valid Unicode: it holds an unpaired surrogate") from None


class String(fields.String):
    """Every string the service takes in: text PostgreSQL can store (the document says "no NUL"
    as a pattern; an unpaired surrogate is beyond what JSON Schema can say)."""

    def __init__(self, *, validate=None, metadata=None, **kwargs):
        validators = [validate] if callable(validate) else list(validate or [])
        metadata = {"pattern": "^[^\\u0000]*$", **(metadata or {})}
        super().__init__(validate=[storable, *validators], metadata=metadata, **kwargs)


class Integer(fields.Integer):
    """Whole numbers, spelt in ASCII digits only: int() would also take ' 5' and Arabic-Indic
    digits, which no client means to send."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not re.fullmatch(r"-?[0-9]{1,19}", value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class SlugField(String):
    """One catalogue entry named by its slug."""

    default_error_messages = {
        "invalid": "Not a slug: give one catalogue slug as a string, like armenia-mod.",
        "list": "One slug, not a list: give the slug of one entry, like {example}.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            example = next((item for item in value if isinstance(item, str)), "armenia-mod")
            raise self.make_error("list", example=json.dumps(example))
        return super()._deserialize(value, attr, data, **kwargs)


def Slug(metadata: dict | None = None, **kwargs) -> String:
    return SlugField(validate=SLUG, metadata={"pattern": SLUG_PATTERN, **(metadata or {})}, **kwargs)


def Country() -> String:
    return String(
        load_default=None,
        allow_none=True,
        metadata={"pattern": "^[A-Z]{3}$"},
        validate=ma.validate.Regexp(r"^[A-Z]{3}\Z", error="must be an ISO 3166-1 alpha-3 code, like ARM"),
    )


def Text(low: int, high: int, **kwargs) -> String:
    return String(validate=ma.validate.Length(min=low, max=high), **kwargs)


# What a day, a month or a year alone looks like; service/days.py reads it.
CALENDAR = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?\Z")
INSTANT_OR_DAY = [{"format": "date-time"}, {"format": "date"}]
# A month or a year alone; the calendar has no year 0.
INTERVAL_BOUND = [*INSTANT_OR_DAY, {"pattern": "^(?!0000)[0-9]{4}(-(0[1-9]|1[0-2]))?$"}]


class When(fields.AwareDateTime):
    """A time as precise as the source gives it: an instant (RFC 3339; its offset is kept, as a
    statement's local time is part of what was said) or a day alone; where it bounds an interval,
    a month or a year alone too, and where it is a moment kept so (`months`) (service/days.py). A
    naive timestamp is refused, never guessed at."""

    default_error_messages = {
        "range": "must fall between the years 1 and 9999 once converted to UTC",
        "offset": "{offset} is not a UTC offset any clock is set to: give one between -12:00 and +14:00",
        "invalid": "Not a time: give a day (2020-10-12) or a date and time with its UTC offset (RFC 3339), "
        "e.g. 2020-10-12T09:00:00+04:00.",
        "invalid_awareness": "This time has no UTC offset: add the offset of the clock it was read on (+04:00, "
        "or Z for UTC), or give the day alone (2020-10-12); a local time is never guessed at.",
    }

    def __init__(
        self,
        bound: days.Bound = "first",
        spans: bool = False,
        months: bool = False,
        metadata: dict | None = None,
        **kwargs,
    ):
        # `months`: a moment the store keeps a month or a year alone of (a statement's, a
        # publication's, migration 0029); elsewhere a moment is an instant or a day.
        self.bound, self.spans, self.months = bound, spans, months
        shapes = INTERVAL_BOUND if spans or months else INSTANT_OR_DAY
        super().__init__(format="iso", metadata={"anyOf": shapes, **(metadata or {})}, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        # A Day writes itself as its date; marshmallow's own would write its bound's instant.
        return None if value is None else value.isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            storable(value)
            if CALENDAR.match(value):
                try:
                    moment = days.parse(value, self.bound, self.spans)
                except ValueError as error:
                    raise ma.ValidationError(str(error)) from None
                if days.unit(moment) and not self.months:
                    raise ma.ValidationError(
                        f"{value} is a {moment.unit}, not a moment: give the day (or the instant), and say in "
                        "time_note what the source gives"
                    )
                return moment
        instant = super()._deserialize(value, attr, data, **kwargs)
        try:
            instant.astimezone(UTC)
        except OverflowError:
            raise self.make_error("range") from None
        offset = instant.utcoffset()
        if offset is not None and not domain.OFFSETS[0] <= offset <= domain.OFFSETS[1]:
            minutes = offset // timedelta(minutes=1)
            said = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            raise self.make_error("offset", offset=said)
        return instant


def distinct(noun: str):
    """A validator of a list that names each of its items once."""

    def once(values: list) -> None:
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise ma.ValidationError(f"each {noun} once: {', '.join(repeated)} is given more than once")

    return once


def Slugs(noun: str, **kwargs) -> fields.List:
    """One or more catalogue entries named by slug, each once, in the order the report gives them."""
    metadata = {"uniqueItems": True, "minItems": 1, "maxItems": 20, **kwargs.pop("metadata", {})}
    return fields.List(
        Slug(),
        validate=[ma.validate.Length(min=1, max=20), distinct(noun)],
        allow_none=True,
        metadata=metadata,
        **kwargs,
    )


def Places(**kwargs) -> fields.List:
    """An event's places: up to fifty, each once; none when the claim names no place ("along the
    front", "in border villages")."""
    return fields.List(
        Slug(),
        validate=[ma.validate.Length(max=50), distinct("place")],
        metadata={
            "uniqueItems": True,
            "description": "Slugs of the places it names; [] when it names none. A denial or retraction that "
            "leaves it out takes the places of what it answers.",
        },
        **kwargs,
    )


class Quote(Strict):
    text = fields.String(required=True)
    start = fields.Integer(allow_none=True, metadata={"description": "Offset of the quote in the source's held text."})
    end = fields.Integer(allow_none=True)


class QuoteText(String):
    """A quote: its words as a string, or as GET shows a quote ({"text", "start", "end"}): the
    service finds the span in the source's held text itself."""

    def __init__(self, **kwargs):
        super().__init__(validate=ma.validate.Length(min=1, max=2000), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            extra = set(value) - {"text", "start", "end"}
            if "text" not in value or extra:
                raise ma.ValidationError('a quote is its words as a string, or {"text": ..., "start": ..., "end": ...}')
            value = value["text"]
        return super()._deserialize(value, attr, data, **kwargs)


def Quotes(**kwargs) -> fields.List:
    return fields.List(QuoteText(), load_default=list, validate=ma.validate.Length(max=50), **kwargs)


class Casualties(Strict):
    """Casualties as the accusation claims them; a count the source does not give is null."""

    killed = Integer(load_default=None, allow_none=True, validate=ma.validate.Range(0, 10_000_000))
    injured = Integer(load_default=None, allow_none=True, validate=ma.validate.Range(0, 10_000_000))
    civilians_killed = Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(0, 10_000_000),
        metadata={"description": "Of those killed, the civilians, when the claim says."},
    )
    civilians_injured = Integer(load_default=None, allow_none=True, validate=ma.validate.Range(0, 10_000_000))


class EventIn(Strict):
    """A report: an accusation, a denial of one, or a retraction of either; or a mention of one of
    those, by another source or the same side. A denial and a retraction may leave out their
    target and their act, locations and time (those of what they answer); a mention names none of
    them. Corrections and reviews are posted to the entry they are about."""

    kind = String(required=True, validate=ma.validate.OneOf(domain.REPORTED))
    claimant = Slug(required=True)
    targets = Slugs(
        "target",
        load_default=None,
        metadata={
            "description": 'Whom the claim is against, one or more ("both sides"): slugs of actors. A denial\'s '
            "is the accuser, and a retraction's the target of what it withdraws, when left out."
        },
    )
    target = Slug(load_default=None, metadata={"description": "One target: read as `targets` of one."})
    responds_to: fields.Field = fields.UUID(load_default=None, allow_none=True)
    acts = Slugs(
        "act",
        load_default=None,
        metadata={"description": 'What was done, one or more ("shelling and small-arms fire"): slugs of acts.'},
    )
    act = Slug(load_default=None, metadata={"description": "One act: read as `acts` of one."})
    locations = Places(load_default=None)
    occurred_from = When("first", spans=True, load_default=None)
    occurred_to = When("last", spans=True, load_default=None)
    time_precision = String(load_default=None, validate=ma.validate.OneOf(TIME_PRECISIONS))
    time_note = Text(
        1,
        1000,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "How the time was arrived at when the source does not state it outright, e.g. "
            "\"the article says 'moments after the ceasefire took force'\"."
        },
    )
    stated_at = When(
        "last",
        months=True,
        required=True,
        allow_none=True,
        metadata={
            "description": 'When the claim was made; null when the source does not say ("the ministry said"): '
            "the source's publication then bounds it, and the source must have one."
        },
    )
    ceasefire = Slug(load_default=None, allow_none=True)
    summary = Text(1, 4000, required=True)
    quotes = Quotes()
    source = Slug(required=True)
    channel = String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(domain.CHANNELS),
        metadata={"description": "How the claim was made: in a statement, at a press conference, on social media, ..."},
    )
    channel_name = Text(
        1,
        200,
        load_default=None,
        allow_none=True,
        metadata={
            "description": 'Where it was made, as the source names it: "Saba", "a post on X", "state television".'
        },
    )
    via = Text(
        1,
        200,
        load_default=None,
        allow_none=True,
        metadata={"description": 'The wire the held source relays, when it says: "AFP", "Reuters".'},
    )
    violations = Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(1, 1_000_000),
        metadata={
            "description": 'An accusation only: how many violations it alleges over its interval ("60 violations '
            'in the past 24 hours"); counted as 1 when not given.'
        },
    )
    casualties = fields.Nested(
        Casualties,
        load_default=None,
        allow_none=True,
        metadata={"description": "An accusation only: the casualties it claims."},
    )
    cites: fields.Field = fields.UUID(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "A mention only: the statement (an accusation, a denial or a retraction) it reports "
            "again, from another source or from the same side."
        },
    )

    @ma.validates_schema(skip_on_field_errors=True)
    def one_spelling(self, report, **_):
        """A list and its single item together must agree: GET shows both, and a record sent back
        edited keeps both; the single item is the list's first."""
        for plural, singular in domain.SINGULAR.items():
            items, one = report.get(plural), report.get(singular)
            if items is not None and one is not None and items[0] != one:
                raise ma.ValidationError(
                    {
                        singular: [
                            f"{singular} is the first of {plural}: {one} is not {items[0]}; "
                            f"send {plural} alone, or {singular} equal to its first"
                        ]
                    }
                )

    # Run beside the fields' own checks, so that one answer names everything a report lacks; a
    # field that was sent and is wrong has its own message and is not called missing as well.
    @ma.validates_schema(skip_on_field_errors=False, pass_original=True)
    def says_what_it_does_not_inherit(self, report, original, **_):
        if (
            not isinstance(report.get("kind"), str)
            or report["kind"] not in domain.KINDS
            or not isinstance(original, dict)
        ):
            return
        # What a claim always states is a required field of its own; this names the rest.
        missing = [name for name in domain.missing(report["kind"], original) if name not in domain.STATED]
        if missing:
            raise ma.ValidationError({name: ["Missing data for required field."] for name in missing})


REF = r"^[A-Za-z0-9_-]{1,64}$"


ENTRY_OR_REF = r"(#[A-Za-z0-9_-]{1,64}|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})"


def EntryOrRef() -> String:
    """An entry a batch's entry names: one in the log by id, or an earlier one of its batch by `#ref`."""
    return String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Regexp(
            f"^{ENTRY_OR_REF}\\Z", error="the id of an entry in the log, or #ref of an earlier entry of this batch"
        ),
        metadata={
            "description": "The id of an entry in the log, or `#ref` of an earlier entry of this batch.",
            "pattern": f"^{ENTRY_OR_REF}$",
        },
    )


class BatchEntryIn(EventIn):
    """A report of a batch: as POST /v1/events takes it, with a `ref` that later entries of the
    batch may answer (`"responds_to": "#a1"`)."""

    ref = String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Regexp(REF[:-1] + r"\Z", error="letters, digits, - and _, up to 64"),
        metadata={
            "description": "A name for this entry within the batch, for later entries to answer.",
            "pattern": REF,
        },
    )
    responds_to = EntryOrRef()
    cites = EntryOrRef()


class BatchIn(Strict):
    """Entries recorded together: all of them, in order, or none."""

    entries = fields.List(
        fields.Nested(BatchEntryIn),
        required=True,
        validate=ma.validate.Length(min=1, max=1000),
        metadata={"description": "Up to 1,000 reports, appended in this order."},
    )

    @ma.validates_schema(skip_on_field_errors=True)
    def refs_once(self, batch, **_):
        seen: set[str] = set()
        for index, entry in enumerate(batch["entries"]):
            if entry.get("ref") in seen:
                raise ma.ValidationError(
                    {"entries": {index: {"ref": [f"ref {entry['ref']} is given to an earlier entry"]}}}
                )
            if entry.get("ref"):
                seen.add(entry["ref"])


class DenialIn(EventIn):
    """A denial posted to an incident: kind, responds_to and target come from the path."""

    class Meta:
        exclude = ("kind", "responds_to", "target", "targets")


def _required(field: fields.Field, name: str = "") -> fields.Field:
    """The field as a kind that must send it documents it: required, and not null (a null is
    refused as missing), but for a time said that the source does not give (`stated_at`)."""
    whole = copy.copy(field)
    whole.required, whole.load_default = True, ma.missing
    whole.allow_none = name == "stated_at"
    return whole


def _of_kind(kind: str, required: tuple[str, ...], optional: tuple[str, ...], doc: str) -> type[Strict]:
    """EventIn as one kind of report takes it, for the document: the fields it must send, and
    those it may."""
    declared = EventIn._declared_fields
    kind_field = String(required=True, validate=ma.validate.OneOf([kind]))
    shape = {name: _required(declared[name], name) for name in required} | {
        name: copy.copy(declared[name]) for name in optional
    }
    return type(
        f"{kind.capitalize()}Report", (Strict,), {"__doc__": doc, "__module__": __name__, "kind": kind_field, **shape}
    )


HOW_SAID = ("time_note", "quotes", "channel", "channel_name", "via")
ANSWER = (*domain.STATED, "responds_to")
# Each kind of report POST /v1/events takes, as its own body in the document (oneOf, by `kind`):
# a generated client then knows what an accusation needs and that a denial counts nothing. The
# service reads every kind with EventIn, and refuses by field what a kind may not say.
REPORT_KINDS = {
    "accusation": _of_kind(
        "accusation",
        (*domain.STATED, *domain.REQUIRED),
        ("target", "act", "responds_to", "locations", "ceasefire", *HOW_SAID, "violations", "casualties"),
        "An accusation: who accuses whom of what, where and when, in whose words. Answering an accusation "
        "(`responds_to`), it is a counter-accusation: said by the accused side, aimed at the accuser's.",
    ),
    "denial": _of_kind(
        "denial",
        ANSWER,
        ("target", "act", *domain.SITUATION, *HOW_SAID),
        "A denial of an accusation, by the accused side; what it leaves out of the act it takes from the accusation.",
    ),
    "retraction": _of_kind(
        "retraction",
        ANSWER,
        ("target", "targets", "act", *domain.SITUATION, *HOW_SAID),
        "A retraction of an accusation or a denial, once, by the side that said it.",
    ),
    "mention": _of_kind(
        "mention",
        (*domain.STATED, "cites"),
        HOW_SAID,
        "A statement already in the log, reported again: by another source, or by its side.",
    ),
}
assert set(REPORT_KINDS) == set(domain.REPORTED)


def _in_batch(kind: str, report: type[Strict]) -> type[Strict]:
    """A kind's body as an entry of a batch: with a `ref`, and answering or citing an entry of the
    log by id or an earlier one of the batch by `#ref`."""
    declared = report._declared_fields
    linked: dict[str, fields.Field] = {
        name: _required(EntryOrRef()) if declared[name].required else EntryOrRef()
        for name in ("responds_to", "cites")
        if name in declared
    }
    return type(
        f"Batch{report.__name__}",
        (report,),
        {"__doc__": report.__doc__, "__module__": __name__, "ref": BatchEntryIn._declared_fields["ref"], **linked},
    )


# Each kind of a batch's entries, for the document (the service reads them with BatchEntryIn).
BATCH_KINDS = {kind: _in_batch(kind, report) for kind, report in REPORT_KINDS.items()}


# What GET /v1/events/{id} shows of an entry that the service, not its record, decides: a
# correction sent as that answer edited may carry them unchanged (service.api.events.correct).
OWNED = (
    "id", "seq", "kind", "responds_to", "recorded_by", "recorded_at", "corrects", "verdict", "cites", "voids",
    "revisions", "hash",
)  # fmt: skip


def _as_shown(name: str) -> fields.Raw:
    return fields.Raw(
        load_default=ma.missing,
        allow_none=True,
        metadata={
            "description": f"As GET /v1/events/{{id}} shows it; accepted unchanged, refused changed ({name} is the service's)."
        },
    )


# The whole record of an entry as it should have been recorded; its kind and what it answers stay
# those of the entry. Nothing is inherited, so what a claim must have once it has inherited
# (domain.REQUIRED) is required here; a field left out otherwise is left out of the record.
CorrectionIn = type(
    "CorrectionIn",
    (EventIn,),
    {
        "__doc__": "The whole record of an entry as it should have been recorded; its kind and what it answers "
        "stay those of the entry. A field left out is left out of the record (a ceasefire, quotes). It may be "
        "sent as GET /v1/events/{id} shows the entry, edited: the fields the service decides (id, seq, kind, "
        "responds_to, recorded_by, recorded_at, corrects, verdict, cites, voids, revisions, hash) are accepted "
        "unchanged and "
        "refused changed; quotes may be objects as GET shows them (their spans are found again).",
        "__module__": __name__,
        # Its places too: a correction that names none says so ([]), so that none are lost by leaving them out.
        **{name: _required(EventIn._declared_fields[name]) for name in (*domain.REQUIRED, "locations")},
        **{name: _as_shown(name) for name in OWNED},
        "listed": ma.pre_load(lambda self, record, **_: _listed(record)),
    },
)


def _listed(record):
    """A record that names its one target or act alone (as written before lists) names its list;
    the single item stays beside it, for `one_spelling` to hold the two to each other."""
    if not isinstance(record, dict):
        return record
    listed, _ = domain.listed(record)
    return {**record, **{plural: listed[plural] for plural in domain.SINGULAR if plural in listed}}


class VoidIn(Strict):
    """Why an entry is withdrawn as recorded by mistake."""

    reason = Text(
        1,
        2000,
        required=True,
        metadata={
            "description": 'What the mistake was: "a test entry", "a duplicate of entry 4182", "linked to the wrong accusation".'
        },
    )


class ReviewIn(Strict):
    """A monitor's verdict on an accusation, with a note and, optionally, the source it rests on
    and quotes from it (checked against its held text)."""

    verdict = String(
        required=True,
        validate=ma.validate.OneOf(domain.VERDICTS),
        metadata={
            "description": "confirmed: independent evidence that the act happened; refuted: evidence that it did not."
        },
    )
    note = Text(1, 4000, required=True)
    source = Slug(load_default=None, allow_none=True)
    quotes = Quotes()


class Revision(Strict):
    id = fields.UUID(required=True, metadata={"description": "The correction."})
    seq = fields.Integer(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    changed = fields.List(
        fields.String(), required=True, metadata={"description": "The fields of the record it changed."}
    )


class EventOut(Strict):
    """An entry of the log. An original (accusation, denial, retraction) is shown at its current
    version (or as of the seq asked for), with the corrections that made it in `revisions`; a
    correction shows the record it wrote and the entry it `corrects`; a review has a `verdict`, its
    note as `summary`, and no claimant, target, act, places or time."""

    id = fields.UUID(required=True)
    seq = fields.Integer(required=True)
    kind = fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    claimant = fields.String(required=True, allow_none=True)
    targets = fields.List(
        fields.String(), required=True, metadata={"description": "Whom the claim is against; [] for a review."}
    )
    target = fields.String(required=True, allow_none=True, metadata={"description": "The first of targets."})
    responds_to = fields.UUID(allow_none=True)
    acts = fields.List(fields.String(), required=True, metadata={"description": "What was done; [] for a review."})
    act = fields.String(required=True, allow_none=True, metadata={"description": "The first of acts."})
    locations = fields.List(fields.String(), required=True)
    occurred_from = When(required=True, allow_none=True)
    occurred_to = When(required=True, allow_none=True)
    time_precision = fields.String(required=True, allow_none=True)
    time_note = fields.String(required=True, allow_none=True)
    stated_at = When(months=True, required=True, allow_none=True)
    ceasefire = fields.String(allow_none=True)
    summary = fields.String(required=True)
    source = fields.String(required=True, allow_none=True)
    quotes = fields.List(fields.Nested(Quote), required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    corrects = fields.UUID(
        required=True, allow_none=True, metadata={"description": "For a correction: the entry it corrects."}
    )
    verdict = fields.String(
        required=True,
        allow_none=True,
        validate=ma.validate.OneOf(domain.VERDICTS),
        metadata={"description": "For a review: its verdict."},
    )
    revisions = fields.List(fields.Nested(Revision), required=True)
    channel = fields.String(required=True, allow_none=True, validate=ma.validate.OneOf(domain.CHANNELS))
    channel_name = fields.String(required=True, allow_none=True)
    via = fields.String(required=True, allow_none=True)
    violations = fields.Integer(required=True, allow_none=True)
    casualties = fields.Nested(Casualties, required=True, allow_none=True)
    cites = fields.UUID(
        required=True, allow_none=True, metadata={"description": "For a mention: the statement it reports again."}
    )
    voids = fields.UUID(
        required=True,
        allow_none=True,
        metadata={"description": "For a void: the entry it withdraws (its reason is its summary)."},
    )
    hash = fields.String(
        required=True,
        allow_none=True,
        validate=ma.validate.Regexp(r"^[0-9a-f]{64}$"),
        metadata={
            "description": "SHA-256 (hex) of the previous entry's hash and this entry's canonical form: the log's "
            "hash chain (README, 'Verifying the log'). Null only for an entry appended in a transaction not yet "
            "committed."
        },
    )


class LogHead(Strict):
    seq = fields.Integer(required=True, metadata={"description": "The seq of the log's last entry (0 when empty)."})
    hash = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "SHA-256 (hex) of the last entry, chained over every entry before it."},
    )
    recorded_at = fields.AwareDateTime(required=True, allow_none=True)


class Page(Strict):
    next = fields.String(allow_none=True, required=True, metadata={"description": "URL of the next page, or null."})


class EventPage(Page):
    items = fields.List(fields.Nested(EventOut), required=True)
    as_of = fields.Integer(
        required=True,
        metadata={"description": "The seq of the last entry of the log this page reflects: `as_of`, or the head."},
    )


FORMATS = tuple(MEDIA_TYPES)
FORMAT = {
    "description": "Answer as a JSON page (the default), or stream every match as NDJSON, CSV or GeoJSON "
    "(as `Accept` can ask; this wins). `limit` and `cursor` are for pages only: an export refuses them."
}


class Fresh(Strict):
    """A read that must see the log up to a seq: a writer reading its own write. Taken here and
    given to the read's connection (reads.at_least), not to the view."""

    min_seq = Integer(
        validate=SEQ,
        metadata={
            "description": (
                "Answer from a log that holds at least this seq: send the seq of your own write to read it back. "
                "With a read replica, the read waits briefly for the replica to replay it, then is answered by the "
                "primary."
            )
        },
    )

    @ma.post_load
    def needs(self, data, **_):
        at_least(data.pop("min_seq", None))
        at_least(data.get("as_of"))  # the log cannot be read as of an entry it does not hold yet
        return data


class LogArgs(Fresh):
    after = Integer(load_default=0, validate=SEQ)
    limit = Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))
    as_of = Integer(
        validate=SEQ, metadata={"description": "Stop at this seq: the log as it stood when it was the last entry."}
    )
    format = String(validate=ma.validate.OneOf(FORMATS), metadata=FORMAT)


STATUSES = domain.STATUSES


class Assessment(Strict):
    verdict = fields.String(required=True, validate=ma.validate.OneOf(domain.VERDICTS))
    note = fields.String(required=True)
    review = fields.UUID(required=True, metadata={"description": "The review that gave it."})
    seq = fields.Integer(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)


# The roles a key may hold, in the order of what they may do (auth.ROLES).
KEY_ROLES = tuple(ROLES)


class KeyIn(Strict):
    name = Slug(
        required=True,
        metadata={"description": "Who holds the key (a desk, a person, a tool), as a slug. Each name once, for good."},
    )
    role = String(
        required=True,
        validate=ma.validate.OneOf(KEY_ROLES),
        metadata={
            "description": "reporter: records claims; reviewer: reviews them; editor: records and corrects what any "
            "key recorded; admin: all of it, and the catalogue and keys."
        },
    )


class KeyOut(Strict):
    name = fields.String(required=True)
    role = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(required=True, allow_none=True)


class KeyMade(KeyOut):
    key = fields.String(
        required=True,
        metadata={"description": "The secret, shown this once: the service keeps only its SHA-256."},
    )


class KeyList(Strict):
    items = fields.List(fields.Nested(KeyOut), required=True)


class BatchOut(Strict):
    entries = fields.List(fields.Nested(EventOut), required=True, metadata={"description": "In the batch's order."})
    refs = fields.Dict(
        keys=fields.String(),
        values=fields.UUID(),
        required=True,
        metadata={"description": "Each ref given, and its entry's id."},
    )


class IncidentOut(Strict):
    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=ma.validate.OneOf(STATUSES))
    assessment = fields.Nested(
        Assessment,
        required=True,
        allow_none=True,
        metadata={"description": "The latest review of the accusation, or null."},
    )
    accusation = fields.Nested(EventOut, required=True)
    denials = fields.List(fields.Nested(EventOut), required=True)
    counter_accusations = fields.List(fields.Nested(EventOut), required=True)
    retractions = fields.List(
        fields.Nested(EventOut),
        required=True,
        metadata={"description": "Withdrawals of the accusation or of its denials, by the side that said them."},
    )
    reviews = fields.List(fields.Nested(EventOut), required=True)
    mentions = fields.List(
        fields.Nested(EventOut),
        required=True,
        metadata={"description": "The accusation reported again: by other sources, or by its side."},
    )
    sources = fields.Integer(
        required=True, metadata={"description": "How many sources report the accusation: its own and its mentions'."}
    )
    publishers = fields.Integer(required=True, metadata={"description": "How many publishers those sources have."})


class IncidentPage(Page):
    items = fields.List(fields.Nested(IncidentOut), required=True)
    as_of = fields.Integer(
        required=True,
        metadata={"description": "The seq of the last entry of the log this page reflects; its `next` keeps it."},
    )


SORTS = ("occurred", "-occurred", "stated", "-stated")


AS_OF = {"description": "Read the log as it stood when this seq was its last entry (the head when left out)."}


class ReadArgs(Fresh):
    as_of = Integer(validate=SEQ, metadata=AS_OF)


def statuses(value: str) -> None:
    named = value.split(",")
    unknown = [name for name in named if name not in STATUSES]
    if unknown:
        raise ma.ValidationError(
            f"unknown status {', '.join(repr(name) for name in unknown)}: give one or more of {', '.join(STATUSES)}, "
            "separated by commas"
        )


class IncidentFilters(Fresh):
    """What selects incidents: the same filters for a list, an export and counts."""

    status = String(
        validate=statuses,
        metadata={
            "description": "Incidents of this status, or of any of several separated by commas "
            "(disputed,countered: every incident the accused side answered).",
            "pattern": f"^({'|'.join(STATUSES)})(,({'|'.join(STATUSES)}))*$",
        },
    )
    assessment = String(
        validate=ma.validate.OneOf(domain.VERDICTS),
        metadata={"description": "Incidents whose latest review has this verdict."},
    )
    as_of = Integer(validate=SEQ, metadata=AS_OF)
    claimant = Slug()
    target = Slug()
    party = Slug()
    location = Slug()
    ceasefire = Slug()
    act = Slug()
    occurred_after = When(
        spans=True,
        metadata={
            "description": "Incidents whose act began at or after this instant, or the start of this day, month or year (for "
            "counts by occurrence, the first bucket)."
        },
    )
    occurred_before = When(
        spans=True,
        metadata={
            "description": "Incidents whose act began before this instant, or the start of this day, month or year (for counts "
            "by occurrence, the end of the last bucket)."
        },
    )
    q = Text(1, 200, metadata={"description": "Full text over summaries and quotes (web search syntax)."})


class IncidentArgs(IncidentFilters):
    sort = String(load_default="-stated", validate=ma.validate.OneOf(SORTS))
    limit = Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    cursor = Text(1, 500)
    format = String(validate=ma.validate.OneOf(FORMATS), metadata=FORMAT)


class CountsArgs(IncidentFilters):
    """The incident filters, and how to count what they select."""

    interval = String(
        load_default="day",
        validate=ma.validate.OneOf(counts.INTERVALS),
        metadata={"description": "The length of a bucket (in UTC; a week begins on Monday)."},
    )
    by = String(
        load_default="status",
        validate=ma.validate.OneOf(counts.BY),
        metadata={
            "description": "What each bucket counts: incidents of each status, of each act, or alleged by each side "
            "(the claimant's top-level actor)."
        },
    )
    time = String(
        load_default="occurred",
        validate=ma.validate.OneOf(tuple(counts.TIMES)),
        metadata={"description": "Bucket incidents by when the act began, or by when the accusation was made."},
    )
    measure = String(
        load_default="incidents",
        validate=ma.validate.OneOf(counts.MEASURES),
        metadata={
            "description": "What a bucket holds: how many incidents, or how many violations they allege (an "
            "accusation that gives no number alleges one; its record in force says)."
        },
    )


class Bucket(Strict):
    start = fields.DateTime(required=True, metadata={"description": "Where the bucket begins (UTC)."})
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={
            "description": "Incidents (or their violations) by status, act or side; every label of any bucket, "
            "0 where none."
        },
    )


class CountsOut(Strict):
    interval = fields.String(required=True)
    by = fields.String(required=True)
    time = fields.String(required=True)
    measure = fields.String(required=True)
    as_of = fields.Integer(required=True, metadata={"description": "The seq of the last entry the counts reflect."})
    buckets = fields.List(
        fields.Nested(Bucket),
        required=True,
        metadata={
            "description": "In time order, from the window's start (or the first incident) to its end (or the last), "
            "empty ones included."
        },
    )


class ReadFrom(Strict):
    field = fields.String(metadata={"description": "The field of the entry these words gave."})
    start = fields.Integer()
    end = fields.Integer()
    text = fields.String()


class Span(Strict):
    start = fields.Integer()
    end = fields.Integer()


class Found(Strict):
    name = fields.String(metadata={"description": "The name as the text gives it."})
    read_from = fields.List(fields.Nested(Span), metadata={"description": "Where the text names it."})


class NewActor(Found):
    for_ = fields.List(
        fields.String(),
        data_key="for",
        attribute="for",
        metadata={"description": 'The proposals and fields it would fill, as "p1.claimant".'},
    )


class Proposal(Strict):
    entry = fields.Dict(
        metadata={
            "description": "An entry as POST /v1/batches takes it (`ref`, `responds_to` as `#ref`), its quotes "
            "with their spans. A field the text did not give is null, and named in `needs`."
        }
    )
    read_from = fields.List(fields.Nested(ReadFrom), metadata={"description": "The words each field was read from."})
    sentence = fields.Nested(Span, metadata={"description": "The sentence that reports it."})
    confidence = fields.Float(metadata={"description": "From 0 to 1: how much of it the text stated outright."})
    to_add = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Fields naming a party the catalogue lacks: the name, for a person to add."},
    )
    needs = fields.List(fields.String(), metadata={"description": "Fields a person must fill before confirming."})


class ProposalsOut(Strict):
    source = fields.String()
    published_at = fields.String(allow_none=True, metadata={"description": "The day relative times were read from."})
    proposals = fields.List(fields.Nested(Proposal))
    new_actors = fields.List(fields.Nested(NewActor))
    new_places = fields.List(fields.Nested(Found))
