"""SIP messages (RFC 3261 §7): parsing, serialising, and framing on a stream.

Parsing is strict about structure and lenient about content: anything that is not a
well-formed start line, headers and a body of the declared length raises
:class:`ParseError`; the server answers 400 or drops it. Compact header forms are
expanded to their full names (RFC 3261 §7.3.3, RFC 4028, RFC 3515).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: No SIP message (head and body) may be larger than this, on any transport.
MAX_MESSAGE_SIZE = 64 * 1024
MAX_HEADERS = 200

COMPACT = {
    "i": "Call-ID",
    "m": "Contact",
    "e": "Content-Encoding",
    "l": "Content-Length",
    "c": "Content-Type",
    "f": "From",
    "s": "Subject",
    "k": "Supported",
    "t": "To",
    "v": "Via",
    "o": "Event",
    "r": "Refer-To",
    "b": "Referred-By",
    "u": "Allow-Events",
    "x": "Session-Expires",
    "a": "Accept-Contact",
    "j": "Reject-Contact",
    "d": "Request-Disposition",
    "y": "Identity",
    "n": "Identity-Info",
}
_CANONICAL = {
    name.lower(): name
    for name in (
        "Call-ID",
        "CSeq",
        "Contact",
        "Content-Length",
        "Content-Type",
        "From",
        "To",
        "Via",
        "Max-Forwards",
        "Record-Route",
        "Route",
        "Session-Expires",
        "Min-SE",
        "Supported",
        "Require",
        "Allow",
        "Accept",
        "User-Agent",
        "Server",
        "P-Asserted-Identity",
        "WWW-Authenticate",
        "Event",
    )
}
_TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~\-]+$")
_STATUS = re.compile(r"^SIP/2\.0 ([1-6][0-9][0-9]) ?(.*)$")
_REQUEST = re.compile(r"^([A-Za-z0-9.!%*_+`'~\-]+) (\S+) SIP/2\.0$")


class ParseError(ValueError):
    """The bytes are not a SIP message we can read."""


def canonical(name: str) -> str:
    """The full, conventionally capitalised header name."""
    lower = name.strip().lower()
    if lower in COMPACT:
        return COMPACT[lower]
    return _CANONICAL.get(lower, "-".join(p.capitalize() for p in lower.split("-")))


@dataclass
class SipMessage:
    """A request (``method`` set) or a response (``status`` set)."""

    method: str = ""
    uri: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return bool(self.method)

    def get(self, name: str, default: str = "") -> str:
        """The first value of a header (by full or compact name)."""
        wanted = canonical(name)
        for key, value in self.headers:
            if key == wanted:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        """Every value of a header, comma-separated lists split (not for dates)."""
        wanted = canonical(name)
        out: list[str] = []
        for key, value in self.headers:
            if key == wanted:
                out.extend(split_list(value))
        return out

    def set(self, name: str, value: str) -> None:
        """Replace every value of a header by one."""
        wanted = canonical(name)
        self.headers = [(k, v) for k, v in self.headers if k != wanted]
        self.headers.append((wanted, value))

    def add(self, name: str, value: str) -> None:
        self.headers.append((canonical(name), value))

    @property
    def call_id(self) -> str:
        return self.get("Call-ID")

    @property
    def cseq(self) -> tuple[int, str]:
        """The CSeq number and method; ParseError if it is not one."""
        parts = self.get("CSeq").split()
        if len(parts) != 2 or not parts[0].isdigit() or len(parts[0]) > 10:
            raise ParseError("bad CSeq")
        return int(parts[0]), parts[1].upper()

    def to_bytes(self) -> bytes:
        """The message on the wire, with a Content-Length that matches the body."""
        if self.is_request:
            start = f"{self.method} {self.uri} SIP/2.0"
        else:
            start = f"SIP/2.0 {self.status} {self.reason}"
        lines = [start]
        lines.extend(f"{k}: {v}" for k, v in self.headers if k != "Content-Length")
        lines.append(f"Content-Length: {len(self.body)}")
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("utf-8") + self.body


def split_list(value: str) -> list[str]:
    """A comma-separated header value into its items (commas in quotes or <> kept)."""
    items: list[str] = []
    current: list[str] = []
    quoted = angle = False
    for char in value:
        if char == '"' and not angle:
            quoted = not quoted
        elif char == "<" and not quoted:
            angle = True
        elif char == ">" and not quoted:
            angle = False
        if char == "," and not quoted and not angle:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = data.find(separator)
        if index >= 0:
            return data[:index], data[index + len(separator) :]
    raise ParseError("no end of headers")


def parse_head(head: bytes) -> SipMessage:
    """The start line and headers (no body)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError("headers are not UTF-8") from exc
    raw_lines = text.replace("\r\n", "\n").split("\n")
    if not raw_lines or not raw_lines[0]:
        raise ParseError("empty start line")
    lines: list[str] = []
    for line in raw_lines[1:]:
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip()
        elif line:
            lines.append(line)
    if len(lines) > MAX_HEADERS:
        raise ParseError("too many headers")
    message = SipMessage()
    status = _STATUS.match(raw_lines[0])
    request = _REQUEST.match(raw_lines[0])
    if status:
        message.status = int(status.group(1))
        message.reason = status.group(2)
    elif request:
        message.method = request.group(1).upper()
        message.uri = request.group(2)
    else:
        raise ParseError("bad start line")
    for line in lines:
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _TOKEN.match(name):
            raise ParseError("bad header line")
        message.headers.append((canonical(name), value.strip()))
    for required in ("Call-ID", "CSeq", "From", "To", "Via"):
        if not message.get(required):
            raise ParseError(f"no {required}")
    message.cseq  # noqa: B018 (validates)
    return message


