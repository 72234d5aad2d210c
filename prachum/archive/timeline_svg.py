"""Draw the attendance-and-quorum timeline as a self-contained SVG (no script).

One lane per person (voting members first) with a bar per presence, in the meeting
room or remote; below, the number of voting members present as a step line against
the quorum line; votes and incidents as numbered vertical marks, listed under the
legend. Times are Bangkok time. The same bytes go on the meeting's page, the
download and the minutes' annex (fpdf2 draws SVG).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _

from prachum.archive.timeline import (
    IN_ROOM,
    INCIDENT,
    POLL_CLOSED,
    POLL_OPENED,
    Mark,
    Timeline,
)
from prachum.domain.thai_dates import format_thai_time, to_bangkok, to_thai_digits

WIDTH = 1000
LABEL_W = 230
X0 = 240
X1 = 980
TOP = 40
LANE_H = 24
BAR_H = 14
CHART_H = 150
FONT = "Laksaman, 'TH Sarabun New', sans-serif"
COLOURS = {
    IN_ROOM: "#1f7a4d",
    "remote": "#2f6fd6",
    "count": "#111111",
    "quorum": "#c62828",
    POLL_OPENED: "#6a1b9a",
    POLL_CLOSED: "#6a1b9a",
    INCIDENT: "#e65100",
}
TICK_MINUTES = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)
MAX_TICKS = 9


def tick_times(start: datetime, end: datetime) -> list[datetime]:
    """Round Bangkok times between ``start`` and ``end``, at most ``MAX_TICKS``."""
    span = max((end - start).total_seconds() / 60, 1)
    step = next((s for s in TICK_MINUTES if span / s <= MAX_TICKS), TICK_MINUTES[-1])
    local = to_bangkok(start)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = (local - midnight).total_seconds() / 60
    first = midnight + timedelta(minutes=-(-minutes // step) * step)
    ticks = []
    at = first
    while at <= end:
        ticks.append(at)
        at += timedelta(minutes=step)
    return ticks


class _Scale:
    def __init__(self, start: datetime, end: datetime) -> None:
        self.start = start
        self.seconds = max((end - start).total_seconds(), 1.0)

    def x(self, at: datetime) -> float:
        share = (at - self.start).total_seconds() / self.seconds
        return round(X0 + (X1 - X0) * min(max(share, 0.0), 1.0), 1)


def _text(x: float, y: float, text: str, **attrs: str | float) -> str:
    extra = "".join(
        f" {k.rstrip('_').replace('_', '-')}={quoteattr(str(v))}"
        for k, v in attrs.items()
    )
    return f'<text x="{x}" y="{y}"{extra}>{escape(text)}</text>'


def _digits(text: str, thai: bool) -> str:
    return to_thai_digits(text) if thai else text


def render_timeline_svg(timeline: Timeline, *, title: str = "") -> str:
    """The picture as SVG text (UTF-8)."""
    if timeline.is_empty or timeline.start is None or timeline.end is None:
        return _empty(title)
    thai = timeline.thai_digits
    scale = _Scale(timeline.start, timeline.end)
    lanes_bottom = TOP + LANE_H * len(timeline.lanes)
    chart_top = lanes_bottom + 30
    chart_bottom = chart_top + CHART_H
    marks = list(timeline.marks)
    legend_y = chart_bottom + 45
    height = legend_y + 52 + 20 * len(marks) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="13" '
        'role="img" class="meeting-timeline">',
        f"<title>{escape(title or _('Attendance and quorum timeline'))}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    # The time axis, with a light grid through lanes and chart.
    for tick in tick_times(timeline.start, timeline.end):
        x = scale.x(tick)
        label = format_thai_time(tick, thai_digits=thai)
        out.append(
            f'<line x1="{x}" y1="{TOP - 8}" x2="{x}" y2="{chart_bottom}" '
            'stroke="#dddddd" stroke-width="1"/>'
        )
        out.append(_text(x, TOP - 14, label, text_anchor="middle", class_="tick"))
    # One lane per person.
    for n, lane in enumerate(timeline.lanes):
        y = TOP + LANE_H * n
        out.append(
            f'<g class="lane" data-user="{lane.user_id}" '
            f'data-voting="{"1" if lane.is_voting else "0"}">'
        )
        out.append(
            f'<line x1="{X0}" y1="{y + LANE_H / 2}" x2="{X1}" y2="{y + LANE_H / 2}" '
            'stroke="#eeeeee" stroke-width="1"/>'
        )
        out.append(
            _text(
                LABEL_W, y + LANE_H / 2 + 4, _digits(lane.name, thai), text_anchor="end"
            )
        )
        for bar in lane.bars:
            x = scale.x(bar.start)
            w = max(scale.x(bar.end) - x, 1.0)
            mode = _("in the meeting room") if bar.mode == IN_ROOM else _("remote")
            span = (
                f"{format_thai_time(bar.start, thai_digits=thai)}–"
                f"{format_thai_time(bar.end, thai_digits=thai)}"
            )
            out.append(
                f'<rect class="bar bar-{bar.mode}" x="{x}" y="{y + (LANE_H - BAR_H) / 2}" '
                f'width="{round(w, 1)}" height="{BAR_H}" rx="2" '
                f'fill="{COLOURS[bar.mode]}"><title>{escape(f"{lane.name}: {mode} {span}")}'
                "</title></rect>"
            )
        out.append("</g>")
    out += _chart(timeline, scale, chart_top, chart_bottom)
    out += _marks(marks, scale, chart_bottom, thai)
    out += _legend(legend_y)
    out += _mark_key(marks, legend_y + 52, thai)
    out.append("</svg>")
    return "\n".join(out)


def _chart(timeline: Timeline, scale: _Scale, top: int, bottom: int) -> list[str]:
    """Voting members present (a step line) against the quorum (a dashed line)."""
    thai = timeline.thai_digits
    peak = max(
        [timeline.eligible, timeline.required, *(c for _t, c in timeline.counts)]
    )
    peak = max(peak, 1)

    def y(count: int) -> float:
        return round(bottom - (bottom - top) * count / peak, 1)

    out = [
        f'<line x1="{X0}" y1="{bottom}" x2="{X1}" y2="{bottom}" stroke="#888888"/>',
        f'<line x1="{X0}" y1="{top}" x2="{X0}" y2="{bottom}" stroke="#888888"/>',
        _text(
            LABEL_W - 20,
            top + (bottom - top) / 2,
            _("Voting members present"),
            text_anchor="end",
        ),
    ]
    step = 1 if peak <= 12 else 5
    for count in range(0, peak + 1, step):
        out.append(
            _text(X0 - 6, y(count) + 4, _digits(str(count), thai), text_anchor="end")
        )
    qy = y(timeline.required)
    out.append(
        f'<line class="quorum" data-required="{timeline.required}" x1="{X0}" '
        f'y1="{qy}" x2="{X1}" y2="{qy}" stroke="{COLOURS["quorum"]}" '
        'stroke-width="2" stroke-dasharray="8 4"/>'
    )
    quorum = _("Quorum: at least %(n)s") % {"n": _digits(str(timeline.required), thai)}
    out.append(_text(X0 + 6, qy - 5, quorum, fill=COLOURS["quorum"]))
    assert timeline.end is not None
    points: list[str] = []
    previous: float | None = None
    for at, count in timeline.counts:
        x = scale.x(at)
        if previous is not None:
            points.append(f"{x},{previous}")
        previous = y(count)
        points.append(f"{x},{previous}")
    points.append(f"{scale.x(timeline.end)},{previous}")
    data = " ".join(str(c) for _t, c in timeline.counts)
    out.append(
        f'<polyline class="present-count" data-counts="{data}" points="'
        + " ".join(points)
        + f'" fill="none" stroke="{COLOURS["count"]}" stroke-width="2"/>'
    )
    return out


def _marks(marks: list[Mark], scale: _Scale, bottom: int, thai: bool) -> list[str]:
    out = []
    for n, mark in enumerate(marks, start=1):
        x = scale.x(mark.at)
        dash = ' stroke-dasharray="3 3"' if mark.kind == POLL_CLOSED else ""
        out.append(
            f'<g class="mark mark-{mark.kind}"><line x1="{x}" y1="{TOP - 6}" x2="{x}" '
            f'y2="{bottom}" stroke="{COLOURS[mark.kind]}" stroke-width="1.5"{dash}/>'
        )
        out.append(
            _text(
                x,
                bottom + 16,
                _digits(str(n), thai),
                text_anchor="middle",
                fill=COLOURS[mark.kind],
                font_weight="bold",
            )
            + "</g>"
        )
    return out


def _legend(top: int) -> list[str]:
    items = [
        ("rect", COLOURS[IN_ROOM], _("Present in the meeting room")),
        ("rect", COLOURS["remote"], _("Present remotely (electronic)")),
        ("line", COLOURS["count"], _("Voting members present")),
        ("dash", COLOURS["quorum"], _("Quorum")),
        ("line", COLOURS[POLL_OPENED], _("Vote opened / closed")),
        ("line", COLOURS[INCIDENT], _("Incident")),
    ]
    out = ['<g class="legend">']
    for n, (shape, colour, label) in enumerate(items):
        x, y = 20 + 320 * (n % 3), top + 22 * (n // 3)
        if shape == "rect":
            out.append(
                f'<rect x="{x}" y="{y - 10}" width="18" height="12" fill="{colour}"/>'
            )
        else:
            dash = ' stroke-dasharray="6 3"' if shape == "dash" else ""
            out.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" '
                f'stroke="{colour}" stroke-width="2"{dash}/>'
            )
        out.append(_text(x + 24, y, label))
    out.append("</g>")
    return out


def _mark_key(marks: list[Mark], y: int, thai: bool) -> list[str]:
    labels = {
        POLL_OPENED: _("Vote opened"),
        POLL_CLOSED: _("Vote closed"),
        INCIDENT: _("Incident"),
    }
    out = []
    for n, mark in enumerate(marks, start=1):
        line = (
            f"{_digits(str(n), thai)}. {format_thai_time(mark.at, thai_digits=thai)} "
            f"{labels[mark.kind]}: {mark.label}"
        )
        out.append(_text(20, y + 20 * (n - 1), line, class_="mark-key"))
    return out


def _empty(title: str) -> str:
    text = _("No one has joined this meeting yet.")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="60" '
        f'viewBox="0 0 600 60" font-family="{FONT}" font-size="14" role="img" '
        'class="meeting-timeline">'
        f"<title>{escape(title or _('Attendance and quorum timeline'))}</title>"
        + _text(20, 35, text)
        + "</svg>"
    )
