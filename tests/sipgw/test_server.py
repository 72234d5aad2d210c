"""The server's own behaviour with a scripted peer on loopback: errors, retransmissions,
limits, timers, and the RTP relay both ways (SIPp covers the normal calls)."""

from __future__ import annotations

import asyncio
import random

import pytest

from prachum.sipgw import g711, rtp
from prachum.sipgw.call import Call
from prachum.sipgw.dtmf import build_event
from prachum.sipgw.message import SipMessage, StreamFramer, response_to
from tests.sipgw.rawsip import Calls, RawUac, open_inbox, running, sdp_offer
from tests.sipgw.sipp import loopback_config

pytestmark = pytest.mark.asyncio


async def test_a_request_missing_headers_gets_400_and_garbage_is_dropped() -> None:
    async with running(loopback_config(), Calls()) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        uac.send(b"\x00\xff garbage \r\n\r\n")
        uac.send(
            "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKb\r\n"
            "From: <sip:a@b>;tag=1\r\nCall-ID: q\r\n\r\n"
        )
        bad = await inbox.wait_for(lambda d: d.startswith(b"SIP/2.0 400 "))
        assert b"branch=z9hG4bKb" in bad
        uac.send(uac.request("OPTIONS", 1))
        ok = await uac.response(200, "OPTIONS")
        assert "UPDATE" in ok.get("Allow")
        assert "timer" in ok.get("Supported")
        inbox.close()


async def test_the_server_survives_random_and_mutated_datagrams() -> None:
    generator = random.Random(17)
    async with running(loopback_config(), Calls()) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        valid = uac.request("INVITE", 1, body=sdp_offer(4000)).encode()
        for _ in range(400):
            if generator.random() < 0.3:
                blob = bytes(
                    generator.randrange(256) for _ in range(generator.randrange(1, 400))
                )
            else:
                blob = bytearray(valid)
                for _ in range(generator.randrange(1, 8)):
                    blob[generator.randrange(len(blob))] = generator.randrange(256)
                blob = bytes(blob[: generator.randrange(10, len(blob) + 1)])
            uac.send(blob)
        await asyncio.sleep(0.5)
        uac.send(uac.request("OPTIONS", 1))
        await uac.response(200, "OPTIONS")
        await server.stop()  # every call the garbage made is ended
        assert server.calls == {}
        inbox.close()


async def test_no_acceptable_codec_is_488_resent_until_the_ack() -> None:
    calls = Calls()
    async with running(loopback_config(t1=0.05), calls) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        invite = uac.request(
            "INVITE", 1, body=sdp_offer(4000, "9 18"), branch="z9hG4bKg722"
        )
        uac.send(invite)
        first = await uac.response(488, "INVITE")
        again = await uac.response(
            488, "INVITE", start=len(inbox.items)
        )  # retransmitted
        assert first.get("To") == again.get("To")
        uac.send(uac.request("ACK", 1, branch="z9hG4bKg722"))
        await asyncio.sleep(0.4)
        count = len(inbox.items)
        await asyncio.sleep(0.5)
        assert len(inbox.items) == count  # the ACK stopped the retransmissions
        assert calls.seen == []
        assert server.calls == {}
        inbox.close()


async def test_a_retransmitted_invite_gets_the_same_answer_and_one_call() -> None:
    calls = Calls()
    async with running(loopback_config(), calls) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        invite = uac.request("INVITE", 1, body=sdp_offer(4000), branch="z9hG4bKsame")
        uac.send(invite)
        first = await uac.response(200, "INVITE")
        mark = len(inbox.items)
        uac.send(invite)
        second = await uac.response(200, "INVITE", start=mark)
        assert second.to_bytes() == first.to_bytes()
        uac.send(uac.request("ACK", 1))
        await asyncio.sleep(0.2)
        assert len(calls.seen) == 1
        uac.send(uac.request("BYE", 2))
        await uac.response(200, "BYE")
        await asyncio.wait_for(calls.seen[0].ended.wait(), 2)
        assert calls.seen[0].end_reason == "bye"
        inbox.close()


