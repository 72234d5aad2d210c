"""A small SIP user agent server for room systems and telephones (ADR 0023).

Asyncio SIP over UDP, TCP and TLS (``server``), SDP offer/answer (``sdp``), RTP
sockets and the relay to Janus with G.711 repacketising (``rtp``, ``g711``), DTMF
from RFC 4733 and SIP INFO (``dtmf``) and Thai prompts from text (``speech``).
No Django and no other prachum package (import-linter contract).
"""
