"""Names and credentials derived from Prachum's secrets: no state, no I/O.

- Join tokens follow Janus's signed-token format (``token_auth_secret``):
  ``"<expiry>,janus,<plugin>[,<plugin>]:" + base64(HMAC-SHA1(secret, data))``.
- Room ids come from the meeting id, so creating a room is idempotent.
- A room's management secret and its PIN are HMACs of the room id, so neither is stored.
- Handles carry an opaque id ``prachum:<meeting>:<user>:<nonce>`` that ties Janus's
  events back to a person and a connection.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

REALM = "janus"
# Janus room ids travel through JavaScript: stay below 2**53.
_ROOM_ID_BITS = 52

TOKEN_OK = 0
TOKEN_REFUSED = 403  # wrong signature, wrong realm or expired: Janus answers 403
TOKEN_PLUGIN_REFUSED = 405  # valid token, plugin not in it: Janus answers 405


def janus_token(*, secret: str, plugins: Sequence[str], expires_at: int) -> str:
    """Sign a token valid until ``expires_at`` (seconds since the epoch)."""
    if not plugins:
        raise ValueError("a token names at least one plugin")
    data = ",".join([str(int(expires_at)), REALM, *plugins])
    digest = hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    return f"{data}:{base64.b64encode(digest).decode()}"


def check_janus_token(token: str, *, secret: str, plugin: str | None, now: int) -> int:
    """Janus's own check, for the fake: ``TOKEN_OK``, ``TOKEN_REFUSED`` or ``405``.

    ``plugin`` None checks only the signature and expiry (creating a session).
    """
    data, sep, signature = token.partition(":")
    if not sep:
        return TOKEN_REFUSED
    expected = base64.b64encode(
        hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    ).decode()
    if not hmac.compare_digest(expected, signature):
        return TOKEN_REFUSED
    parts = data.split(",")
    if len(parts) < 3 or parts[1] != REALM:
        return TOKEN_REFUSED
    try:
        expiry = int(parts[0])
    except ValueError:
        return TOKEN_REFUSED
    if expiry < now:
        return TOKEN_REFUSED
    if plugin is not None and plugin not in parts[2:]:
        return TOKEN_PLUGIN_REFUSED
    return TOKEN_OK


def room_id_for(meeting_id: str) -> int:
    """A stable room id in 1..2**52 for a meeting."""
    digest = hashlib.sha256(f"prachum-room:{meeting_id}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> (64 - _ROOM_ID_BITS)) or 1


def _derive(secret: str, purpose: str, room: int) -> str:
    mac = hmac.new(secret.encode(), f"{purpose}:{room}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def room_secret(*, key: str, room: int) -> str:
    """The secret that manages (edits, destroys, records, kicks in) a room."""
    return _derive(key, "room-secret", room)


def room_pin(*, key: str, room: int) -> str:
    """The PIN that lets an admitted participant join a room."""
    return _derive(key, "room-pin", room)


_OPAQUE_PART = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
OPAQUE_PREFIX = "prachum"


@dataclass(frozen=True)
class OpaqueId:
    """Who a Janus handle belongs to: ``prachum:<meeting>:<user>:<nonce>``.

    ``nonce`` is the Prachum connection id when the client has one (so traffic data
    joins the web connection), otherwise random per page load.
    """

    meeting_id: str
    user_id: str
    nonce: str

    def __str__(self) -> str:
        return f"{OPAQUE_PREFIX}:{self.meeting_id}:{self.user_id}:{self.nonce}"


def is_opaque_part(value: str) -> bool:
    """Whether ``value`` may be a part of an opaque id (a user key, a nonce...)."""
    return bool(_OPAQUE_PART.match(value))


def make_opaque_id(*, meeting_id: str, user_id: str, nonce: str | None = None) -> str:
    value = OpaqueId(str(meeting_id), str(user_id), nonce or secrets.token_hex(8))
    for part in (value.meeting_id, value.user_id, value.nonce):
        if not _OPAQUE_PART.match(part):
            raise ValueError(f"invalid opaque id part: {part!r}")
    return str(value)


def parse_opaque_id(value: object) -> OpaqueId | None:
    """The parts of a Prachum opaque id; None for anything else (never trusted)."""
    if not isinstance(value, str):
        return None
    parts = value.split(":")
    if len(parts) != 4 or parts[0] != OPAQUE_PREFIX:
        return None
    if not all(_OPAQUE_PART.match(part) for part in parts[1:]):
        return None
    return OpaqueId(parts[1], parts[2], parts[3])


def signed_nonce(*, key: str, meeting_id: str, user_id: str) -> str:
    """A connection nonce ``<random>.<tag>`` that only the server can make.

    The opaque id comes back from the client in Janus's events; the tag shows that the
    server gave this (meeting, user) pair to this person, so a participant cannot
    claim another's media presence by forging the opaque id.
    """
    random_part = secrets.token_hex(6)
    return f"{random_part}.{_nonce_tag(key, meeting_id, user_id, random_part)}"


def check_nonce(*, key: str, meeting_id: str, user_id: str, nonce: str) -> bool:
    random_part, sep, tag = nonce.partition(".")
    if not sep or not random_part:
        return False
    expected = _nonce_tag(key, meeting_id, user_id, random_part)
    return hmac.compare_digest(expected, tag)


def _nonce_tag(key: str, meeting_id: str, user_id: str, random_part: str) -> str:
    data = f"opaque:{meeting_id}:{user_id}:{random_part}".encode()
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()[:20]
