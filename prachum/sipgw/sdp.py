"""SDP offer/answer for audio only (RFC 3264, RFC 4566).

The answer takes one audio codec the Janus AudioBridge can mix — PCMA first (Thailand
is an A-law country), then PCMU, then Opus — plus telephone-event if offered, and
always says ``a=ptime:20`` (G.711 must arrive in 20 ms packets, guide §1.4). Every
other m-line (video, content, BFCP, a second audio) is answered with port 0, in the
same order and count (RFC 3264 §6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Our preference, by encoding name; static payload types of G.711.
PREFERENCE = ("pcma", "pcmu", "opus")
STATIC = {0: ("pcmu", 8000, 1), 8: ("pcma", 8000, 1)}
CLOCK = {"pcma": 8000, "pcmu": 8000, "opus": 48000}
ENCODING = {"pcma": "PCMA/8000", "pcmu": "PCMU/8000", "opus": "opus/48000/2"}
MAX_SDP = 16 * 1024


class SdpError(ValueError):
    """The SDP cannot be read."""


class NoAcceptableCodecError(SdpError):
    """The offer has no audio stream with a codec we take (answer 488)."""


@dataclass
class Media:
    kind: str
    port: int
    proto: str
    formats: list[str]
    connection: str = ""
    rtpmap: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    fmtp: dict[int, str] = field(default_factory=dict)
    direction: str = "sendrecv"
    ptime: int = 0


@dataclass
class Offer:
    connection: str
    media: list[Media]
    direction: str = "sendrecv"


@dataclass(frozen=True)
class Answer:
    """What was chosen, and the answer's text."""

    codec: str
    payload_type: int
    telephone_event: int | None
    remote_rtp: tuple[str, int]
    direction: str
    sdp: bytes
    fmtp: str = ""


_DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


def parse(body: bytes) -> Offer:
    """The session connection and media sections of an SDP body."""
    if len(body) > MAX_SDP:
        raise SdpError("SDP too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SdpError("SDP is not UTF-8") from exc
    offer = Offer(connection="", media=[])
    current: Media | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:].strip()
        if kind == "m":
            parts = value.split()
            if len(parts) < 3 or not parts[1].split("/")[0].isdigit():
                raise SdpError("bad m-line")
            current = Media(
                parts[0].lower(), int(parts[1].split("/")[0]), parts[2], parts[3:]
            )
            offer.media.append(current)
        elif kind == "c":
            parts = value.split()
            if len(parts) != 3 or parts[0] != "IN":
                raise SdpError("bad c-line")
            address = parts[2].split("/")[0]
            if current is None:
                offer.connection = address
            else:
                current.connection = address
        elif kind == "a":
            _attribute(offer, current, value)
    if not offer.media:
        raise SdpError("no m-line")
    return offer


def _attribute(offer: Offer, media: Media | None, value: str) -> None:
    name, _, rest = value.partition(":")
    if name in _DIRECTIONS:
        if media is None:
            offer.direction = name
        else:
            media.direction = name
        return
    if media is None:
        return
    if name == "rtpmap":
        match = re.match(r"^(\d+)\s+([^/\s]+)/(\d+)(?:/(\d+))?", rest)
        if match:
            channels = int(match.group(4) or 1)
            media.rtpmap[int(match.group(1))] = (
                match.group(2).lower(),
                int(match.group(3)),
                channels,
            )
    elif name == "fmtp":
        pt, _, params = rest.partition(" ")
        if pt.isdigit():
            media.fmtp[int(pt)] = params.strip()
    elif name == "ptime" and rest.strip().isdigit():
        media.ptime = int(rest.strip())


def _codec_of(media: Media, fmt: str) -> tuple[str, int, int] | None:
    if not fmt.isdigit():
        return None
    pt = int(fmt)
    if pt in media.rtpmap:
        return media.rtpmap[pt]
    return STATIC.get(pt)


def _choose(media: Media, prefer: str = "") -> tuple[str, int] | None:
    found: dict[str, int] = {}
    for fmt in media.formats:
        codec = _codec_of(media, fmt)
        if codec is None:
            continue
        name, clock, _channels = codec
        if name in CLOCK and CLOCK[name] == clock and name not in found:
            found[name] = int(fmt)
    for name in (prefer, *PREFERENCE):
        if name in found:
            return name, found[name]
    return None


def _telephone_event(media: Media) -> int | None:
    for fmt in media.formats:
        codec = _codec_of(media, fmt)
        if codec and codec[0] == "telephone-event" and codec[1] == 8000:
            return int(fmt)
    return None


_ANSWER_DIRECTION = {
    "sendrecv": "sendrecv",
    "sendonly": "recvonly",
    "recvonly": "sendonly",
    "inactive": "inactive",
}


def answer(
    body: bytes,
    *,
    media_host: str,
    port: int,
    session_id: int,
    version: int,
    prefer: str = "",
) -> Answer:
    """Our answer to an offer; :class:`NoAcceptableCodecError` when no audio fits.

    ``prefer`` (a re-offer in a call) keeps the codec already in use when offered.
    """
    offer = parse(body)
    chosen: tuple[int, str, int] | None = None
    for index, media in enumerate(offer.media):
        if media.kind == "audio" and media.port and "RTP/AVP" in media.proto.upper():
            picked = _choose(media, prefer)
            if picked:
                chosen = (index, *picked)
                break
    if chosen is None:
        raise NoAcceptableCodecError("no acceptable audio codec")
    index, codec, pt = chosen
    audio = offer.media[index]
    event = _telephone_event(audio)
    direction = audio.direction if audio.direction != "sendrecv" else offer.direction
    lines = [
        "v=0",
        f"o=prachum {session_id} {version} IN IP4 {media_host}",
        "s=Prachum",
        f"c=IN IP4 {media_host}",
        "t=0 0",
    ]
    for position, media in enumerate(offer.media):
        if position != index:
            refused = " ".join(media.formats) or "0"
            lines.append(f"m={media.kind} 0 {media.proto} {refused}")
            continue
        formats = [str(pt)] + ([str(event)] if event is not None else [])
        lines.append(f"m=audio {port} RTP/AVP {' '.join(formats)}")
        lines.append(f"a=rtpmap:{pt} {ENCODING[codec]}")
        fmtp = audio.fmtp.get(pt, "") if codec == "opus" else ""
        if fmtp:
            lines.append(f"a=fmtp:{pt} {fmtp}")
        if event is not None:
            lines.append(f"a=rtpmap:{event} telephone-event/8000")
            lines.append(f"a=fmtp:{event} 0-15")
        lines.append("a=ptime:20")
        lines.append(f"a={_ANSWER_DIRECTION.get(direction, 'sendrecv')}")
    sdp = ("\r\n".join(lines) + "\r\n").encode("ascii")
    host = audio.connection or offer.connection
    return Answer(codec, pt, event, (host, audio.port), direction, sdp, fmtp)
