"""Reading the outbox folder (offline mail) for the UI."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from prachum.core.mail import outbox_dir

MAX_LISTED = 200


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    subject: str
    to: str
    date: str
    attachments: tuple[str, ...]
    text: str

    @property
    def sent_at(self) -> datetime | None:
        """The Date header as a datetime (shown in Thai by the template), if it parses."""
        try:
            return parsedate_to_datetime(self.date)
        except (TypeError, ValueError):
            return None


def _parse(path: Path) -> OutboxMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",)) if hasattr(msg, "get_body") else None
    attachments = tuple(part.get_filename() or "" for part in msg.iter_attachments())
    return OutboxMessage(
        name=path.name,
        subject=str(msg.get("Subject", "")),
        to=str(msg.get("To", "")),
        date=str(msg.get("Date", "")),
        attachments=attachments,
        text=body.get_content() if body is not None else "",
    )


def list_outbox(*, to: str | None = None) -> list[OutboxMessage]:
    paths = sorted(outbox_dir().glob("*.eml"), reverse=True)[:MAX_LISTED]
    messages = [_parse(p) for p in paths]
    if to is not None:
        messages = [m for m in messages if to.lower() in m.to.lower()]
    return messages


def get_outbox_message(*, name: str) -> OutboxMessage | None:
    path = outbox_dir() / Path(name).name
    if path.suffix != ".eml" or not path.is_file():
        return None
    return _parse(path)