def content_length(message: SipMessage) -> int | None:
    raw = message.get("Content-Length")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise ParseError("bad Content-Length")
    return int(raw)


def parse(data: bytes) -> SipMessage:
    """One datagram into a message; the body is cut to Content-Length."""
    if len(data) > MAX_MESSAGE_SIZE:
        raise ParseError("message too large")
    head, rest = _split_head(data)
    message = parse_head(head)
    length = content_length(message)
    if length is None:
        message.body = rest
    elif length > len(rest):
        raise ParseError("body shorter than Content-Length")
    else:
        message.body = rest[:length]
    return message


class StreamFramer:
    """Cuts a TCP/TLS byte stream into messages by Content-Length (RFC 3261 §18.3).

    ``feed`` returns the complete messages so far, and ``b"\\r\\n\\r\\n"`` keep-alive
    pings as the :data:`PING` marker (answered with a CRLF, RFC 5626 §4.4.1). A
    message without Content-Length has an empty body. Raises :class:`ParseError` on
    garbage or a message over :data:`MAX_MESSAGE_SIZE`; the connection is then closed.
    """

    PING = None

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[SipMessage | None]:
        self._buffer += data
        out: list[SipMessage | None] = []
        while True:
            if self._buffer.startswith(b"\r\n\r\n"):
                del self._buffer[:4]
                out.append(self.PING)
                continue
            while self._buffer.startswith(b"\r\n"):
                if (
                    len(self._buffer) < 4
                    and self._buffer == b"\r\n\r\n"[: len(self._buffer)]
                ):
                    return out
                del self._buffer[:2]
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_MESSAGE_SIZE:
                    raise ParseError("headers too large")
                return out
            message = parse_head(bytes(self._buffer[:end]))
            length = content_length(message) or 0
            total = end + 4 + length
            if total > MAX_MESSAGE_SIZE:
                raise ParseError("message too large")
            if len(self._buffer) < total:
                return out
            message.body = bytes(self._buffer[end + 4 : total])
            del self._buffer[:total]
            out.append(message)


# -- header values ------------------------------------------------------------------


@dataclass
class NameAddr:
    """``"Display" <uri>;param=value`` (From, To, Contact, P-Asserted-Identity)."""

    display: str
    uri: str
    params: dict[str, str]

    def __str__(self) -> str:
        params = "".join(f";{k}={v}" if v else f";{k}" for k, v in self.params.items())
        display = f'"{self.display}" ' if self.display else ""
        return f"{display}<{self.uri}>{params}"


def parse_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in text.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            params[name.strip().lower()] = value.strip().strip('"')
    return params


def parse_name_addr(value: str) -> NameAddr:
    value = value.strip()
    if "<" in value:
        display, _, rest = value.partition("<")
        uri, close, params = rest.partition(">")
        if not close:
            raise ParseError("unclosed <")
        return NameAddr(display.strip().strip('"'), uri.strip(), parse_params(params))
    uri, _, params = value.partition(";")
    return NameAddr("", uri.strip(), parse_params(params))


def uri_user(uri: str) -> str:
    """The user part of a SIP URI (``sip:1234@host`` -> ``1234``), "" if none."""
    _, colon, rest = uri.partition(":")
    if not colon or "@" not in rest:
        return ""
    return rest.split("@", 1)[0].split(";", 1)[0]


def uri_hostport(uri: str, default_port: int = 5060) -> tuple[str, int]:
    """The host and port of a SIP URI (``sip:u@h:5070;transport=tcp`` -> (h, 5070))."""
    _, _, rest = uri.partition(":")
    hostport = rest.split("@", 1)[-1].split(";", 1)[0].split("?", 1)[0]
    if hostport.startswith("["):
        host, _, tail = hostport[1:].partition("]")
        port = tail[1:] if tail.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    return host, int(port) if port.isdigit() else default_port


@dataclass
class Via:
    transport: str
    host: str
    port: int
    params: dict[str, str]

    @property
    def branch(self) -> str:
        return self.params.get("branch", "")


def parse_via(value: str) -> Via:
    sent, _, params = value.partition(";")
    parts = sent.split()
    if len(parts) != 2 or not parts[0].upper().startswith("SIP/2.0/"):
        raise ParseError("bad Via")
    host, port = uri_hostport("sip:" + parts[1])
    return Via(parts[0].split("/")[-1].upper(), host, port, parse_params(params))


def response_to(
    request: SipMessage, status: int, reason: str, *, to_tag: str = ""
) -> SipMessage:
    """A response copying Via (all of them, in order), From, To, Call-ID and CSeq."""
    response = SipMessage(status=status, reason=reason)
    for name, value in request.headers:
        if name in ("Via", "From", "Call-ID", "CSeq", "Record-Route"):
            response.headers.append((name, value))
        elif name == "To":
            if to_tag and "tag" not in parse_name_addr(value).params:
                value = f"{value};tag={to_tag}"
            response.headers.append((name, value))
    return response
