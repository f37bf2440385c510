"""The log's head: its last entry's seq and hash, for anyone who keeps a log's state to check later."""

from __future__ import annotations

from service.api import Blueprint
from service.pipeline.reads import snapshot
from service.pipeline.schemas import LogHead
from service.store import events

blp = Blueprint("log", __name__, url_prefix="/v1/log", description="The log's head and its hash chain")


@blp.route("", methods=["GET"])
@blp.response(200, LogHead)
def head():
    """The log's head: the seq and hash of its last entry, and when it was recorded.

    Every entry's `hash` is chained over the one before it (README, "Verifying the log"): whoever
    keeps this head can later check that no entry up to it was changed, dropped or slipped in,
    with `ceasefire-log verify` or a few lines of their own.
    """
    with snapshot() as conn:
        return events.chain_head(conn)
