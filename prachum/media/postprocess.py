"""After close: Janus's ``.mjr`` recordings → playable files and one mixed timeline.

Run by the worker only (never in the live path). Every ``.mjr`` in the meeting's
recordings folder (and every ``.mjr.tmp`` a crash left behind) goes through
``janus-pp-rec`` to an ``.opus`` (audio; ``.wav`` for a SIP caller's G.711 leg) or
``.webm`` (video) segment; the segment's
real start is the first packet's time in the ``.mjr`` header (``u``, µs since the
epoch), its duration comes from ``ffprobe``. ffmpeg then places every audio segment at
its offset from the meeting's opening in one mixed audio timeline.

The ``.mjr`` files are only read: outputs go to ``<folder>/processed/``. This module
returns plain data; the evidence app records it in the chain (ADR 0012).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from prachum.media.models import MediaTrafficRecord, TrafficKind

PROCESSED_DIR = "processed"
MIXED_NAME = "mixed.opus"
#: At most this many inputs go into one ffmpeg ``amix``; more are mixed in rounds.
MIX_BATCH = 32
MIXED_BITRATE = "32k"
#: ffmpeg runs mixing in parallel (one per core, at most this many).
MIX_WORKERS = 4

# videoroom-<room>-user-<participant>-<timestamp>-<audio|video|data>[-<n>].mjr[.tmp]
_NAME = re.compile(
    r"^videoroom-(?P<room>\d+)-user-(?P<participant>\d+)-(?P<stamp>\d+)-"
    r"(?P<kind>audio|video|data)(?:-(?P<n>\d+))?\.mjr(?P<tmp>\.tmp)?$"
)
# A SIP caller's AudioBridge leg (prachum.media.audiobridge.leg_recording_name):
# sip-<room>-user-<participant>-<timestamp>-member-<user>-audio.mjr[.tmp]
_SIP_NAME = re.compile(
    r"^sip-(?P<room>\d+)-user-(?P<participant>\d+)-(?P<stamp>\d+)-"
    r"member-(?P<user>[A-Za-z0-9_.\-]{1,64})-(?P<kind>audio)\.mjr(?P<tmp>\.tmp)?$"
)
_EXTENSIONS = {"audio": ".opus", "video": ".webm"}
# janus-pp-rec writes G.711 and G.722 (AudioBridge plain-RTP legs) only as WAV.
_AUDIO_EXTENSIONS = {"pcma": ".wav", "pcmu": ".wav", "g711": ".wav", "g722": ".wav"}


@dataclass(frozen=True)
class ParsedName:
    """What a recording's file name says: whose track, in which room.

    ``user`` is set only for a SIP leg, named by the server itself; a VideoRoom
    track's user comes from the room's ``joined`` traffic records.
    """

    plugin: str  # "videoroom" or "sip"
    room: int
    participant: int
    kind: str
    user: str | None = None


def parse_name(name: str) -> ParsedName | None:
    """The room, participant (and for a SIP leg, member) a recording belongs to."""
    match = _NAME.match(name)
    if match:
        return ParsedName(
            "videoroom", int(match["room"]), int(match["participant"]), match["kind"]
        )
    match = _SIP_NAME.match(name)
    if match:
        return ParsedName(
            "sip",
            int(match["room"]),
            int(match["participant"]),
            match["kind"],
            match["user"],
        )
    return None


class PostprocessError(Exception):
    """The recordings could not be processed; the ``.mjr`` files are untouched."""


class ToolMissingError(PostprocessError):
    """``janus-pp-rec``, ``ffmpeg`` or ``ffprobe`` is not installed."""


@dataclass(frozen=True)
class Segment:
    """One converted stream: who, what, when, how long, and its bytes' SHA-256."""

    source: str
    source_sha256: str
    output: Path
    kind: str
    room: int | None
    participant: int | None
    user: str | None
    created_us: int
    started_us: int
    duration_ms: int
    sha256: str
    size: int
    recovered: bool

    @property
    def ended_us(self) -> int:
        return self.started_us + self.duration_ms * 1000


@dataclass(frozen=True)
class Unreadable:
    source: str
    source_sha256: str
    reason: str


@dataclass(frozen=True)
class Mixed:
    output: Path
    origin_us: int
    duration_ms: int
    sha256: str
    size: int
    inputs: list[str]


@dataclass
class Result:
    segments: list[Segment] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    mixed: Mixed | None = None


