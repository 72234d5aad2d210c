"""The dialog state of one call (RFC 3261 §12) and the requests we send in it."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from prachum.sipgw.message import SipMessage, parse_name_addr, parse_via
from prachum.sipgw.transport import Conn

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"
ALLOWED_METHODS = frozenset(ALLOW.split(", "))
ACCEPT = "application/sdp, application/dtmf-relay, application/dtmf"
SUPPORTED = "timer"
KNOWN_METHODS = {
    "INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "INFO", "UPDATE", "PRACK",
    "REGISTER", "SUBSCRIBE", "NOTIFY", "PUBLISH", "MESSAGE", "REFER",
}  # fmt: skip


def new_tag() -> str:
    return secrets.token_hex(8)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(10)


@dataclass
class Dialog:
    """What a UAS keeps of an answered (or being answered) INVITE."""

    call_id: str
    local_tag: str
    local_uri: str  # the To of the INVITE (without tag)
    remote_uri: str  # the From of the INVITE, with its tag
    remote_target: str  # Contact of the caller
    route_set: list[str]
    conn: Conn
    invite: SipMessage
    remote_cseq: int
    local_cseq: int = 1
    session_id: int = field(default_factory=lambda: secrets.randbelow(2**31))
    sdp_version: int = 1
    answer_sdp: bytes = b""
    session_expires: int = 0
    refresher: str = ""  # "uac" | "uas" | "" (no session timer)
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    ack_cseq: int = 0  # the CSeq the next ACK acknowledges
    timer: asyncio.TimerHandle | None = None
    pending_answer: asyncio.Future[None] | None = None  # set while not yet answered
    invite_branch: str = ""

    @classmethod
    def from_invite(cls, invite: SipMessage, conn: Conn) -> Dialog:
        contact = invite.get("Contact")
        target = (
            parse_name_addr(contact).uri
            if contact
            else parse_name_addr(invite.get("From")).uri
        )
        return cls(
            call_id=invite.call_id,
            local_tag=new_tag(),
            local_uri=invite.get("To"),
            remote_uri=invite.get("From"),
            remote_target=target,
            route_set=invite.get_all("Record-Route"),
            conn=conn,
            invite=invite,
            remote_cseq=invite.cseq[0],
            invite_branch=parse_via(invite.get("Via")).branch,
        )

    @property
    def local_header(self) -> str:
        return f"{self.local_uri};tag={self.local_tag}"

    def request(
        self,
        method: str,
        *,
        via_host: str,
        via_port: int,
        contact: str,
        user_agent: str,
    ) -> SipMessage:
        """A new request of ours in the dialog (BYE, UPDATE)."""
        self.local_cseq += 1
        message = SipMessage(method=method, uri=self.remote_target)
        transport = self.conn.kind.upper()
        message.add(
            "Via",
            f"SIP/2.0/{transport} {via_host}:{via_port};branch={new_branch()};rport",
        )
        message.add("Max-Forwards", "70")
        message.add("From", self.local_header)
        message.add("To", self.remote_uri)
        message.add("Call-ID", self.call_id)
        message.add("CSeq", f"{self.local_cseq} {method}")
        for route in self.route_set:
            message.add("Route", route)
        message.add("Contact", contact)
        message.add("User-Agent", user_agent)
        return message


def session_timer(
    invite: SipMessage, *, default: int, min_se: int
) -> tuple[int, str] | None:
    """The interval and refresher we answer with (RFC 4028 §9), None for no timer.

    Raises ValueError(min_se) when the offered interval is below our Min-SE (422).
    """
    header = invite.get("Session-Expires")
    supported = "timer" in [
        t.lower() for t in invite.get_all("Supported") + invite.get_all("Require")
    ]
    if not header:
        return (max(default, min_se), "uac") if supported else None
    value, _, params = header.partition(";")
    if not value.strip().isdigit():
        return None
    interval = int(value.strip())
    if interval < min_se:
        raise ValueError(min_se)
    refresher = "uas" if "refresher=uas" in params.replace(" ", "").lower() else "uac"
    if not supported:  # the UAC cannot refresh: we must (RFC 4028 §9)
        refresher = "uas"
    return interval, refresher
