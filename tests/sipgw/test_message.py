"""SIP message parsing and serialising (RFC 3261 §7, §18.3, §20)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prachum.sipgw.message import (
    MAX_MESSAGE_SIZE,
    ParseError,
    SipMessage,
    StreamFramer,
    parse,
    parse_name_addr,
    parse_via,
    response_to,
    uri_hostport,
    uri_user,
)

INVITE = (
    b"INVITE sip:1234@gw.example.go.th SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport\r\n"
    b"Via: SIP/2.0/TCP vcs.example:5061;branch=z9hG4bK2,SIP/2.0/TLS cisco:5061;branch=z9hG4bK3\r\n"
    b'f: "Room 1" <sip:room1@moi.go.th>;tag=abc\r\n'
    b"t: <sip:1234@gw.example.go.th>\r\n"
    b"i: call-1@10.0.0.1\r\n"
    b"CSeq: 7 INVITE\r\n"
    b"m: <sip:room1@10.0.0.1:5060>\r\n"
    b"k: timer\r\n"
    b"x: 1800;refresher=uac\r\n"
    b"Subject: a folded\r\n  header\r\n"
    b"c: application/sdp\r\n"
    b"l: 5\r\n"
    b"\r\n"
    b"v=0\r\ntrailing garbage"
)


def test_compact_headers_are_expanded_to_full_names() -> None:
    message = parse(INVITE)
    assert message.method == "INVITE"
    assert message.uri == "sip:1234@gw.example.go.th"
    assert message.call_id == "call-1@10.0.0.1"
    assert message.get("Contact") == "<sip:room1@10.0.0.1:5060>"
    assert message.get("Supported") == "timer"
    assert message.get("Session-Expires") == "1800;refresher=uac"
    assert message.get("Content-Type") == "application/sdp"
    assert message.get("Subject") == "a folded header"
    assert message.cseq == (7, "INVITE")


def test_the_body_is_cut_to_content_length() -> None:
    assert parse(INVITE).body == b"v=0\r\n"


def test_several_via_headers_and_comma_lists_keep_their_order() -> None:
    message = parse(INVITE)
    vias = message.get_all("Via")
    assert [parse_via(v).branch for v in vias] == ["z9hG4bK1", "z9hG4bK2", "z9hG4bK3"]
    assert parse_via(vias[1]).transport == "TCP"
    response = response_to(message, 200, "OK", to_tag="xyz").to_bytes()
    assert response.count(b"Via: ") == 2
    assert response.index(b"branch=z9hG4bK1") < response.index(b"branch=z9hG4bK2")
    assert b"To: <sip:1234@gw.example.go.th>;tag=xyz\r\n" in response
    assert response.endswith(b"Content-Length: 0\r\n\r\n")


def test_a_message_round_trips_and_content_length_follows_the_body() -> None:
    message = parse(INVITE)
    message.body = b"v=0\r\no=x\r\n"
    again = parse(message.to_bytes())
    assert again.body == b"v=0\r\no=x\r\n"
    assert again.get("Content-Length") == "10"
    assert again.headers[:3] == message.headers[:3]


def test_a_response_is_parsed() -> None:
    raw = (
        b"SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
        b"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 2 BYE\r\n\r\n"
    )
    message = parse(raw)
    assert not message.is_request
    assert (message.status, message.reason) == (486, "Busy Here")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"INVITE sip:x SIP/2.0\r\n",  # no end of headers
        b"HELLO\r\n\r\n",
        b"INVITE sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n",  # no Via, CSeq, From, To
        INVITE.replace(b"CSeq: 7 INVITE", b"CSeq: seven INVITE"),
        INVITE.replace(b"l: 5", b"l: 500"),  # body shorter than declared
        INVITE.replace(b"l: 5", b"l: -1"),
        INVITE.replace(b"i: call", b"i\xff: call"),
        b"INVITE sip:x SIP/2.0\r\n" + b"X: y\r\n" * 300 + b"\r\n",
        b"INVITE sip:x SIP/2.0\r\nVia: a\r\n\r\n" + b"x" * MAX_MESSAGE_SIZE,
    ],
)
def test_malformed_messages_raise_parse_error(raw: bytes) -> None:
    with pytest.raises(ParseError):
        parse(raw)


def test_tcp_framing_by_content_length_across_chunks_with_keepalives() -> None:
    framer = StreamFramer()
    two = INVITE[: INVITE.index(b"trailing")] + INVITE[: INVITE.index(b"trailing")]
    stream = b"\r\n\r\n" + two + b"\r\n"
    out: list[SipMessage | None] = []
    for index in range(0, len(stream), 7):
        out.extend(framer.feed(stream[index : index + 7]))
    assert out[0] is StreamFramer.PING
    messages = [m for m in out if m is not None]
    assert len(messages) == 2
    assert all(m.body == b"v=0\r\n" for m in messages)


def test_tcp_framing_refuses_a_message_over_64_kb() -> None:
    framer = StreamFramer()
    huge = INVITE.replace(b"l: 5", b"l: 70000")
    with pytest.raises(ParseError):
        framer.feed(huge)
    with pytest.raises(ParseError):
        StreamFramer().feed(b"INVITE sip:x SIP/2.0\r\nX: " + b"y" * MAX_MESSAGE_SIZE)


def test_name_addr_and_uris() -> None:
    value = parse_name_addr('"ห้องประชุม, ชั้น 2" <sip:room@moi.go.th;transport=tls>;tag=9')
    assert value.display == "ห้องประชุม, ชั้น 2"
    assert value.uri == "sip:room@moi.go.th;transport=tls"
    assert value.params == {"tag": "9"}
    assert uri_user("sip:4321@gw:5070;user=phone") == "4321"
    assert uri_user("sip:gw.example") == ""
    assert uri_hostport("sip:u@[::1]:5070") == ("::1", 5070)
    assert uri_hostport("sips:u@h;transport=tls") == ("h", 5060)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_are_a_message_or_a_parse_error(data: bytes) -> None:
    try:
        message = parse(data)
    except ParseError:
        return
    assert isinstance(message, SipMessage)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                INVITE,
                b"\r\n",
                b"\r\n\r\n",
                b"Via: x\r\n",
                b"l: 3\r\n",
                b"\r\n\r\nabc",
                b"\xff",
            ]
        ),
        max_size=12,
    ),
    st.integers(min_value=1, max_value=50),
)
def test_any_stream_is_messages_or_a_parse_error(
    parts: list[bytes], chunk: int
) -> None:
    stream = b"".join(parts)
    framer = StreamFramer()
    try:
        for index in range(0, len(stream), chunk):
            framer.feed(stream[index : index + chunk])
    except ParseError:
        return


_HEADER_NAMES = [
    "Via",
    "v",
    "From",
    "f",
    "To",
    "t",
    "Call-ID",
    "i",
    "CSeq",
    "l",
    "Content-Length",
    "X",
]
_VALUES = st.one_of(
    st.sampled_from(
        [
            "1 INVITE",
            "SIP/2.0/UDP h;branch=z9hG4bK1",
            "<sip:a@b>;tag=1",
            "0",
            "5",
            "-1",
            "99999999",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(
        [
            "INVITE sip:1@h SIP/2.0",
            "BYE sip:x SIP/2.0",
            "SIP/2.0 200 OK",
            "SIP/2.0 99 x",
            "GET / HTTP/1.1",
        ]
    ),
    st.lists(st.tuples(st.sampled_from(_HEADER_NAMES), _VALUES), max_size=12),
    st.binary(max_size=40),
    st.sampled_from([b"\r\n", b"\n"]),
)
def test_sip_like_messages_are_a_message_or_a_parse_error(
    start: str, headers: list[tuple[str, str]], body: bytes, newline: bytes
) -> None:
    head = newline.join([start.encode()] + [f"{n}: {v}".encode() for n, v in headers])
    data = head + newline + newline + body
    try:
        message = parse(data)
    except ParseError:
        return
    assert message.call_id
    assert len(message.body) <= len(body)
    again = parse(message.to_bytes())  # what we parsed we can write and read again
    assert again.body == message.body
