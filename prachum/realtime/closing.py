"""Recording a socket's end even when the database is away at that moment.

A socket that ends while PostgreSQL restarts cannot write its end: without a retry
the person would stay "present" (and counted in the quorum) for good once the
database is back (issue 15 point 10). The end is retried in the background with the
time the socket really ended, until the database answers or :data:`GIVE_UP_SECONDS`
pass (then the next start of this node ends it, as for a killed process).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from channels.db import database_sync_to_async

from prachum.room import connections

logger = logging.getLogger(__name__)

RETRY_SECONDS = 2.0
GIVE_UP_SECONDS = 600.0

_pending: set[asyncio.Task[None]] = set()  # kept referenced until done


async def end_connection(*, connection_id: Any, reason: str, at: dt.datetime) -> None:
    """End the connection now, or keep trying in the background if that fails."""
    try:
        await _close(connection_id=connection_id, reason=reason, at=at)
    except Exception:
        logger.warning(
            "room socket: ending connection %s failed; retrying every %s s",
            connection_id,
            RETRY_SECONDS,
            exc_info=True,
        )
        task = asyncio.get_running_loop().create_task(
            _retry(connection_id=connection_id, reason=reason, at=at)
        )
        _pending.add(task)
        task.add_done_callback(_pending.discard)


async def _close(*, connection_id: Any, reason: str, at: dt.datetime) -> None:
    await database_sync_to_async(connections.close_connection)(
        connection_id=connection_id, reason=reason, at=at
    )


async def _retry(*, connection_id: Any, reason: str, at: dt.datetime) -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + GIVE_UP_SECONDS
    while loop.time() < give_up:
        await asyncio.sleep(RETRY_SECONDS)
        try:
            await _close(connection_id=connection_id, reason=reason, at=at)
        except Exception:
            continue
        logger.info("room socket: connection %s ended on retry", connection_id)
        return
    logger.error("room socket: gave up ending connection %s", connection_id)
