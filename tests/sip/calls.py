"""SIPp scenarios for the gateway's callers, rendered from ``tests/sip/scenarios/``.

* :func:`uac_scenario` - INVITE ``sip:<dial>@<gateway>`` offering PCMA/PCMU +
  telephone-event with ``a=ptime``, ACK, then :class:`Pause` and :class:`Play` steps
  (a pcap from :mod:`tests.sip.rtp` played by ``play_pcap_audio``), then an ending:
  ``"bye"`` (the caller hangs up; a BYE from the far side fails the call),
  ``"expect_bye"`` (the far side must hang up: during the steps, or within
  ``bye_timeout`` after them; removed by the chair, three wrong PINs) or ``"none"``.
* :func:`plan_call` - the usual caller from a :class:`CallPlan`: wait, key the
  PIN(s), speak, key more DTMF at given times (keypad votes), listen, end. It writes
  the pcaps (one continuous RTP stream, silence between the parts so that RTP never
  stops) and the scenario into a folder.
* :func:`uas_scenario` - a stand-in gateway (answers, optionally plays a pcap,
  waits for BYE or hangs up) for the harness's own tests and the benchmark.

Templates use ``string.Template`` (``$name``); ``[name]`` are SIPp's own keywords.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.sip import audio
from tests.sip.rtp import RtpStream, write_pcap

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
_RTPMAP = {
    "pcma": (8, "a=rtpmap:8 PCMA/8000"),
    "pcmu": (0, "a=rtpmap:0 PCMU/8000"),
}


@dataclass(frozen=True)
class Pause:
    seconds: float

    def xml(self) -> str:
        return f'  <pause milliseconds="{round(self.seconds * 1000)}"/>\n'


@dataclass(frozen=True)
class Play:
    """``play_pcap_audio`` of ``pcap``; then wait ``seconds`` (its length) if ``wait``.

    SIPp plays in the background; a new play replaces the one still running, so
    without ``wait`` the next step starts at once (e.g. a recv of the BYE).
    """

    pcap: Path
    seconds: float
    wait: bool = True

    def xml(self) -> str:
        play = (
            "  <nop><action>"
            f'<exec play_pcap_audio="{self.pcap.resolve()}"/>'
            "</action></nop>\n"
        )
        return play + (Pause(self.seconds).xml() if self.wait else "")


Step = Pause | Play


def _template(name: str) -> string.Template:
    return string.Template((SCENARIOS / name).read_text(encoding="utf-8"))


def uac_scenario(
    path: Path,
    *,
    dial: str,
    steps: Sequence[Step] = (),
    ending: str = "bye",
    ptime: int = 20,
    codecs: Sequence[str] = ("pcma",),
    event_payload_type: int = 101,
    display: str = "Test caller",
    user: str = "caller",
    from_domain: str = "vcs.example.go.th",
    domain: str = "prachum.example.go.th",
    bye_timeout: float = 30.0,
) -> Path:
    """Write a caller's scenario (see the module docstring) to ``path``."""
    if ending not in ("bye", "expect_bye", "none"):
        raise ValueError(f"unknown ending {ending!r}")
    payloads = [str(_RTPMAP[c][0]) for c in codecs] + [str(event_payload_type)]
    rtpmaps = [_RTPMAP[c][1] for c in codecs] + [
        f"a=rtpmap:{event_payload_type} telephone-event/8000",
        f"a=fmtp:{event_payload_type} 0-15",
    ]
    values = {
        "name": path.stem,
        "dial": dial,
        "display": display,
        "user": user,
        "from_domain": from_domain,
        "domain": domain,
        "ptime": str(ptime),
        "payload_types": " ".join(payloads),
        "rtpmaps": "".join(f"      {line}\n" for line in rtpmaps),
        "bye_timeout_ms": str(round(bye_timeout * 1000)),
    }
    values["steps"] = "".join(step.xml() for step in steps)
    # A BYE may come while a step runs: an optional "global" recv among the ones
    # before the 200 (SIPp wants a mandatory recv after an optional one) catches it
    # at any later point and jumps to the 200 OK (sipp(1), "optional").
    values["catch_bye"] = (
        '  <recv request="BYE" optional="global" next="bye_received"/>\n'
        if ending == "expect_bye"
        else ""
    )
    values["ending"] = (
        _template(f"ending_{ending}.xml").substitute(values) if ending != "none" else ""
    )
    path.write_text(_template("uac.xml").substitute(values), encoding="utf-8")
    return path