@pytest.mark.parametrize(
    ("method", "status"),
    [("FROBNICATE", 501), ("MESSAGE", 405), ("BYE", 481), ("INFO", 481)],
)
async def test_unknown_methods_and_requests_outside_a_dialog(
    method: str, status: int
) -> None:
    async with running(loopback_config(), Calls()) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        uac.to_tag = "nosuchdialog"
        uac.send(uac.request(method, 1))
        await uac.response(status, method)
        inbox.close()


async def test_limits_max_calls_503_min_se_422_and_unknown_extension_420() -> None:
    calls = Calls()
    async with running(loopback_config(max_calls=1, min_se=90), calls) as server:
        inbox = await open_inbox()
        first = RawUac(inbox, server.bound["udp"])
        first.send(first.request("INVITE", 1, body=sdp_offer(4000)))
        await first.response(200, "INVITE")
        second = RawUac(inbox, server.bound["udp"])
        second.send(second.request("INVITE", 1, body=sdp_offer(4002)))
        busy = await second.response(503, "INVITE")
        assert busy.get("Retry-After") == "30"
        inbox.close()
    async with running(loopback_config(min_se=90), calls) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        uac.send(
            uac.request(
                "INVITE", 1, body=sdp_offer(4000), headers="Session-Expires: 30"
            )
        )
        small = await uac.response(422, "INVITE")
        assert small.get("Min-SE") == "90"
        other = RawUac(inbox, server.bound["udp"])
        other.send(
            other.request("INVITE", 1, body=sdp_offer(4000), headers="Require: 100rel")
        )
        extension = await other.response(420, "INVITE")
        assert extension.get("Unsupported") == "100rel"
        inbox.close()


async def test_a_2xx_never_acked_is_resent_then_the_call_ends_transport() -> None:
    calls = Calls()
    async with running(loopback_config(t1=0.05), calls) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        uac.send(uac.request("INVITE", 1, body=sdp_offer(4000)))
        await uac.response(200, "INVITE")
        bye = await uac.request_in("BYE", timeout=6)
        oks = [d for d, _ in inbox.items if d.startswith(b"SIP/2.0 200 OK")]
        assert len(oks) >= 4
        assert calls.seen[0].end_reason == "transport"
        uac.answer(bye)
        inbox.close()


async def test_the_session_expires_without_a_refresh_and_a_refresh_postpones_it() -> (
    None
):
    calls = Calls()
    async with running(loopback_config(min_se=2), calls) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        uac.send(
            uac.request(
                "INVITE",
                1,
                body=sdp_offer(4000),
                headers="Supported: timer\nSession-Expires: 3",
            )
        )
        ok = await uac.response(200, "INVITE")
        assert ok.get("Session-Expires") == "3;refresher=uac"
        assert ok.get("Require") == "timer"
        uac.send(uac.request("ACK", 1))
        await asyncio.sleep(1.5)
        uac.send(uac.request("UPDATE", 2, headers="Session-Expires: 3"))
        await uac.response(200, "UPDATE")
        await asyncio.sleep(1.5)  # past the first deadline (2 s), within the new one
        assert not calls.seen[0].ended.is_set()
        bye = await uac.request_in("BYE", timeout=4)
        uac.answer(bye)
        assert calls.seen[0].end_reason == "session_expired"
        inbox.close()


async def test_no_rtp_for_rtp_timeout_ends_the_call() -> None:
    calls = Calls()
    async with running(loopback_config(rtp_timeout=1.0), calls) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        uac.send(uac.request("INVITE", 1, body=sdp_offer(4000)))
        await uac.response(200, "INVITE")
        uac.send(uac.request("ACK", 1))
        uac.answer(await uac.request_in("BYE", timeout=5))
        assert calls.seen[0].end_reason == "rtp_timeout"
        inbox.close()


