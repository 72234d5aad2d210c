"""The SDP answer (RFC 3264): one codec Janus can mix, 20 ms, the rest refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prachum.sipgw import sdp


def offer(*media: str, session: str = "c=IN IP4 192.0.2.10\r\n") -> bytes:
    return (
        "v=0\r\no=cisco 1 1 IN IP4 192.0.2.10\r\ns=-\r\n"
        + session
        + "t=0 0\r\n"
        + "".join(media)
    ).encode()


def answer(body: bytes, prefer: str = "") -> sdp.Answer:
    return sdp.answer(
        body,
        media_host="203.0.113.5",
        port=40000,
        session_id=9,
        version=3,
        prefer=prefer,
    )


CISCO = offer(
    "m=audio 2326 RTP/AVP 9 0 8 101 111\r\n"
    "a=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\na=ptime:30\r\n",
    "m=video 2328 RTP/AVP 126 97\r\na=rtpmap:126 H264/90000\r\n",
    "m=video 2330 RTP/AVP 126\r\na=content:slides\r\n",
    "m=application 5070 TCP/BFCP *\r\na=floorctrl:c-s\r\n",
)


def test_pcma_is_preferred_with_telephone_event_and_ptime_20() -> None:
    result = answer(CISCO)
    text = result.sdp.decode()
    assert (result.codec, result.payload_type, result.telephone_event) == (
        "pcma",
        8,
        101,
    )
    assert result.remote_rtp == ("192.0.2.10", 2326)
    assert "m=audio 40000 RTP/AVP 8 101\r\n" in text
    assert "a=rtpmap:8 PCMA/8000\r\n" in text
    assert "a=ptime:20\r\n" in text
    assert "a=ptime:30" not in text
    assert "c=IN IP4 203.0.113.5\r\n" in text
    assert "o=prachum 9 3 IN IP4 203.0.113.5\r\n" in text


def test_video_content_and_bfcp_are_answered_with_port_0_in_order() -> None:
    lines = [
        line
        for line in answer(CISCO).sdp.decode().splitlines()
        if line.startswith("m=")
    ]
    assert lines == [
        "m=audio 40000 RTP/AVP 8 101",
        "m=video 0 RTP/AVP 126 97",
        "m=video 0 RTP/AVP 126",
        "m=application 0 TCP/BFCP *",
    ]


def test_pcmu_then_opus_when_pcma_is_not_offered() -> None:
    pcmu = answer(offer("m=audio 4000 RTP/AVP 0 111\r\na=rtpmap:111 opus/48000/2\r\n"))
    assert (pcmu.codec, pcmu.payload_type, pcmu.telephone_event) == ("pcmu", 0, None)
    opus = answer(
        offer(
            "m=audio 4000 RTP/AVP 96 9\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=0\r\n"
        )
    )
    assert (opus.codec, opus.payload_type) == ("opus", 96)
    assert "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=0\r\n" in opus.sdp.decode()
    assert "a=ptime:20" in opus.sdp.decode()


def test_a_reoffer_keeps_the_codec_in_use() -> None:
    assert answer(CISCO, prefer="opus").codec == "opus"
    assert answer(CISCO, prefer="pcmu").codec == "pcmu"


@pytest.mark.parametrize(
    "media",
    [
        "m=audio 4000 RTP/AVP 9 18\r\na=rtpmap:9 G722/8000\r\n",  # G.722 and G.729 only
        "m=audio 0 RTP/AVP 8\r\n",  # the audio stream is refused by the caller
        "m=audio 4000 RTP/SAVP 8\r\n",  # SRTP only
        "m=video 4000 RTP/AVP 8\r\n",
    ],
)
def test_no_acceptable_audio_codec(media: str) -> None:
    with pytest.raises(sdp.NoAcceptableCodecError):
        answer(offer(media))


def test_hold_is_seen_and_answered() -> None:
    held = answer(offer("m=audio 4000 RTP/AVP 8\r\na=sendonly\r\n"))
    assert held.direction == "sendonly"
    assert "a=recvonly" in held.sdp.decode()
    session_level = answer(
        offer(
            "m=audio 4000 RTP/AVP 8\r\n", session="c=IN IP4 0.0.0.0\r\na=inactive\r\n"
        )
    )
    assert session_level.direction == "inactive"


@pytest.mark.parametrize(
    "body", [b"", b"v=0\r\n", b"m=audio x RTP/AVP 8\r\n", b"\xff\xfe"]
)
def test_unreadable_sdp_is_an_sdp_error(body: bytes) -> None:
    with pytest.raises(sdp.SdpError):
        answer(body)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_are_an_offer_or_an_sdp_error(body: bytes) -> None:
    try:
        answer(body)
    except sdp.SdpError:
        return