def uas_scenario(
    path: Path,
    *,
    play: Play | None = None,
    hangup_after: float | None = None,
    bye_timeout: float = 60.0,
) -> Path:
    """A stand-in gateway: answers PCMA 20 ms and plays ``play`` (if given); then
    sends BYE ``hangup_after`` seconds after the ACK, or (None) awaits the caller's."""
    values = {
        "name": path.stem,
        "play": play.xml() if play else "",
        "bye_timeout_ms": str(round(bye_timeout * 1000)),
        "hangup_ms": str(round((hangup_after or 0) * 1000)),
    }
    ending = "uas_wait_bye.xml" if hangup_after is None else "uas_send_bye.xml"
    # SIPp refuses a variable that is set but never used: only for its own BYE.
    values["keep_headers"] = (
        ""
        if hangup_after is None
        else "    <action>\n"
        '      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>\n'
        '      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/>\n'
        "    </action>\n"
    )
    values["ending"] = _template(ending).substitute(values)
    path.write_text(_template("uas.xml").substitute(values), encoding="utf-8")
    return path


@dataclass
class CallPlan:
    """What one caller does, in order (times in seconds).

    ``pins``: DTMF strings keyed one after the other, ``pin_gap`` apart (one for a
    personal PIN; three wrong ones to be cut off). ``speech`` is spoken after the
    PINs, then the caller listens ``listen`` seconds (sending silence) and hangs up
    (``ending="bye"``) or waits for the far side's BYE (``"expect_bye"``, at most
    ``bye_timeout``). ``keys``: ``(at, digits)`` pairs, e.g. ``[(4.0, "1")]`` for a
    keypad vote: ``digits`` are keyed once ``at`` seconds of that audio (speech,
    then the listening silence) have been sent; the audio resumes after them.
    :attr:`PlannedCall.keys_at` says when, counted from the ACK. With
    ``"expect_bye"`` RTP stops after ``listen``: make it last until the BYE is due
    (a gateway may end a call whose RTP stopped).
    """

    dial: str
    pins: Sequence[str] = ()
    speech: bytes = b""
    wait: float = 1.5
    pin_gap: float = 1.5
    after_pins: float = 1.0
    keys: Sequence[tuple[float, str]] = ()
    listen: float = 5.0
    ending: str = "bye"
    bye_timeout: float = 30.0
    ptime: int = 20
    codecs: Sequence[str] = ("pcma",)
    display: str = "Test caller"
    user: str = "caller"


@dataclass
class PlannedCall:
    scenario: Path
    stream: RtpStream  # every packet the caller sends, with its send time
    pcaps: list[Path] = field(default_factory=list)
    speech_at: float = 0.0  # seconds after the ACK when the speech starts
    seconds: float = 0.0  # the scenario's length up to its ending
    keys_at: list[float] = field(default_factory=list)  # when each of plan.keys starts


def plan_call(folder: Path, name: str, plan: CallPlan) -> PlannedCall:
    """Write ``<name>-*.pcap`` and ``<name>.xml`` for ``plan`` into ``folder``.

    The media is one RTP stream (one SSRC, continuous sequence and timestamps),
    cut into pcaps at the scenario's steps; silence fills every wait after the
    first, so the gateway never sees RTP stop while the call is up.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stream = RtpStream(codec=plan.codecs[0] if plan.codecs else "pcma")
    steps: list[Step] = [Pause(plan.wait)]
    stream.pause(plan.wait)
    pcaps: list[Path] = []

    def part(label: str, build: Callable[[], object], *, wait: bool = True) -> None:
        first, began = len(stream.packets), stream.time
        build()
        packets = [
            dataclasses.replace(p, time=p.time - began) for p in stream.packets[first:]
        ]
        if packets:
            pcap = write_pcap(folder / f"{name}-{len(pcaps)}-{label}.pcap", packets)
            pcaps.append(pcap)
            steps.append(Play(pcap, stream.time - began, wait=wait))

    for index, pin in enumerate(plan.pins):
        gap = plan.pin_gap if index < len(plan.pins) - 1 else plan.after_pins
        part("pin", lambda pin=pin, gap=gap: stream.dtmf(pin).silence(gap))
    speech_at = stream.time
    ptime = plan.ptime
    timeline = plan.speech + audio.silence(plan.listen)
    keys_at: list[float] = []
    done = 0  # bytes of the timeline sent so far
    for at, digits in sorted(plan.keys):
        cut = max(done, 2 * round(at * audio.RATE))
        if cut > len(timeline):
            timeline += bytes(cut - len(timeline))
        head = timeline[done:cut]
        part("audio", lambda head=head: stream.audio(head, ptime=ptime))
        keys_at.append(stream.time)
        part("keys", lambda digits=digits: stream.dtmf(digits))
        done = cut
    rest = timeline[done:]
    expecting = plan.ending == "expect_bye"
    part("listen", lambda: stream.audio(rest, ptime=ptime), wait=not expecting)
    seconds = stream.time
    scenario = uac_scenario(
        folder / f"{name}.xml",
        dial=plan.dial,
        steps=steps,
        ending=plan.ending,
        ptime=plan.ptime,
        codecs=plan.codecs,
        display=plan.display,
        user=plan.user,
        bye_timeout=plan.bye_timeout,
    )
    return PlannedCall(scenario, stream, pcaps, speech_at, seconds, keys_at)
