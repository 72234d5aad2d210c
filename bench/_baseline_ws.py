"""The baseline of ``bench/fanout.py``: a bare ``websockets`` broadcast server.

Run: ``python bench/_baseline_ws.py PORT`` (loopback only). Every socket gets
``{"type":"snapshot","snapshot":{"version":0}}`` on connect; every text message any
socket sends is broadcast verbatim to all connected sockets with
``websockets.broadcast``. No auth, no database, no channel layer: what the transport
alone costs. Same event loop (uvloop) and permessage-deflate default as uvicorn.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve

SNAPSHOT = '{"type":"snapshot","snapshot":{"version":0}}'


async def main(port: int) -> None:
    clients: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            await ws.send(SNAPSHOT)
            async for message in ws:
                broadcast(clients, message)
        finally:
            clients.discard(ws)

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        handler,
        "127.0.0.1",
        port,
        max_size=16 * 1024 * 1024,
        ping_interval=20,
        ping_timeout=20,
        backlog=4096,
    ):
        await stop


if __name__ == "__main__":
    if len(sys.argv) != 2:
        # ``make bench`` runs every bench/*.py: without a port this is a helper, not
        # a benchmark, so it says so and succeeds instead of serving for ever.
        print(
            "usage: _baseline_ws.py PORT (started by bench/fanout.py)", file=sys.stderr
        )
        sys.exit(0)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        asyncio.run(main(int(sys.argv[1])))
    else:
        uvloop.run(main(int(sys.argv[1])))