def require_tools() -> dict[str, str]:
    """The paths of the tools; :class:`ToolMissingError` naming any that is absent."""
    found = {name: shutil.which(name) for name in ("janus-pp-rec", "ffmpeg", "ffprobe")}
    missing = sorted(name for name, path in found.items() if path is None)
    if missing:
        raise ToolMissingError(
            "not installed: "
            + ", ".join(missing)
            + " (apt-get install janus-tools ffmpeg)"
        )
    return {name: str(path) for name, path in found.items()}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _run(args: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise PostprocessError(
            f"{Path(args[0]).name} took over {timeout:.0f} s"
        ) from exc


def find_sources(folder: Path) -> list[Path]:
    """The recordings of a folder: ``.mjr`` and crash leftovers ``.mjr.tmp``, by name."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and (p.name.endswith(".mjr") or p.name.endswith(".mjr.tmp"))
    )


def read_header(tools: dict[str, str], source: Path) -> dict[str, object]:
    """``janus-pp-rec -j``: ``t`` (a/v/d), ``c`` codec, ``s`` created, ``u`` first packet."""
    done = _run([tools["janus-pp-rec"], "-j", str(source)], timeout=30)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise PostprocessError(f"no readable header ({done.returncode})")
    header = json.loads(lines[-1])
    if not isinstance(header, dict):
        raise PostprocessError("header is not an object")
    return header


def probe_duration_ms(tools: dict[str, str], path: Path) -> int:
    done = _run(
        [
            tools["ffprobe"],
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "default=noprint_wrappers=1:nokey=1",
            str(path),
        ],
        timeout=60,
    )
    try:
        seconds = done.stdout.strip().splitlines()[0]
        whole, _, frac = seconds.partition(".")
        return int(whole) * 1000 + int((frac + "000")[:3])
    except (IndexError, ValueError) as exc:
        raise PostprocessError(f"ffprobe read no duration of {path.name}") from exc


def users_for(
    *, server: str | None, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], str]:
    """Who each ``(room, participant)`` was, from the VideoRoom ``joined`` events."""
    found: dict[tuple[int, int], str] = {}
    for room, participant in set(pairs):
        rows = MediaTrafficRecord.objects.filter(
            kind=TrafficKind.JOINED, room=room, participant=participant
        ).exclude(user_key="")
        if server:
            rows = rows.filter(server=server)
        user = rows.order_by("at", "id").values_list("user_key", flat=True).first()
        if user:
            found[(room, participant)] = user
    return found


def convert(
    tools: dict[str, str], source: Path, out_dir: Path, *, user: str | None
) -> Segment:
    """Convert one ``.mjr`` (or ``.mjr.tmp``) into ``out_dir``; the source stays."""
    parsed = parse_name(source.name)
    header = read_header(tools, source)
    kind = {"a": "audio", "v": "video"}.get(str(header.get("t")), "data")
    if kind not in _EXTENSIONS:
        raise PostprocessError(f"not an audio or video recording ({header.get('t')})")
    stem = source.name.removesuffix(".tmp").removesuffix(".mjr")
    extension = _EXTENSIONS[kind]
    if kind == "audio":
        extension = _AUDIO_EXTENSIONS.get(str(header.get("c", "")).lower(), extension)
    target = out_dir / (stem + extension)
    partial = target.with_name(target.name + ".part")
    size = source.stat().st_size
    done = _run(
        [tools["janus-pp-rec"], "-f", extension[1:], str(source), str(partial)],
        timeout=60 + size / 50_000,
    )
    if done.returncode != 0 or not partial.exists() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        raise PostprocessError(f"janus-pp-rec failed: {tail[0][:200]}")
    partial.replace(target)
    started = int(str(header.get("u") or header.get("s") or 0))
    return Segment(
        source=source.name,
        source_sha256=sha256_file(source),
        output=target,
        kind=kind,
        room=parsed.room if parsed else None,
        participant=parsed.participant if parsed else None,
        user=user,
        created_us=int(str(header.get("s") or 0)),
        started_us=started,
        duration_ms=probe_duration_ms(tools, target),
        sha256=sha256_file(target),
        size=target.stat().st_size,
        recovered=source.name.endswith(".tmp"),
    )


def process_folder(folder: Path, *, server: str | None = None) -> Result:
    """Convert every recording in ``folder``; one unreadable file does not stop the rest."""
    tools = require_tools()
    sources = find_sources(folder)
    out_dir = folder / PROCESSED_DIR
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    names = {source: parse_name(source.name) for source in sources}
    pairs = [
        (parsed.room, parsed.participant)
        for parsed in names.values()
        if parsed is not None and parsed.user is None
    ]
    users = users_for(server=server, pairs=pairs)
    result = Result()
    for source in sources:
        parsed = names[source]
        user = None
        if parsed is not None:
            user = parsed.user or users.get((parsed.room, parsed.participant))
        try:
            result.segments.append(convert(tools, source, out_dir, user=user))
        except PostprocessError as exc:
            result.unreadable.append(
                Unreadable(source.name, sha256_file(source), str(exc))
            )
    result.segments.sort(key=lambda s: (s.started_us, s.source))
    return result


def mix_workers() -> int:
    return max(1, min(MIX_WORKERS, os.cpu_count() or 1))


def _mix_round(
    tools: dict[str, str],
    inputs: list[tuple[Path, int]],
    target: Path,
    *,
    codec: list[str],
    budget: float,
) -> None:
    """One ffmpeg run: each input delayed by its offset (ms), all summed unscaled."""
    args = [tools["ffmpeg"], "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    for path, _offset in inputs:
        args += ["-i", str(path)]
    chains = []
    for index, (_path, offset) in enumerate(inputs):
        chains.append(
            f"[{index}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=mono,"
            f"adelay=delays={offset}:all=1[s{index}]"
        )
    labels = "".join(f"[s{i}]" for i in range(len(inputs)))
    chains.append(
        f"{labels}amix=inputs={len(inputs)}:duration=longest:"
        "dropout_transition=0:normalize=0[out]"
    )
    args += ["-filter_complex", ";".join(chains), "-map", "[out]", "-ac", "1"]
    args += [*codec, "-map_metadata", "-1", "-fflags", "+bitexact"]
    args += ["-flags:a", "+bitexact", str(target)]
    done = _run(args, timeout=budget)
    if done.returncode != 0 or not target.exists():
        raise PostprocessError(f"ffmpeg mix failed: {done.stderr.strip()[-300:]}")


def mix_audio(segments: Sequence[Segment], *, origin_us: int, folder: Path) -> Mixed:
    """One mono audio timeline from the meeting's opening: every audio segment at its
    real start (a segment begun before the opening is placed at 0). Rounds of at most
    ``MIX_BATCH`` inputs keep each ffmpeg run bounded; the first round runs one batch
    per core."""
    tools = require_tools()
    audio = [s for s in segments if s.kind == "audio"]
    if not audio:
        raise PostprocessError("no audio segment to mix")
    out_dir = folder / PROCESSED_DIR
    end_ms = max((s.ended_us - origin_us) // 1000 for s in audio)
    budget = 120 + end_ms / 1000 * len(audio) / 20
    work = out_dir / "mix-work"
    work.mkdir(parents=True, exist_ok=True, mode=0o700)
    inputs = [
        (s.output, max(0, (s.started_us - origin_us) // 1000))
        for s in sorted(audio, key=lambda s: (s.started_us, s.source))
    ]
    workers = mix_workers()
    size = MIX_BATCH
    if workers > 1 and len(inputs) > workers:
        # A first round of one batch per core: ffmpeg's graph runs on one core.
        size = min(MIX_BATCH, -(-len(inputs) // workers))
    round_number = 0
    while len(inputs) > size:
        round_number += 1
        batches = [inputs[i : i + size] for i in range(0, len(inputs), size)]
        targets = [work / f"round{round_number}-{n}.flac" for n in range(len(batches))]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for done in [
                pool.submit(
                    _mix_round,
                    tools,
                    batch,
                    target,
                    codec=["-c:a", "flac", "-sample_fmt", "s16"],
                    budget=budget,
                )
                for batch, target in zip(batches, targets, strict=True)
            ]:
                done.result()
        inputs = [(target, 0) for target in targets]
        size = MIX_BATCH
    target = out_dir / MIXED_NAME
    partial = out_dir / (MIXED_NAME + ".part.opus")
    _mix_round(
        tools,
        inputs,
        partial,
        codec=["-c:a", "libopus", "-b:a", MIXED_BITRATE],
        budget=budget,
    )
    partial.replace(target)
    shutil.rmtree(work, ignore_errors=True)
    return Mixed(
        output=target,
        origin_us=origin_us,
        duration_ms=probe_duration_ms(tools, target),
        sha256=sha256_file(target),
        size=target.stat().st_size,
        inputs=[s.output.name for s in audio],
    )