async def test_a_hold_reinvite_is_noted_and_answered_with_the_same_port() -> None:
    calls = Calls()
    async with running(loopback_config(), calls) as server:
        inbox = await open_inbox()
        uac = RawUac(inbox, server.bound["udp"])
        uac.send(uac.request("INVITE", 1, body=sdp_offer(4000)))
        first = await uac.response(200, "INVITE")
        uac.send(uac.request("ACK", 1))
        uac.send(uac.request("INVITE", 2, body=sdp_offer(4000, extra="a=sendonly\r\n")))
        held = await uac.response(200, "INVITE", start=len(inbox.items))
        port = [
            line
            for line in first.body.decode().splitlines()
            if line.startswith("m=audio")
        ]
        assert port == [
            line
            for line in held.body.decode().splitlines()
            if line.startswith("m=audio")
        ]
        assert b"a=recvonly" in held.body
        assert calls.seen[0].on_hold
        await server.stop()
        assert calls.seen[0].end_reason == "hangup"
        assert b"BYE sip:raw@" in b"".join(d for d, _ in inbox.items)
        inbox.close()


async def test_media_both_ways_with_digits_stripped_and_janus_source_filtered() -> None:
    """Caller RTP -> Janus (telephone-events out, 20 ms), Janus -> caller (only from
    the bridged address; not during a prompt), a prompt -> caller."""
    janus = await open_inbox()
    stranger = await open_inbox()
    phone = await open_inbox()
    legs: list[Call] = []

    async def bridge(call: Call) -> None:
        legs.append(call)
        call.bridge_to("127.0.0.1", janus.port)
        await call.ended.wait()

    async with running(loopback_config(), bridge) as server:
        signalling = await open_inbox()
        uac = RawUac(signalling, server.bound["udp"])
        uac.send(uac.request("INVITE", 1, body=sdp_offer(phone.port)))
        ok = await uac.response(200, "INVITE")
        uac.send(uac.request("ACK", 1))
        ours = int(
            next(
                line
                for line in ok.body.decode().splitlines()
                if line.startswith("m=audio")
            ).split()[1]
        )
        await asyncio.sleep(0.1)
        call = legs[0]
        for index in range(5):
            phone.send(
                rtp.RtpPacket(
                    8, index, 240 * index, 1, bytes([index]) * 240
                ).to_bytes(),
                ("127.0.0.1", ours),
            )
        phone.send(
            rtp.RtpPacket(
                101, 9, 2000, 1, build_event(5, end=True, duration=800)
            ).to_bytes(),
            ("127.0.0.1", ours),
        )
        phone.send(
            rtp.RtpPacket(8, 10, 4000, 1, b"\x00" * 100).to_bytes(), ("127.0.0.1", ours)
        )
        assert await call.next_digit(2) == "5"
        await janus.wait_for(lambda d: True)
        await asyncio.sleep(0.2)
        to_janus = [rtp.parse(d) for d, _ in janus.items]
        assert [len(p.payload) for p in to_janus] == [160] * 7
        assert {p.payload_type for p in to_janus} == {8}
        assert call.stats.dropped_wrong_size == 1
        assert call.stats.repacketised_frames == 7
        leg = call.janus_leg()
        stranger.send(rtp.RtpPacket(8, 1, 1, 9, b"S" * 160).to_bytes(), leg)
        janus.send(rtp.RtpPacket(8, 1, 1, 9, b"J" * 160).to_bytes(), leg)
        heard = rtp.parse(await phone.wait_for(lambda d: True))
        assert heard.payload == b"J" * 160
        await asyncio.sleep(0.1)
        assert all(rtp.parse(d).payload != b"S" * 160 for d, _ in phone.items)
        assert call.stats.dropped_foreign == 1
        mark = len(phone.items)
        prompt = asyncio.ensure_future(
            call.play(b"\x00\x10" * 1600, interruptible=False)
        )
        await asyncio.sleep(0.05)
        janus.send(rtp.RtpPacket(8, 2, 161, 9, b"J" * 160).to_bytes(), leg)
        await prompt
        played = [rtp.parse(d).payload for d, _ in phone.items[mark:]]
        assert played == [g711.encode(b"\x00\x10" * 160, "pcma")] * 10
        uac.send(uac.request("BYE", 2))
        await uac.response(200, "BYE")
    for inbox in (janus, stranger, phone, signalling):
        inbox.close()


