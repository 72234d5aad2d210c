"""RTP streams as pcap files for SIPp's ``play_pcap_audio``, and pcaps read back.

A caller's media is built as one :class:`RtpStream` (one SSRC, sequence numbers and
timestamps continuous across its parts): :meth:`RtpStream.audio` appends G.711
packets of 20 ms (160 bytes) or 30 ms (240 bytes), :meth:`RtpStream.dtmf` appends
RFC 4733 telephone-events for a digit string (marker on an event's first packet,
one timestamp per event, growing duration, the end packet sent three times, silence
packets between digits unless ``fill=False``), :meth:`RtpStream.pause` lets time pass
with no packet. :func:`write_pcap` writes the packets (libpcap, Ethernet/IPv4/UDP)
at their send times: SIPp replays them with that timing, from its media port to the
address in the far side's SDP, leaving the RTP headers as they are.

Reading: :func:`read_pcap` gives the UDP datagrams of a capture (Ethernet, Linux
cooked v1/v2 as ``tcpdump -i any`` writes, raw IP, BSD loopback);
:func:`rtp_packets` the RTP packets sent to a port, duplicates removed (a capture on
``any`` can see a packet twice); :func:`received_audio` what a caller heard on its
media port, decoded to 8 kHz PCM and placed on a timeline.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.sip import audio

PT_PCMU = 0
PT_PCMA = 8
PT_TELEPHONE_EVENT = 101
CODEC_BY_PT = {PT_PCMA: "pcma", PT_PCMU: "pcmu"}
PT_BY_CODEC = {"pcma": PT_PCMA, "pcmu": PT_PCMU}
SILENCE_BYTE = {"pcma": audio.ALAW_SILENCE, "pcmu": audio.ULAW_SILENCE}
#: RFC 4733 event codes of the keypad.
DTMF_EVENTS = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}
DIGIT_OF_EVENT = {code: digit for digit, code in DTMF_EVENTS.items()}

_LINKTYPE_NULL, _LINKTYPE_ETHERNET, _LINKTYPE_RAW = 0, 1, 101
_LINKTYPE_SLL, _LINKTYPE_SLL2 = 113, 276
_MAX_RECORDS = 2_000_000


@dataclass(frozen=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    marker: bool
    payload: bytes
    time: float = 0.0  # seconds: send time in a stream, capture time when read

    def to_bytes(self) -> bytes:
        head = struct.pack(
            "!BBHII",
            0x80,
            (0x80 if self.marker else 0) | (self.payload_type & 0x7F),
            self.sequence & 0xFFFF,
            self.timestamp & 0xFFFFFFFF,
            self.ssrc & 0xFFFFFFFF,
        )
        return head + self.payload

    @classmethod
    def parse(cls, data: bytes, time: float = 0.0) -> RtpPacket | None:
        """None unless ``data`` is an RTP version 2 packet."""
        if len(data) < 12 or data[0] >> 6 != 2:
            return None
        first, second, sequence, timestamp, ssrc = struct.unpack("!BBHII", data[:12])
        offset = 12 + 4 * (first & 0x0F)
        if first & 0x10:  # header extension
            if len(data) < offset + 4:
                return None
            offset += 4 + 4 * struct.unpack("!H", data[offset + 2 : offset + 4])[0]
        end = len(data)
        if first & 0x20 and end > offset:  # padding
            end -= data[-1]
        if offset > end:
            return None
        return cls(
            payload_type=second & 0x7F,
            sequence=sequence,
            timestamp=timestamp,
            ssrc=ssrc,
            marker=bool(second & 0x80),
            payload=data[offset:end],
            time=time,
        )


@dataclass(frozen=True)
class DtmfEvent:
    """One RFC 4733 event payload."""

    digit: str
    end: bool
    volume: int
    duration: int  # timestamp units

    @classmethod
    def parse(cls, payload: bytes) -> DtmfEvent | None:
        if len(payload) < 4 or payload[0] not in DIGIT_OF_EVENT:
            return None
        event, flags, duration = struct.unpack("!BBH", payload[:4])
        return cls(DIGIT_OF_EVENT[event], bool(flags & 0x80), flags & 0x3F, duration)


@dataclass
class RtpStream:
    """Packets of one caller's media, one SSRC (see the module docstring)."""

    ssrc: int = field(default_factory=lambda: random.getrandbits(32))
    sequence: int = field(default_factory=lambda: random.getrandbits(15))
    timestamp: int = field(default_factory=lambda: random.getrandbits(31))
    codec: str = "pcma"
    event_payload_type: int = PT_TELEPHONE_EVENT
    time: float = 0.0
    packets: list[RtpPacket] = field(default_factory=list)

    def _add(self, pt: int, payload: bytes, *, marker: bool = False) -> None:
        self.packets.append(
            RtpPacket(
                pt, self.sequence, self.timestamp, self.ssrc, marker, payload, self.time
            )
        )
        self.sequence = (self.sequence + 1) & 0xFFFF

    def _advance(self, units: int) -> None:
        self.timestamp = (self.timestamp + units) & 0xFFFFFFFF
        self.time += units / audio.RATE

    def audio(self, pcm: bytes, *, ptime: int = 20) -> RtpStream:
        """G.711 packets of ``ptime`` ms (the last one padded with silence)."""
        if ptime <= 0 or ptime % 10:
            raise ValueError("ptime must be a multiple of 10 ms")
        frame = audio.RATE * ptime // 1000
        encoded = audio.encode(pcm, self.codec)
        pad = (-len(encoded)) % frame
        encoded += bytes([SILENCE_BYTE[self.codec]]) * pad
        first = True
        for start in range(0, len(encoded), frame):
            # A marker starts a talkspurt (RFC 3551): the first packet of a part.
            self._add(
                PT_BY_CODEC[self.codec], encoded[start : start + frame], marker=first
            )
            first = False
            self._advance(frame)
        return self

    def silence(self, seconds: float, *, ptime: int = 20) -> RtpStream:
        return self.audio(audio.silence(seconds), ptime=ptime)

    def pause(self, seconds: float) -> RtpStream:
        """Time passes with no packet (timestamps advance as the clock does)."""
        self._advance(round(seconds * audio.RATE))
        return self

    def dtmf(
        self,
        digits: str,
        *,
        tone: float = 0.16,
        gap: float = 0.12,
        volume: int = 10,
        fill: bool = True,
    ) -> RtpStream:
        """RFC 4733 events for ``digits`` (0-9, *, #), one every ``tone + gap`` s.

        Every 20 ms an event packet with the duration so far; the final one has the and is sent three times (same sequence as RFC 4733 §2.5.1.4 allows:
        here each retransmission gets its own sequence number, as most phones do).
        The gap between digits carries silence packets when ``fill`` is true.
        """
        step = audio.RATE // 50  # 20 ms
        for digit in digits:
            if digit not in DTMF_EVENTS:
                raise ValueError(f"no DTMF key {digit!r}")
            code = DTMF_EVENTS[digit]
            count = max(1, round(tone * 50))
            for n in range(1, count + 1):
                end = n == count
                payload = struct.pack(
                    "!BBH", code, (0x80 if end else 0) | (volume & 0x3F), n * step
                )
                for _ in range(3 if end else 1):  # the repeats go out back to back
                    self._add(self.event_payload_type, payload, marker=n == 1)
                self.time += 0.02
            # The event's timestamp stays at its start; audio resumes after it.
            self.timestamp = (self.timestamp + count * step) & 0xFFFFFFFF
            if fill:
                self.silence(gap)
            else:
                self.pause(gap)
        return self

    @property
    def duration(self) -> float:
        """Seconds from the first packet to the end of the stream."""
        return self.time

    def write(self, path: Path, **addresses: tuple[str, int]) -> Path:
        return write_pcap(path, self.packets, **addresses)


