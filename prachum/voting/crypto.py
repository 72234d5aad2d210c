"""The ballot keeper: seals secret ballots while a poll is open (docs/adr/0008).

Each secret poll gets a fresh AES-256-GCM key when it opens. The key lives only in this
process's memory, in :data:`keeper`; it is never stored, logged or sent. The poll row
keeps a random ``box_id`` that names the key without revealing it, so a process that
does not hold the key (restarted, or not the one that opened the poll) can tell and
refuse rather than guess.

A ballot is sealed as a fixed-length bitmap of the chosen option positions (one
version byte, then ``ceil(width / 8)`` bytes), so every ciphertext of a poll has the same
length whatever the choice. Associated data binds the ciphertext to its poll and box.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12


class BallotBoxUnavailable(Exception):  # noqa: N818  (a state, not a bug)
    """This process holds no key for the poll: restarted, or another process opened it."""


class BallotUnreadable(Exception):  # noqa: N818
    """A sealed ballot failed authentication: it was altered or belongs elsewhere."""


@dataclass
class _Box:
    box_id: str
    width: int
    aead: AESGCM = field(repr=False)


def _bitmap(positions: Sequence[int], width: int) -> bytes:
    bits = bytearray((width + 7) // 8)
    for p in positions:
        if not 0 <= p < width:
            raise ValueError("position out of range")
        bits[p // 8] |= 1 << (p % 8)
    return bytes([FORMAT_VERSION]) + bytes(bits)


def _positions(plain: bytes, width: int) -> list[int]:
    if len(plain) != 1 + (width + 7) // 8 or plain[0] != FORMAT_VERSION:
        raise BallotUnreadable("bad plaintext")
    bits = plain[1:]
    return [p for p in range(width) if bits[p // 8] >> (p % 8) & 1]


class BallotKeeper:
    """Per-poll keys in memory. Thread-safe; one instance per process."""

    def __init__(self) -> None:
        self._boxes: dict[str, _Box] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<BallotKeeper holding {len(self._boxes)} box(es)>"

    def open_box(self, *, poll_id: str, width: int) -> str:
        """Create the poll's key; return the box id to store on the poll."""
        if width < 1:
            raise ValueError("a ballot box needs at least one option")
        box = _Box(
            box_id=secrets.token_hex(16),
            width=width,
            aead=AESGCM(AESGCM.generate_key(bit_length=256)),
        )
        with self._lock:
            self._boxes[poll_id] = box
        return box.box_id

    def _box(self, poll_id: str, box_id: str) -> _Box:
        with self._lock:
            box = self._boxes.get(poll_id)
        if box is None or not box_id or box.box_id != box_id:
            raise BallotBoxUnavailable(poll_id)
        return box

    def holds(self, *, poll_id: str, box_id: str) -> bool:
        try:
            self._box(poll_id, box_id)
        except BallotBoxUnavailable:
            return False
        return True

    @staticmethod
    def _aad(poll_id: str, box_id: str) -> bytes:
        return f"prachum-ballot:{poll_id}:{box_id}".encode()

    def seal(self, *, poll_id: str, box_id: str, positions: Sequence[int]) -> bytes:
        """Encrypt one ballot: ``nonce ‖ AES-GCM(bitmap)``; the length is fixed per poll."""
        box = self._box(poll_id, box_id)
        nonce = os.urandom(NONCE_BYTES)
        plain = _bitmap(positions, box.width)
        return nonce + box.aead.encrypt(nonce, plain, self._aad(poll_id, box_id))

    def unseal(
        self, *, poll_id: str, box_id: str, sealed: Iterable[bytes | memoryview]
    ) -> list[list[int]]:
        """Decrypt every ballot of the poll; any altered one raises ``BallotUnreadable``."""
        box = self._box(poll_id, box_id)
        aad = self._aad(poll_id, box_id)
        out = []
        for blob in sealed:
            blob = bytes(blob)
            try:
                plain = box.aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
            except InvalidTag as exc:
                raise BallotUnreadable("a sealed ballot failed authentication") from exc
            out.append(_positions(plain, box.width))
        return out

    def forget(self, *, poll_id: str) -> None:
        """Drop the poll's key (after the close commits, or when the poll is voided)."""
        with self._lock:
            self._boxes.pop(poll_id, None)


keeper = BallotKeeper()
