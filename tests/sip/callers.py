"""Several SIPp callers against one gateway, with one capture of everything.

The end-to-end tests' usual shape::

    with Callers(ns, tmp_path, gateway=(ns.address, 5070)) as callers:
        a = callers.start("a", CallPlan(dial=code, pins=[pin_a + "#"], speech=said_a))
        b = callers.start("b", CallPlan(dial=code, pins=[pin_b + "#"], speech=said_b))
        ... the chair mutes, removes, opens a poll ...
        results = callers.wait()
    assert results["a"].ok, results["a"].explain()
    heard_by_a = callers.heard("a")          # 8 kHz PCM, what arrived at a's RTP port
    assert audio.correlate(heard_by_a, said_b).value > 0.6

Each caller is one SIPp process with its own SIP and RTP ports; the capture
(``tcpdump -i any`` inside the namespace) runs from :class:`Callers`' start to its
end, so everything that crossed the namespace is in ``folder/callers.pcap``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tests.netns import NetNamespace
from tests.sip import rtp
from tests.sip.calls import CallPlan, PlannedCall, plan_call
from tests.sip.sipp import Capture, Sipp, SippResult, capture, free_ports, start_sipp


@dataclass
class Caller:
    name: str
    plan: CallPlan
    planned: PlannedCall
    sipp: Sipp
    started: float  # time.monotonic() when SIPp was started

    @property
    def media_port(self) -> int:
        return self.sipp.media[1]

    def seconds_until(self, offset: float) -> float:
        """Seconds from now until ``offset`` s after SIPp's start (≈ after the ACK)."""
        return self.started + offset - time.monotonic()


class Callers:
    """See the module docstring. Every wait is bounded; :meth:`close` kills leftovers."""

    def __init__(
        self,
        ns: NetNamespace,
        folder: Path,
        *,
        gateway: tuple[str, int],
        transport: str = "u1",
    ) -> None:
        self.ns, self.folder, self.gateway = ns, folder, gateway
        self.transport = transport
        self.callers: dict[str, Caller] = {}
        self.results: dict[str, SippResult] = {}
        folder.mkdir(parents=True, exist_ok=True)
        self.capture: Capture = capture(ns, folder / "callers.pcap")

    def start(self, name: str, plan: CallPlan, *, timeout: float = 120.0) -> Caller:
        """Write the caller's pcaps and scenario and start its SIPp (one call)."""
        if name in self.callers:
            raise ValueError(f"caller {name} exists already")
        planned = plan_call(self.folder / name, name, plan)
        block = free_ports(self.ns)
        process = start_sipp(
            self.ns,
            self.folder,
            name,
            scenario=planned.scenario,
            remote=self.gateway,
            sip_port=block + 1,
            media_port=block,
            timeout=timeout,
            transport=self.transport,
        )
        caller = Caller(name, plan, planned, process, time.monotonic())
        self.callers[name] = caller
        return caller

    def wait(
        self, names: list[str] | None = None, timeout: float = 180.0
    ) -> dict[str, SippResult]:
        """Wait for the callers (all by default), at most ``timeout`` s in total."""
        deadline = time.monotonic() + timeout
        for name in names or list(self.callers):
            if name not in self.results:
                left = max(0.1, deadline - time.monotonic())
                self.results[name] = self.callers[name].sipp.wait(left)
        return dict(self.results)

    def stop_capture(self) -> Path:
        return self.capture.stop()

    def heard(self, name: str) -> bytes:
        """What reached ``name``'s RTP port, decoded to 8 kHz PCM (stops the capture)."""
        return rtp.received_audio(self.stop_capture(), self.callers[name].media_port)

    def received_packets(self, name: str) -> list[rtp.RtpPacket]:
        """RTP packets that reached ``name`` (e.g. to check 160-byte payloads)."""
        return rtp.rtp_packets(
            self.stop_capture(), dst_port=self.callers[name].media_port
        )

    def sent_packets(self, name: str) -> list[rtp.RtpPacket]:
        """RTP packets ``name`` sent, as captured."""
        return rtp.rtp_packets(
            self.stop_capture(), src_port=self.callers[name].media_port
        )

    def close(self) -> None:
        for caller in self.callers.values():
            caller.sipp.stop()
        self.capture.stop()

    def __enter__(self) -> Callers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