# -- pcap writing ---------------------------------------------------------------------


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ip(address: str) -> bytes:
    return bytes(int(part) for part in address.split("."))


def udp_frame(
    payload: bytes, src: tuple[str, int], dst: tuple[str, int], ident: int = 0
) -> bytes:
    """An Ethernet/IPv4/UDP frame carrying ``payload`` (checksums filled in)."""
    src_ip, dst_ip = _ip(src[0]), _ip(dst[0])
    udp_len = 8 + len(payload)
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", src[1], dst[1], udp_len, 0) + payload
    udp_sum = _checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", udp_sum) + udp[8:]
    ip_head = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ident & 0xFFFF, 0, 64, 17, 0,
        src_ip, dst_ip,
    )  # fmt: skip
    ip_head = ip_head[:10] + struct.pack("!H", _checksum(ip_head)) + ip_head[12:]
    ethernet = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
    return ethernet + ip_head + udp


def write_pcap(
    path: Path,
    packets: Iterable[RtpPacket],
    *,
    src: tuple[str, int] = ("10.77.0.2", 6000),
    dst: tuple[str, int] = ("10.77.0.1", 40000),
    start: float = 1_700_000_000.0,
) -> Path:
    """A libpcap file (Ethernet) of ``packets`` at ``start`` + their ``time``.

    SIPp rewrites the addresses and ports when it plays the file: ``src`` and
    ``dst`` only need to be plausible.
    """
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for index, packet in enumerate(packets):
        frame = udp_frame(packet.to_bytes(), src, dst, ident=index)
        stamp = start + packet.time
        seconds = int(stamp)
        micros = round((stamp - seconds) * 1_000_000)
        if micros >= 1_000_000:
            seconds, micros = seconds + 1, micros - 1_000_000
        out += struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame
    path.write_bytes(bytes(out))
    return path


