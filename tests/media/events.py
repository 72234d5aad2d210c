"""Janus events as sampleevh posts them (shapes seen from Debian's Janus 1.1.2)."""

from __future__ import annotations

from typing import Any

SERVER = "janus-test"
SESSION = 3850891729147807
HANDLE = 5160390714457249
ROOM = 77
PARTICIPANT = 6110580722656356
OPAQUE = "prachum:0b6f6c1e-8d0e-4a57-9d0e-1d2b3c4d5e6f:42:conn1"
T0 = 1_795_653_699_000_000  # microseconds since the epoch


def ev(type_: int, offset_ms: int, event: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "emitter": SERVER,
        "type": type_,
        "timestamp": T0 + offset_ms * 1000,
        **top,
        "event": event,
    }


def handle_ev(
    type_: int, offset_ms: int, event: dict[str, Any], **top: Any
) -> dict[str, Any]:
    return ev(
        type_,
        offset_ms,
        event,
        session_id=SESSION,
        handle_id=HANDLE,
        opaque_id=OPAQUE,
        **top,
    )


def lifecycle() -> list[dict[str, Any]]:
    """One participant: connects, joins, publishes, has trouble, leaves."""
    vr = "janus.plugin.videoroom"
    return [
        ev(
            128,
            0,
            {
                "transport": "janus.transport.websockets",
                "id": "140220000",
                "data": {
                    "event": "connected",
                    "admin_api": False,
                    "ip": "203.0.113.9",
                    "port": 51000,
                },
            },
        ),
        ev(
            1,
            1,
            {
                "name": "created",
                "transport": {
                    "transport": "janus.transport.websockets",
                    "id": "140220000",
                },
            },
            session_id=SESSION,
        ),
        handle_ev(
            2,
            2,
            {
                "name": "attached",
                "plugin": vr,
                "opaque_id": OPAQUE,
                "token": "1795653749,janus,janus.plugin.videoroom:c2lnbmF0dXJl",
            },
        ),
        handle_ev(
            64,
            3,
            {
                "plugin": vr,
                "data": {
                    "event": "joined",
                    "room": ROOM,
                    "id": PARTICIPANT,
                    "private_id": 279,
                    "display": "member 42",
                },
            },
        ),
        handle_ev(
            8, 4, {"owner": "remote", "jsep": {"type": "offer", "sdp": "v=0..."}}
        ),
        handle_ev(
            16, 5, {"ice": "connecting", "stream_id": 1, "component_id": 1}, subtype=1
        ),
        handle_ev(
            16,
            6,
            {
                "selected-pair": "10.77.0.1:20010 [host,udp] <-> 203.0.113.9:61000 [srflx,udp]",
                "stream_id": 1,
                "component_id": 1,
            },
            subtype=4,
        ),
        handle_ev(
            16, 7, {"ice": "connected", "stream_id": 1, "component_id": 1}, subtype=1
        ),
        handle_ev(
            16,
            8,
            {
                "dtls": "connected",
                "stream_id": 1,
                "component_id": 1,
                "retransmissions": 0,
            },
            subtype=5,
        ),
        handle_ev(16, 9, {"connection": "webrtcup"}, subtype=6),
        handle_ev(32, 10, {"mid": "0", "media": "audio", "receiving": True}, subtype=1),
        handle_ev(
            64,
            11,
            {
                "plugin": vr,
                "data": {"event": "published", "room": ROOM, "id": PARTICIPANT},
            },
        ),
        handle_ev(
            32,
            5_000,
            {
                "mid": "0",
                "mindex": 0,
                "media": "audio",
                "codec": "opus",
                "rtt": 12,
                "lost": 0,
                "bytes-received": 48000,
                "bytes-sent": 900,
                "packets-received": 250,
            },
            subtype=3,
        ),
        handle_ev(
            32,
            10_000,
            {
                "mid": "0",
                "mindex": 0,
                "media": "audio",
                "codec": "opus",
                "rtt": 12,
                "lost": 0,
                "bytes-received": 96000,
                "bytes-sent": 1800,
                "packets-received": 500,
            },
            subtype=3,
        ),
        handle_ev(
            32,
            11_000,
            {"mid": "0", "media": "audio", "slow_link": "uplink", "lost_lastsec": 9},
            subtype=2,
        ),
        handle_ev(
            32,
            12_000,
            {"mid": "0", "media": "audio", "receiving": False, "seconds": 2},
            subtype=1,
        ),
        handle_ev(
            16, 13_000, {"connection": "hangup", "reason": "DTLS alert"}, subtype=6
        ),
        ev(
            64,
            13_001,
            {
                "plugin": vr,
                "data": {"event": "unpublished", "room": ROOM, "id": PARTICIPANT},
            },
        ),
        ev(
            64,
            13_002,
            {
                "plugin": vr,
                "data": {"event": "leaving", "room": ROOM, "id": PARTICIPANT},
            },
        ),
        handle_ev(2, 13_003, {"name": "detached", "plugin": vr, "opaque_id": OPAQUE}),
        ev(
            128,
            13_004,
            {
                "transport": "janus.transport.websockets",
                "id": "140220000",
                "data": {
                    "event": "disconnected",
                    "admin_api": False,
                    "ip": "203.0.113.9",
                    "port": 51000,
                },
            },
        ),
        ev(1, 13_005, {"name": "destroyed"}, session_id=SESSION),
    ]
