"""The SIP test harness itself, with no gateway: its parts against real tools.

G.711 against sox's encoder, pcaps read by tcpdump and played by SIPp, DTMF events
as a receiver decodes them, correlation that tells callers apart, and SIPp callers
against a SIPp stand-in gateway inside the test namespace (what each side received
is taken from a tcpdump capture and compared with what the other side sent).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import struct
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from tests.media.recorded_audio import MjrPackets, mjr_packets
from tests.netns import NetNamespace
from tests.sip import audio, calls, mjr, rtp, sipp
from tests.sip.callers import Callers

ROOT = Path(__file__).resolve().parents[2]


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        message = f"not installed: {', '.join(missing)} (scripts/system-deps.sh test)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


def _sox(args: list[str], data: bytes) -> bytes:
    result = subprocess.run(
        ["sox", "-D", *args], input=data, capture_output=True, check=True, timeout=30
    )
    return result.stdout


RAW16 = ["-t", "raw", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"]


def _sweep() -> bytes:
    """Every 16-bit value once (steps of 7) plus the extremes."""
    values = [*range(-32768, 32768, 7), 32767, -1, 0, 1]
    return struct.pack(f"<{len(values)}h", *values)


# -- G.711 --------------------------------------------------------------------------


@pytest.mark.parametrize(("codec", "encoding"), [("pcma", "a-law"), ("pcmu", "u-law")])
def test_g711_matches_sox(codec: str, encoding: str) -> None:
    """sox decodes every code as we do; it rounds to the nearest step when encoding
    (the ITU reference, as Python's ``audioop``, truncates), so its codes decode to
    within one step of ours."""
    _need("sox")
    law = ["-t", "raw", "-r", "8000", "-c", "1", "-b", "8", "-e", encoding]
    codes = bytes(range(256))
    assert audio.decode(codes, codec) == _sox([*law, "-", *RAW16, "-"], codes)
    pcm = _sweep()
    ours = audio.samples(audio.decode(audio.encode(pcm, codec), codec))
    theirs = audio.samples(audio.decode(_sox([*RAW16, "-", *law, "-"], pcm), codec))
    source = audio.samples(pcm)
    assert sum(1 for a, b in zip(ours, theirs, strict=True) if a != b) > 0
    for mine, other, value in zip(ours, theirs, source, strict=True):
        step = max(16, abs(value) // 8)  # a G.711 step at that magnitude, at most
        assert abs(mine - other) <= step, (value, mine, other)


@pytest.mark.parametrize("codec", ["pcma", "pcmu"])
def test_g711_is_bit_exact_with_the_itu_reference(codec: str) -> None:
    """Python 3.11's ``audioop`` implements the ITU-T G.711 reference code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")  # gone in 3.13: then sox suffices
    pcm = struct.pack("<65536h", *range(-32768, 32768))
    to_law = audioop.lin2alaw if codec == "pcma" else audioop.lin2ulaw
    to_lin = audioop.alaw2lin if codec == "pcma" else audioop.ulaw2lin
    assert audio.encode(pcm, codec) == to_law(pcm, 2)
    assert audio.decode(bytes(range(256)), codec) == to_lin(bytes(range(256)), 2)


@pytest.mark.parametrize("codec", ["pcma", "pcmu"])
def test_g711_round_trip_keeps_the_signal(codec: str) -> None:
    source = audio.tone_pattern(5, 1.0)
    back = audio.decode(audio.encode(source, codec), codec)
    error = [
        a - b for a, b in zip(audio.samples(source), audio.samples(back), strict=True)
    ]
    assert len(back) == len(source)
    # G.711's step is at most 1/16 of the magnitude (plus the smallest step).
    assert all(
        abs(e) <= abs(s) / 16 + 16
        for e, s in zip(error, audio.samples(source), strict=True)
    )
    assert audio.encode(audio.silence(0.02), "pcma") == bytes([0xD5]) * 160


# -- signals and correlation --------------------------------------------------------


def test_a_signal_correlates_with_itself_late_and_not_with_another() -> None:
    a, b = audio.tone_pattern(1, 8.0), audio.tone_pattern(2, 8.0)
    late = audio.silence(0.7) + audio.alaw_decode(audio.alaw_encode(a))
    found = audio.correlate(late, a, max_lag=2.0)
    assert found.value > 0.95
    assert found.lag == pytest.approx(0.7, abs=0.021)
    assert audio.correlate(b, a, max_lag=2.0).value < 0.5
    assert audio.correlate(audio.silence(8.0), a).value == 0.0


def test_speech_from_espeak_ng_in_thai_and_english(tmp_path: Path) -> None:
    _need("espeak-ng", "sox")
    thai = audio.speech(
        "สวัสดีครับ ผมเป็นกรรมการ ขอเสนอความเห็น", lang="th", cache_dir=tmp_path
    )
    english = audio.speech("Member B speaking about the budget.", cache_dir=tmp_path)
    assert 1.5 < audio.seconds_of(thai) < 15
    assert 1.0 < audio.seconds_of(english) < 15
    assert audio.rms(thai) > 0.02
    assert len(list(tmp_path.glob("*.raw"))) == 2  # cached by text
    assert (
        audio.speech("Member B speaking about the budget.", cache_dir=tmp_path)
        == english
    )
    assert audio.correlate(thai, thai).value > 0.99
    assert audio.correlate(english, thai, max_lag=1.0).value < 0.6


# -- pcaps ----------------------------------------------------------------------------


@pytest.mark.parametrize("ptime", [20, 30])
def test_audio_pcap_reads_back_to_the_same_samples(tmp_path: Path, ptime: int) -> None:
    source = audio.tone_pattern(9, 2.0)
    stream = rtp.RtpStream(ssrc=1234, sequence=65530, timestamp=2**32 - 800)
    pcap = stream.audio(source, ptime=ptime).write(tmp_path / "a.pcap")
    packets = rtp.rtp_packets(pcap)
    size = 8 * ptime
    assert len(packets) == -(-2000 // ptime)  # the last one padded with silence
    assert {len(p.payload) for p in packets} == {size}
    assert {p.payload_type for p in packets} == {rtp.PT_PCMA}
    assert [p.sequence for p in packets[:8]] == [65530 + i & 0xFFFF for i in range(8)]
    steps = {
        (b.timestamp - a.timestamp) & 0xFFFFFFFF for a, b in itertools.pairwise(packets)
    }
    assert steps == {size}
    times = [round(p.time - packets[0].time, 3) for p in packets[:3]]
    assert times == [0, ptime / 1000, 2 * ptime / 1000]
    decoded = rtp.decode_packets(packets)
    expected = audio.alaw_decode(audio.alaw_encode(source))
    assert decoded[: len(expected)] == expected
    assert (
        max(map(abs, audio.samples(decoded[len(expected) :])), default=0) <= 8
    )  # A-law 0xD5


def test_tcpdump_reads_the_pcap(tmp_path: Path) -> None:
    _need("tcpdump")
    pcap = rtp.RtpStream().audio(audio.silence(1.0)).write(tmp_path / "s.pcap")
    result = subprocess.run(
        ["tcpdump", "-n", "-r", str(pcap)], capture_output=True, text=True, timeout=30
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == 50
    assert "10.77.0.2.6000 > 10.77.0.1.40000: UDP, length 172" in lines[0]
    assert "bad" not in result.stdout  # no bad checksum / length


def test_dtmf_pcap_carries_rfc4733_events(tmp_path: Path) -> None:
    stream = rtp.RtpStream().silence(0.5).dtmf("1234#", tone=0.16, gap=0.1)
    packets = rtp.rtp_packets(stream.write(tmp_path / "d.pcap"))
    events = [p for p in packets if p.payload_type == 101]
    assert rtp.dtmf_digits(packets) == "1234#"
    by_event: dict[int, list[rtp.RtpPacket]] = {}
    for packet in events:
        by_event.setdefault(packet.timestamp, []).append(packet)
    assert len(by_event) == 5
    for group in by_event.values():
        parsed = [rtp.DtmfEvent.parse(p.payload) for p in group]
        assert all(e is not None for e in parsed)
        assert [p.marker for p in group] == [True] + [False] * (len(group) - 1)
        assert [e.end for e in parsed if e] == [False] * 7 + [True] * 3
        assert [e.duration for e in parsed if e][:8] == [160 * n for n in range(1, 9)]
        assert {e.volume for e in parsed if e} == {10}
    # Between events the stream carries silence; sequence numbers never skip.
    assert {len(p.payload) for p in packets if p.payload_type == 8} == {160}
    seqs = [p.sequence for p in packets]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert rtp.dtmf_digits(rtp.rtp_packets(stream.write(tmp_path / "x.pcap"))) != "1234"


def test_a_planned_call_keys_its_pins_and_votes_in_time(tmp_path: Path) -> None:
    plan = calls.CallPlan(
        dial="4711", pins=["56#"], speech=audio.tone_pattern(4, 2.0),
        keys=[(1.0, "2"), (0.5, "1")], listen=1.0, wait=1.0, after_pins=0.5,
    )  # fmt: skip
    call = calls.plan_call(tmp_path, "v", plan)
    assert rtp.dtmf_digits(call.stream.packets) == "56#12"
    digit = 0.16 + 0.12  # one key and the silence after it
    assert call.speech_at == pytest.approx(1.0 + 3 * digit + 0.5)
    assert call.keys_at == pytest.approx(
        [call.speech_at + 0.5, call.speech_at + 1.0 + digit]
    )
    assert call.seconds == pytest.approx(call.speech_at + 3.0 + 2 * digit)
    # The pcaps played in the scenario's order hold the whole stream.
    played = [p for pcap in call.pcaps for p in rtp.rtp_packets(pcap)]
    assert [p.sequence for p in played] == [p.sequence for p in call.stream.packets]
    text = call.scenario.read_text()
    assert [text.index(str(pcap)) for pcap in call.pcaps] == sorted(
        text.index(str(pcap)) for pcap in call.pcaps
    )


def test_an_mjr_of_a_caller_converts_back_to_what_it_said(tmp_path: Path) -> None:
    _need("janus-pp-rec")
    said = audio.tone_pattern(6, 3.0)
    stream = rtp.RtpStream().audio(said[: len(said) // 2]).pause(0.5)
    stream.audio(said[len(said) // 2 :])
    recording = mjr.write_mjr(tmp_path / "caller-audio.mjr", stream.packets)
    assert mjr_packets(recording) == MjrPackets(packets=150, missing=0)
    assert mjr.mjr_header(recording)["c"] == "pcma"
    pcm = mjr.mjr_pcm(recording, folder=tmp_path)
    # janus-pp-rec keeps the half-second gap (RTP timestamps) as silence.
    assert audio.seconds_of(pcm) == pytest.approx(3.5, abs=0.03)
    heard = pcm[:24000] + pcm[32000:]  # bytes: 1.5 s, then after the gap
    assert audio.correlate(heard, said).value > 0.95
    assert audio.rms(pcm[24800:31200]) < 0.001
    assert audio.correlate(pcm, audio.tone_pattern(7, 3.0)).value < 0.5


def test_audio_files_decode_to_8_khz(tmp_path: Path) -> None:
    _need("sox")
    said = audio.tone_pattern(8, 2.0)
    raw_16k = [
        "-t",
        "raw",
        "-r",
        "16000",
        "-c",
        "1",
        "-b",
        "16",
        "-e",
        "signed-integer",
    ]
    wav = audio.write_wav(
        tmp_path / "x.wav", _sox([*RAW16, "-", *raw_16k, "-"], said), rate=16000
    )
    pcm = mjr.decode_file(wav)
    assert audio.seconds_of(pcm) == pytest.approx(2.0, abs=0.01)
    assert audio.correlate(pcm, said).value > 0.95


def test_scenarios_are_well_formed(tmp_path: Path) -> None:
    steps = [calls.Pause(1.0), calls.Play(tmp_path / "x.pcap", 2.5, wait=True)]
    for ending in ("bye", "expect_bye", "none"):
        path = calls.uac_scenario(
            tmp_path / f"{ending}.xml",
            dial="4711",
            steps=steps,
            ending=ending,
            ptime=30,
        )
        text = path.read_text()
        ET.fromstring(
            text.split("?>", 1)[1].replace('<!DOCTYPE scenario SYSTEM "sipp.dtd">', "")
        )
        assert "INVITE sip:4711@[remote_ip]:[remote_port] SIP/2.0" in text
        assert "a=ptime:30" in text
        assert "m=audio [media_port] RTP/AVP 8 101" in text
        assert ("BYE [next_url]" in text) == (ending == "bye")
        assert ('recv request="BYE"' in text) == (ending == "expect_bye")
    for hangup in (None, 2.0):
        text = calls.uas_scenario(tmp_path / "uas.xml", hangup_after=hangup).read_text()
        ET.fromstring(
            text.split("?>", 1)[1].replace('<!DOCTYPE scenario SYSTEM "sipp.dtd">', "")
        )


# -- SIPp in the namespace -----------------------------------------------------------


def _stand_in(
    ns: NetNamespace, folder: Path, name: str, transport: str = "u1", **kwargs: object
) -> sipp.Sipp:
    block = sipp.free_ports(ns)
    scenario = calls.uas_scenario(folder / f"{name}.xml", **kwargs)  # type: ignore[arg-type]
    return sipp.start_sipp(
        ns, folder, name, scenario=scenario, sip_port=block + 1, media_port=block,
        timeout=40, transport=transport,
    )  # fmt: skip


@pytest.mark.e2e
@pytest.mark.usefixtures("sipp_tools")
def test_a_caller_and_a_stand_in_gateway_hear_each_other(
    netns: NetNamespace, tmp_path: Path
) -> None:
    said, answered, other = (audio.tone_pattern(s, 4.0) for s in (21, 22, 23))
    back = rtp.RtpStream().audio(answered).write(tmp_path / "back.pcap")
    gateway = _stand_in(netns, tmp_path, "gw", play=calls.Play(back, 4.0, wait=False))
    plan = calls.CallPlan(
        dial="4711", pins=["56#"], speech=said, keys=[(4.5, "1")], listen=2.0
    )
    with Callers(netns, tmp_path / "callers", gateway=gateway.local) as callers:
        caller = callers.start("a", plan, timeout=30)
        result = callers.wait()["a"]
        served = gateway.wait(15)
        to_gateway = callers.sent_packets("a")
        heard = callers.heard("a")
    call = caller.planned
    assert result.ok, result.explain()
    assert served.ok, served.explain()
    assert result.sent()[0].startswith("INVITE sip:4711@10.77.0.1:")
    assert "a=ptime:20" in result.sent()[0]
    assert [m.split(" ", 2)[1] for m in result.received()] == ["100", "200", "200"]
    assert "m=audio " in result.answer_sdp()
    assert "a=rtpmap:8 PCMA/8000" in result.answer_sdp()
    # What the stand-in received: the PIN, the speech, the keypad vote, in order.
    assert {p.payload_type for p in to_gateway} == {8, 101}
    assert rtp.dtmf_digits(to_gateway) == "56#1"
    assert Counter(
        len(p.payload) for p in to_gateway if p.payload_type == 8
    ).keys() == {160}
    assert {p.ssrc for p in to_gateway} == {call.stream.ssrc}
    assert len(to_gateway) == len(call.stream.packets)
    got = rtp.decode_packets(to_gateway)
    assert audio.correlate(got, said).value > 0.9
    assert audio.correlate(got, other).value < 0.5
    # What the caller heard.
    assert audio.correlate(heard, answered).value > 0.9
    assert audio.correlate(heard, other).value < 0.5
    assert audio.correlate(heard, said).value < 0.5


@pytest.mark.e2e
@pytest.mark.usefixtures("sipp_tools")
def test_a_caller_waiting_for_bye_passes_only_when_the_far_side_hangs_up(
    netns: NetNamespace, tmp_path: Path
) -> None:
    plan = calls.CallPlan(
        dial="4711", pins=["11#", "22#", "33#"], pin_gap=0.5, wait=0.5, listen=1.0,
        ending="expect_bye", bye_timeout=6.0,
    )  # fmt: skip
    removed = calls.plan_call(tmp_path / "r", "r", plan)
    gateway = _stand_in(netns, tmp_path, "gw-hangs-up", hangup_after=2.0)
    caller = sipp.start_sipp(
        netns,
        tmp_path,
        "r",
        scenario=removed.scenario,
        remote=gateway.local,
        timeout=20,
    )
    result, served = caller.wait(), gateway.wait(15)
    assert result.ok, result.explain()
    assert served.ok, served.explain()
    assert "BYE sip:" in result.messages
    # The BYE came during the PINs (caught by the scenario), not after its steps.
    assert result.seconds < removed.seconds - 1.0
    # A far side that never hangs up: the caller's wait times out and the call fails.
    plan.bye_timeout = 2.0
    kept = calls.plan_call(tmp_path / "k", "k", plan)
    gateway = _stand_in(netns, tmp_path, "gw-keeps", bye_timeout=20.0)
    caller = sipp.start_sipp(
        netns, tmp_path, "k", scenario=kept.scenario, remote=gateway.local, timeout=20
    )
    result, _ = caller.wait(), gateway.wait(15)
    assert result.returncode == 1, result.explain()


@pytest.mark.e2e
@pytest.mark.usefixtures("sipp_tools")
def test_a_30_ms_caller_sends_240_byte_packets(
    netns: NetNamespace, tmp_path: Path
) -> None:
    plan = calls.CallPlan(
        dial="4711", speech=audio.tone_pattern(3, 1.0), ptime=30, wait=0.2, listen=0.3
    )
    call = calls.plan_call(tmp_path / "c", "c", plan)
    gateway = _stand_in(netns, tmp_path, "gw30")
    with sipp.capture(netns, tmp_path / "c.pcap", udp_ports=[gateway.media[1]]) as cap:
        caller = sipp.start_sipp(
            netns, tmp_path, "c", scenario=call.scenario, remote=gateway.local
        )
        result, _ = caller.wait(), gateway.wait(15)
    assert result.ok, result.explain()
    assert "a=ptime:30" in result.messages
    sizes = Counter(len(p.payload) for p in rtp.rtp_packets(cap.path))
    assert set(sizes) == {240}
    assert sizes[240] == len(call.stream.packets)


@pytest.mark.e2e
@pytest.mark.usefixtures("sipp_tools")
def test_the_options_probe(netns: NetNamespace, tmp_path: Path) -> None:
    block = sipp.free_ports(netns)
    silent = (netns.address, block + 3)
    assert sipp.sip_options(netns, silent, timeout=0.3) == ""
    with pytest.raises(TimeoutError):
        sipp.wait_for_sip(netns, silent, timeout=1.0)
    # SIPp answers an OPTIONS out of a call (its default behaviour "pingreply").
    server = _stand_in(netns, tmp_path, "gw-options")
    try:
        assert sipp.wait_for_sip(netns, server.local, timeout=10) == "SIP/2.0 200 OK"
    finally:
        server.stop()


@pytest.mark.e2e
@pytest.mark.usefixtures("sipp_tools")
@pytest.mark.parametrize("ending", ["bye", "expect_bye"])
def test_a_caller_over_tcp(netns: NetNamespace, tmp_path: Path, ending: str) -> None:
    hangup = 1.5 if ending == "expect_bye" else None
    gateway = _stand_in(netns, tmp_path, "gw-tcp", "t1", hangup_after=hangup)
    plan = calls.CallPlan(
        dial="4711", pins=["1#"], wait=0.2, listen=0.5, ending=ending, bye_timeout=5
    )
    with Callers(netns, tmp_path / "c", gateway=gateway.local, transport="t1") as c:
        c.start("t", plan, timeout=20)
        result, served = c.wait()["t"], gateway.wait(15)
    assert result.ok, result.explain()
    assert served.ok, served.explain()
    assert result.sent()[0].splitlines()[1].startswith("Via: SIP/2.0/TCP 10.77.0.2:")


@pytest.mark.e2e
@pytest.mark.usefixtures("sipp_tools")
def test_the_benchmark_measures_cpu_against_the_stand_in() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sip.py"), "--stand-in", "--n", "2",
         "--seconds", "3", "--max-seconds", "90"],
        capture_output=True, text=True, timeout=150, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    runs = [line for line in lines if line.get("figure") == "run"]
    assert len(runs) == 1, lines
    run = runs[0]
    assert run["n"] == 2
    assert run["gateway"] == "sipp-uas (stand-in)"
    assert run["callers_ok"] == 2
    assert run["gateway_cpu_s_per_caller"] >= 0
    assert run["janus_cpu_s_per_caller"] >= 0
    assert run["rtp_packets_to_gateway"] >= 2 * 50 * 3 * 0.8