# -- pcap reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class Datagram:
    time: float  # capture time, seconds since the epoch
    src: tuple[str, int]
    dst: tuple[str, int]
    payload: bytes


def _ip_payload(frame: bytes, linktype: int) -> bytes | None:
    """The IPv4 packet inside a captured frame, or None."""
    if linktype == _LINKTYPE_ETHERNET:
        offset, ethertype = 14, frame[12:14]
        while ethertype == b"\x81\x00" and len(frame) >= offset + 4:  # VLAN tags
            ethertype = frame[offset + 2 : offset + 4]
            offset += 4
        return frame[offset:] if ethertype == b"\x08\x00" else None
    if linktype == _LINKTYPE_SLL:
        return frame[16:] if frame[14:16] == b"\x08\x00" else None
    if linktype == _LINKTYPE_SLL2:
        return frame[20:] if frame[0:2] == b"\x08\x00" else None
    if linktype == _LINKTYPE_RAW:
        return frame
    if linktype == _LINKTYPE_NULL:
        family = int.from_bytes(frame[:4], "little")
        return frame[4:] if family == 2 else None
    raise ValueError(f"pcap link type {linktype} is not supported")


def read_pcap(path: Path) -> list[Datagram]:
    """The IPv4 UDP datagrams of a libpcap file (a file cut short is read so far)."""
    data = path.read_bytes()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{path.name} is not a libpcap file (pcapng is not read)")
    nanos = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
    out: list[Datagram] = []
    offset = 24
    for _ in range(_MAX_RECORDS):
        if offset + 16 > len(data):
            break
        sec, frac, incl, _orig = struct.unpack(
            endian + "IIII", data[offset : offset + 16]
        )
        frame = data[offset + 16 : offset + 16 + incl]
        offset += 16 + incl
        if len(frame) < incl:
            break
        packet = _ip_payload(frame, linktype)
        if packet is None or len(packet) < 28 or packet[0] >> 4 != 4:
            continue
        if packet[9] != 17 or struct.unpack("!H", packet[6:8])[0] & 0x3FFF:
            continue  # not UDP, or a fragment
        head = 4 * (packet[0] & 0x0F)
        total = struct.unpack("!H", packet[2:4])[0]
        udp = packet[head:total]
        if len(udp) < 8:
            continue
        sport, dport, length = struct.unpack("!HHH", udp[:6])
        src = ".".join(str(b) for b in packet[12:16])
        dst = ".".join(str(b) for b in packet[16:20])
        when = sec + frac / (1e9 if nanos else 1e6)
        out.append(Datagram(when, (src, sport), (dst, dport), udp[8:length]))
    return out


