"""Contract tests of the SIP gateway against real SIPp callers on loopback.

SIPp does the signalling from scenario files (``scenarios/``) and plays SIPp's own
RFC 4733 and 30 ms A-law pcaps; a UDP socket of the test stands in for Janus.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from prachum.sipgw import g711, rtp
from prachum.sipgw.call import Call
from prachum.sipgw.server import SipConfig, SipServer
from tests.sipgw.rawsip import Calls, running
from tests.sipgw.sipp import (
    SIPP_PCAPS,
    loopback_config,
    read_pcap_rtp,
    require_root_for_pcap,
    require_sipp,
    run_sipp,
)

pytestmark = pytest.mark.asyncio


@contextlib.asynccontextmanager
async def serving(
    config: SipConfig, on_call: Callable[[Call], Awaitable[None]]
) -> AsyncIterator[SipServer]:
    require_sipp()
    async with running(config, on_call) as server:
        yield server


class JanusStandIn(asyncio.DatagramProtocol):
    """A UDP socket in place of Janus: keeps every RTP packet it gets."""

    def __init__(self) -> None:
        self.packets: list[rtp.RtpPacket] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.packets.append(rtp.parse(data))


async def janus_stand_in() -> tuple[JanusStandIn, tuple[str, int]]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        JanusStandIn, local_addr=("127.0.0.1", 0)
    )
    return protocol, transport.get_extra_info("sockname")[:2]


async def test_options_is_answered_200_with_allow(tmp_path: Path) -> None:
    async with serving(loopback_config(), Calls()) as server:
        run = await run_sipp("options.xml", server.bound["udp"], tmp_path)
    assert run.returncode == 0, run.output + run.errors


@pytest.mark.parametrize("transport", ["u1", "t1"])
async def test_invite_ack_bye_answers_pcma_at_20ms_and_refuses_video_with_port_0(
    tmp_path: Path, transport: str
) -> None:
    calls = Calls()
    async with serving(loopback_config(), calls) as server:
        kind = "udp" if transport == "u1" else "tcp"
        run = await run_sipp(
            "call.xml", server.bound[kind], tmp_path, transport=transport
        )
        assert run.returncode == 0, run.output + run.errors
        assert len(calls.seen) == 1
        call = calls.seen[0]
        await asyncio.wait_for(call.ended.wait(), 5)
    assert call.end_reason == "bye"
    assert call.dialled == "1234"
    assert call.codec == "pcma"
    assert call.transport == kind
    assert call.remote_rtp[0] == "127.0.0.1"
    assert call.user_agent == "SIPp contract test"
    assert call.from_uri.startswith("sip:sipp@127.0.0.1")
    assert call.answered_at is not None
    assert server.calls == {}


async def test_cancel_before_the_answer_gets_487_and_no_call(tmp_path: Path) -> None:
    calls = Calls()
    async with serving(loopback_config(answer_delay=5.0), calls) as server:
        run = await run_sipp("cancel.xml", server.bound["udp"], tmp_path)
        assert run.returncode == 0, run.output + run.errors
        assert server.calls == {}
    assert calls.seen == []


async def test_reinvite_is_answered_with_the_same_media(tmp_path: Path) -> None:
    calls = Calls()
    async with serving(loopback_config(), calls) as server:
        run = await run_sipp("reinvite.xml", server.bound["udp"], tmp_path)
    assert run.returncode == 0, run.output + run.errors
    assert [c.end_reason for c in calls.seen] == ["bye"]
    assert calls.seen[0].codec == "pcma"


async def test_update_refreshes_the_session_timer(tmp_path: Path) -> None:
    calls = Calls()
    async with serving(loopback_config(), calls) as server:
        run = await run_sipp("update.xml", server.bound["udp"], tmp_path)
    assert run.returncode == 0, run.output + run.errors
    assert [c.end_reason for c in calls.seen] == ["bye"]


async def test_a_session_never_refreshed_is_ended_with_bye(tmp_path: Path) -> None:
    calls = Calls()
    async with serving(loopback_config(min_se=2), calls) as server:
        run = await run_sipp("expiry.xml", server.bound["udp"], tmp_path)
    assert run.returncode == 0, run.output + run.errors
    assert [c.end_reason for c in calls.seen] == ["session_expired"]


class Digits:
    def __init__(self, count: int) -> None:
        self.count = count
        self.digits: list[str | None] = []

    async def __call__(self, call: Call) -> None:
        for _ in range(self.count):
            self.digits.append(await call.next_digit(timeout=10))
        await call.ended.wait()


async def test_sip_info_digits_reach_next_digit(tmp_path: Path) -> None:
    digits = Digits(3)
    async with serving(loopback_config(), digits) as server:
        run = await run_sipp("info_dtmf.xml", server.bound["udp"], tmp_path)
    assert run.returncode == 0, run.output + run.errors
    assert digits.digits == ["4", "#", "7"]


async def test_rfc4733_digits_from_sipp_pcaps_reach_next_digit_once_each(
    tmp_path: Path,
) -> None:
    require_root_for_pcap()
    digits = Digits(3)
    async with serving(loopback_config(), digits) as server:
        run = await run_sipp("rfc4733.xml", server.bound["udp"], tmp_path)
        assert run.returncode == 0, run.output + run.errors
    assert digits.digits == ["1", "2", "#"]
    assert digits_count(digits) == 3


def digits_count(digits: Digits) -> int:
    return sum(1 for d in digits.digits if d)


@pytest.mark.e2e
async def test_30ms_alaw_arrives_at_janus_repacketised_into_20ms(
    tmp_path: Path,
) -> None:
    require_root_for_pcap()
    janus, janus_addr = await janus_stand_in()
    legs: list[tuple[str, int]] = []

    async def bridge(call: Call) -> None:
        legs.append(call.janus_leg())
        call.bridge_to(*janus_addr)
        await call.ended.wait()

    async with serving(loopback_config(), bridge) as server:
        run = await run_sipp("g711a.xml", server.bound["udp"], tmp_path, wait=40)
    assert run.returncode == 0, run.output + run.errors
    source = b"".join(p[12:] for p in read_pcap_rtp(SIPP_PCAPS / "g711a.pcap"))
    assert len(source) == 236 * 240
    packets = janus.packets
    assert packets, "nothing reached the Janus stand-in"
    assert {len(p.payload) for p in packets} == {160}
    assert {p.payload_type for p in packets} == {8}
    assert len({p.ssrc for p in packets}) == 1
    for before, after in itertools.pairwise(packets):
        assert (after.seq - before.seq) & 0xFFFF == 1
        assert (after.timestamp - before.timestamp) & 0xFFFFFFFF == 160
    received = b"".join(p.payload for p in packets)
    # 236 x 30 ms = 354 x 20 ms: every byte of the caller's audio, in order.
    assert len(received) == len(source)
    assert received == source
    decoded = g711.decode(received, "pcma")
    assert decoded == g711.decode(source, "pcma")
    assert max(abs(s) for s in struct.unpack(f"<{len(decoded) // 2}h", decoded)) > 1000
    assert legs
    assert legs[0][0] == "127.0.0.1"


def tone(seconds: float, frequency: float = 440.0) -> bytes:
    count = int(8000 * seconds)
    return struct.pack(
        f"<{count}h",
        *(
            int(8000 * math.sin(2 * math.pi * frequency * i / 8000))
            for i in range(count)
        ),
    )


async def test_play_reaches_the_caller_and_its_echo_reaches_janus(
    tmp_path: Path,
) -> None:
    janus, janus_addr = await janus_stand_in()
    prompt = tone(1.0)
    stats: list[rtp.RtpPacket] = []

    async def prompt_then_hang_up(call: Call) -> None:
        call.bridge_to(*janus_addr)
        await call.play(prompt)
        await asyncio.sleep(0.5)
        stats.append(call.stats)  # type: ignore[arg-type]
        await call.hangup()

    async with serving(loopback_config(), prompt_then_hang_up) as server:
        run = await run_sipp(
            "echo.xml", server.bound["udp"], tmp_path, extra=("-rtp_echo",)
        )
    assert run.returncode == 0, run.output + run.errors
    sent = g711.encode(prompt, "pcma")
    received = b"".join(p.payload for p in janus.packets)
    assert len(received) >= len(sent) * 0.95
    assert sent[1600:4800] in received