async def test_an_opus_call_passes_opus_through_and_cannot_be_played_to() -> None:
    janus = await open_inbox()
    phone = await open_inbox()
    legs: list[Call] = []

    async def bridge(call: Call) -> None:
        legs.append(call)
        call.bridge_to("127.0.0.1", janus.port)
        await call.ended.wait()

    async with running(loopback_config(), bridge) as server:
        signalling = await open_inbox()
        uac = RawUac(signalling, server.bound["udp"])
        uac.send(uac.request("INVITE", 1, body=sdp_offer(phone.port, "111 101")))
        ok = await uac.response(200, "INVITE")
        assert b"a=rtpmap:111 opus/48000/2" in ok.body
        uac.send(uac.request("ACK", 1))
        ours = int(
            next(
                line
                for line in ok.body.decode().splitlines()
                if line.startswith("m=audio")
            ).split()[1]
        )
        await asyncio.sleep(0.1)
        phone.send(
            rtp.RtpPacket(111, 1, 960, 3, b"opus-frame-of-any-size").to_bytes(),
            ("127.0.0.1", ours),
        )
        forwarded = rtp.parse(await janus.wait_for(lambda d: True))
        assert (forwarded.payload_type, forwarded.payload) == (
            111,
            b"opus-frame-of-any-size",
        )
        assert legs[0].codec == "opus"
        with pytest.raises(NotImplementedError):
            await legs[0].play(b"\x00\x00" * 160)
        uac.send(uac.request("BYE", 2))
        await uac.response(200, "BYE")
    for inbox in (janus, phone, signalling):
        inbox.close()


async def test_over_tcp_a_closed_connection_is_opened_again_for_our_bye() -> None:
    """The caller's TCP connection is gone when we hang up: the BYE goes to its
    Contact on a new connection."""
    hang_up = asyncio.Event()
    ended: list[Call] = []

    async def wait_then_hang_up(call: Call) -> None:
        ended.append(call)
        await hang_up.wait()
        await call.hangup()

    byes: list[SipMessage] = []

    async def contact_side(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        framer = StreamFramer()
        while not byes:
            chunk = await reader.read(4096)
            if not chunk:
                return
            for message in framer.feed(chunk):
                if message is not None and message.method == "BYE":
                    byes.append(message)
                    answer = response_to(message, 200, "OK").to_bytes()
                    writer.write(answer)
        writer.close()

    listener = await asyncio.start_server(contact_side, "127.0.0.1", 0)
    contact_port = listener.sockets[0].getsockname()[1]
    async with running(loopback_config(), wait_then_hang_up) as server:
        reader, writer = await asyncio.open_connection(*server.bound["tcp"])
        body = sdp_offer(4000)
        head = (
            "INVITE sip:77@127.0.0.1 SIP/2.0\r\n"
            "Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtcp1\r\n"
            "From: <sip:raw@127.0.0.1>;tag=a\r\nTo: <sip:77@127.0.0.1>\r\n"
            "Call-ID: tcp-reconnect\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:raw@127.0.0.1:{contact_port};transport=tcp>\r\n"
            f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(b"\r\n\r\n" + (head + body).encode())  # a keep-alive first
        framer = StreamFramer()
        seen: list[SipMessage | None] = []
        raw = b""
        while not any(m is not None and m.status == 200 for m in seen):
            chunk = await asyncio.wait_for(reader.read(4096), 5)
            raw += chunk
            seen += framer.feed(chunk)
        assert raw.startswith(b"\r\nSIP/2.0 100 Trying\r\n")  # the CRLF pong first
        ok = next(m for m in seen if m is not None and m.status == 200)
        tag = ok.get("To").partition(";tag=")[2]
        writer.write(
            (
                "ACK sip:77@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtcp2\r\n"
                f"From: <sip:raw@127.0.0.1>;tag=a\r\nTo: <sip:77@127.0.0.1>;tag={tag}\r\n"
                "Call-ID: tcp-reconnect\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        writer.close()
        await asyncio.sleep(0.2)
        hang_up.set()
        await asyncio.wait_for(ended[0].ended.wait(), 5)
        for _ in range(50):
            if byes:
                break
            await asyncio.sleep(0.05)
    listener.close()
    assert ended[0].transport == "tcp"
    assert ended[0].end_reason == "hangup"
    assert len(byes) == 1
    assert byes[0].call_id == "tcp-reconnect"
    assert byes[0].get("To") == "<sip:raw@127.0.0.1>;tag=a"