def rtp_packets(
    pcap: Path, *, dst_port: int | None = None, src_port: int | None = None
) -> list[RtpPacket]:
    """RTP packets of a capture (to/from the given ports), in capture order.

    A packet seen twice (same SSRC and sequence number within one second, as on a
    capture of ``any`` where a looped packet passes two interfaces) counts once.
    ``time`` is the capture time.
    """
    out: list[RtpPacket] = []
    seen: dict[tuple[int, int], float] = {}
    for datagram in read_pcap(pcap):
        if dst_port is not None and datagram.dst[1] != dst_port:
            continue
        if src_port is not None and datagram.src[1] != src_port:
            continue
        packet = RtpPacket.parse(datagram.payload, datagram.time)
        if packet is None or 72 <= packet.payload_type <= 76:
            continue  # not RTP, or RTCP (PT 200-204 read as 72-76)
        key = (packet.ssrc, packet.sequence)
        if key in seen and abs(seen[key] - datagram.time) < 1.0:
            continue
        seen[key] = datagram.time
        out.append(packet)
    return out


def dtmf_digits(packets: Iterable[RtpPacket], *, payload_type: int = 101) -> str:
    """The digits of the RFC 4733 events (one per event timestamp, as a receiver)."""
    digits = []
    done: set[tuple[int, int]] = set()
    for packet in packets:
        if packet.payload_type != payload_type:
            continue
        event = DtmfEvent.parse(packet.payload)
        key = (packet.ssrc, packet.timestamp)
        if event is None or not event.end or key in done:
            continue
        done.add(key)
        digits.append(event.digit)
    return "".join(digits)


def decode_packets(packets: Iterable[RtpPacket]) -> bytes:
    """G.711 packets decoded to PCM on one timeline.

    Per SSRC, a packet is placed by its RTP timestamp relative to that SSRC's first
    packet, anchored where that first packet arrived (its ``time``); gaps are
    silence. So a change of source (an IVR prompt, then the room's mix) and lost
    packets keep their places. Packets of other payload types are ignored.
    """
    chosen = [p for p in packets if p.payload_type in CODEC_BY_PT]
    if not chosen:
        return b""
    t0 = min(p.time for p in chosen)
    anchors: dict[int, tuple[int, int]] = {}
    pieces: list[tuple[int, bytes]] = []
    for packet in chosen:
        if packet.ssrc not in anchors:
            start = round((packet.time - t0) * audio.RATE)
            anchors[packet.ssrc] = (start, packet.timestamp)
        start, ts0 = anchors[packet.ssrc]
        offset = (packet.timestamp - ts0) & 0xFFFFFFFF
        if offset >= 1 << 31:  # earlier than the first (reordered)
            offset -= 1 << 32
        position = start + offset
        if position < 0:
            continue
        pcm = audio.decode(packet.payload, CODEC_BY_PT[packet.payload_type])
        pieces.append((position, pcm))
    total = max(position * 2 + len(pcm) for position, pcm in pieces)
    out = bytearray(total)
    for position, pcm in pieces:
        out[position * 2 : position * 2 + len(pcm)] = pcm
    return bytes(out)


def received_audio(pcap: Path, port: int) -> bytes:
    """What arrived at UDP ``port`` (a caller's media port), as 8 kHz PCM."""
    return decode_packets(rtp_packets(pcap, dst_port=port))
