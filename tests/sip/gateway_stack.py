"""The real gateway (:class:`prachum.telephony.gateway.Gateway`) inside the test
namespace, in a thread of its own with its own event loop, using the test database
(through PostgreSQL's socket when that is the database: ``database_reachable_inside``)
and the namespace's Janus. SIPp callers reach it on ``ns.address``."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prachum.media.loader import get_audiobridge, get_media_server
from prachum.sipgw.server import SipConfig
from prachum.telephony.gateway import Gateway
from tests.netns import NetNamespace
from tests.sip.sipp import free_ports

NODE = "sipgw-e2e"


@dataclass
class RunningGateway:
    gateway: Gateway
    address: tuple[str, int]
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread


@contextlib.contextmanager
def gateway_inside(
    ns: NetNamespace, *, rtp_ports: tuple[int, int] = (41000, 41399)
) -> Iterator[RunningGateway]:
    port = free_ports(ns, base=17000) + 1
    config = SipConfig(
        host=ns.address,
        udp_port=port,
        tcp_port=port,
        media_host=ns.address,
        rtp_ports=rtp_ports,
        janus_rtp_host="127.0.0.1",
    )
    started = threading.Event()
    failure: list[BaseException] = []
    holder: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        holder["loop"] = loop
        gateway = Gateway(
            config=config,
            server_node=NODE,
            audiobridge=get_audiobridge(),
            videoroom=get_media_server(),
        )
        holder["gateway"] = gateway
        try:
            loop.run_until_complete(gateway.start())
        except BaseException as error:  # reported to the test below
            failure.append(error)
            started.set()
            loop.close()
            return
        started.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(gateway.stop())
            loop.close()

    thread = ns.start_thread(run)
    if not started.wait(60):
        raise RuntimeError("the gateway did not start in 60 s")
    if failure:
        raise failure[0]
    running = RunningGateway(
        gateway=holder["gateway"],
        address=(ns.address, port),
        loop=holder["loop"],
        thread=thread,
    )
    try:
        yield running
    finally:
        running.loop.call_soon_threadsafe(running.loop.stop)
        thread.join(timeout=30)
