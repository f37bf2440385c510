"""The intake assistant over HTTP: a held source's text read into proposed entries. It writes
nothing; a person confirms what it proposes through POST /v1/batches."""

from __future__ import annotations

from flask import current_app

from service import assistant
from service.api import Blueprint, refusals
from service.pipeline.auth import require_role
from service.pipeline.errors import ApiError
from service.pipeline.schemas import ProposalsOut
from service.store import sources

blp = Blueprint(
    "proposals",
    __name__,
    url_prefix="/v1/sources",
    description="The intake assistant: the claims a held source's text reports, proposed for a person to confirm",
)


@blp.route("/<slug>/proposals", methods=["POST"])
@blp.response(200, ProposalsOut)
@refusals(blp, 401, 403, 404, 409, secured=True)
def propose(slug: str):
    """Propose the entries a source reports.

    Reads the source's held text sentence by sentence: who accuses or denies (speech verbs:
    "accused", "said ... violated", "denied", "rejected", "called it baseless"), of what, where
    and when (days like "on Friday" or "overnight" resolved against the source's publication date,
    with a `time_note` saying how), in which quoted words, through which channel; links each
    denial and counter-accusation to the accusation it answers. Each proposal is an entry as
    `POST /v1/batches` takes it, with the words each field was read from and a confidence;
    parties and places the catalogue lacks are named for a person to add. Writes nothing. Needs a
    reporter's key (any role that records).
    """
    with current_app.extensions["pool"].connection() as conn:
        require_role(conn, "reporter")
        source = sources.get(conn, slug, with_text=True)
        if source is None:
            raise ApiError(404, "Not Found", f"No source {slug}: add it with POST /v1/sources first.", "not-found")
        if not source["text"]:
            raise ApiError(
                409,
                "Conflict",
                f"The source {slug} holds no text to read: the assistant reads a source's held text.",
                "no-text",
            )
        return assistant.of_source(conn, source)[0]
