"""Entries recorded together: a monitor confirms the claims read in one source, and they go into
the log all at once or not at all."""

from __future__ import annotations

from service import log
from service.api import Blueprint, refusals
from service.pipeline import wire
from service.pipeline.schemas import BatchIn, BatchOut
from service.pipeline.writes import Write, writes

blp = Blueprint("batches", __name__, url_prefix="/v1/batches", description="Reports appended together, all or none")


@blp.route("", methods=["POST"])
@writes("reporter")
@blp.arguments(BatchIn)
@blp.response(201, BatchOut)
@refusals(blp, 401, 403, secured=True)
def append(batch: dict, write: Write):
    """Append up to 1,000 reports in one transaction: all of them, in order, or none.

    Each is what POST /v1/events takes, and every rule of the log holds for it with the same
    messages, named by its index (`entries.3.claimant`). An entry may carry a `ref`, and a later
    entry answer it with `"responds_to": "#ref"`. The answer lists the entries as appended, and
    the id each ref was given. With an `Idempotency-Key`, a retry gets the same answer and appends
    nothing again.
    """
    appended, refs = log.append_batch(write.conn, batch["entries"], recorded_by=write.key["name"])
    return wire.batch(appended, refs)
