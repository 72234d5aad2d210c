"""The gateway's settings, as plain values (the Django side passes its settings in)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SipConfig:
    host: str
    udp_port: int
    tcp_port: int
    tls_port: int = 0
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_client_ca_file: str = ""
    media_host: str = ""  # address in our SDP (default host)
    rtp_ports: tuple[int, int] = (40000, 40999)
    janus_rtp_host: str = "127.0.0.1"  # local address of the sockets that talk to Janus
    session_expires: int = 1800
    min_se: int = 90
    user_agent: str = "Prachum-SIPGW"
    max_calls: int = 200  # more at once are refused with 503
    answer_delay: float = 0.0  # seconds of ringing (180) before the 200 OK
    # no RTP this long (not on hold): BYE, "rtp_timeout"; 0 = off
    rtp_timeout: float = 60.0
    t1: float = 0.5  # RFC 3261 T1
