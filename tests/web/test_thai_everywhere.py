"""Thai on every screen (issue 14 point 8).

A meeting is run through the services from notice to allowances and package; then the
secretary, the chair, a member and an operator each visit EVERY page of the project
(the URL resolver is walked, path parameters filled from the objects by name) and every
API endpoint is provoked into an error, all in Thai. The test fails on a shown string
that is one of our msgids left untranslated, a raw code (a choice value, an event kind,
an error or incident code), an English citation, or an amount without thousands
separators, and prints each offender with its URL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import importlib
import io
import json
import pkgutil
import re
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation

import prachum
from prachum.accounts.models import SecondFactorVerification
from prachum.allowances import services as allowance_services
from prachum.archive.services import request_package
from prachum.attendance.absence import record_absence
from prachum.committees.forms import roster_help
from prachum.committees.models import AllowanceRate, Committee
from prachum.core.errors import ErrorCode
from prachum.core.events import EventKind
from prachum.domain.explain import EXPLANATIONS
from prachum.evidence import pdf_signing
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode
from prachum.minutes import services as minutes_services
from prachum.minutes import wording
from prachum.notices.services import send_notice
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.voting import ballots, item_record, polls
from prachum.voting.challenges import file_challenge
from tests.factories import MINIMAL_PDF, UserFactory

pytestmark = pytest.mark.django_db

PO_FILE = Path(settings.BASE_DIR) / "locale" / "th" / "LC_MESSAGES" / "django.po"

# Routes not visited, each with the reason.
SKIPPED_PREFIXES = {
    "ops/admin/": "the Django admin (Django's own translations, operators only)",
    "internal/janus/": "machine-to-machine hooks of the media server",
    "i18n/": "the language switch itself (a redirect)",
    "static/": "static files",
    "media/": "uploaded files",
    "api/openapi.json": "the OpenAPI schema (for programs, English by design)",
    "api/docs": "the OpenAPI viewer (for programmers)",
    "evidence/key/": "the agency's public key (a PEM file)",
}
# Route endings that are downloads, not pages (checked by their own tests).
# Downloads whose text is not extracted here (Word files are: see _docx_texts).
DOWNLOAD_SUFFIXES = (".pdf", ".csv", ".zip", ".json", ".png")
DOWNLOAD_NAMES = {
    "evidence:package_download": "the evidence package (a zip file)",
    "meetings:document": "an uploaded document (a PDF file)",
}
# English a Thai screen may show: names of things, not sentences.
ALLOWED_ENGLISH = {
    "English",
    "PDF",
    "CSV",
    "SVG",
    "PNG",
    "JPEG",
    "DOCX",
    "ZIP",
    "TOTP",
    "OTP",
    "Prachum",
    "API",
    "SHA-256",
    "Ed25519",
    "Google Authenticator",
    "Microsoft Authenticator",
    "Excel",
    "zip",
    "JSON",
}

MONEY_WITHOUT_SEPARATOR = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}(?![\d])")
CODE_TOKEN = re.compile(r"(?<![\w/])[A-Za-z]+(?:[._][A-Za-z0-9]+)+(?![\w/])")
ENGLISH_RUN = re.compile(r"[A-Za-z]{3,}(?:[ .,'-]+[A-Za-z]{2,})*")
# Shown as they are in any language: web and e-mail addresses, file names.
NOT_WORDS = re.compile(
    r"https?://\S+|[\w.+-]+@[\w.-]+|[\w.-]+\.(?:pdf|ics|eml|csv|docx|zip|png|pem)\b"
    r"|\b[\w-]+(?:\.[\w-]+)+\.(?:th|com|org|net)\b|UTF-8|SHA-256|Asia/Bangkok"
    r"|\.ics\b|\b(?=[0-9a-f]*\d)[0-9a-f]{8,}…?"
    # Setting names (EMAIL_URL); our own codes are refused before this is applied.
    r"|\b[A-Z]+(?:_[A-Z]+)+\b"
    r"|\b[a-z0-9]{5}-[a-z0-9]{5}\b",  # recovery codes
    re.IGNORECASE,
)
# "Ready ready": a label and its raw value side by side.
REPEATED_WORD = re.compile(r"(?i)(?<!\S)([A-Za-z\u0E00-\u0E7F]{3,})\s+\1(?![^\s.,:;)])")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
FRAGMENT_SPLIT = re.compile(r"\s*(?:·|•|—|–|\||\n|:\s|\(|\)|;)\s*")


# --- what counts as ours -----------------------------------------------------------


def catalogue() -> tuple[set[str], list[tuple[re.Pattern[str], str]]]:
    """English msgids that must not reach a Thai screen: exact ones and patterns."""
    exact: set[str] = set()
    patterns: list[tuple[re.Pattern[str], str]] = []
    for entry in polib.pofile(str(PO_FILE)):
        for msgid in (entry.msgid, entry.msgid_plural):
            if not msgid or not re.search(r"[A-Za-z]{2,}", msgid):
                continue
            if entry.msgstr == msgid or entry.msgstr_plural.get(0) == msgid:
                continue  # the same in Thai (an abbreviation, a product name)
            if msgid in ALLOWED_ENGLISH:
                continue
            if PLACEHOLDER.search(msgid):
                parts = PLACEHOLDER.split(msgid)
                if sum(len(p.strip()) for p in parts) < 6:
                    continue  # too little fixed text to recognise
                regex = ".+?".join(re.escape(p) for p in parts)
                patterns.append((re.compile(rf"^{regex}$"), msgid))
            else:
                exact.add(msgid.strip())
    return exact, patterns


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def raw_codes() -> set[str]:
    """Choice values of every model field, event kinds, error and incident codes."""
    for module in pkgutil.iter_modules(prachum.__path__):
        for name in ("events", "error_codes"):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(f"prachum.{module.name}.{name}")
    codes: set[str] = set()
    for enum in (*_subclasses(EventKind), *_subclasses(ErrorCode)):
        codes.update(str(m.value) for m in enum)  # type: ignore[attr-defined]
    for model in apps.get_models():
        if not model.__module__.startswith("prachum."):
            continue
        for model_field in model._meta.get_fields():
            for value, label in getattr(model_field, "flatchoices", None) or []:
                if isinstance(value, str) and value and str(label) != value:
                    codes.add(value)
    for sub in _subclasses(models.TextChoices):
        if sub.__module__.startswith("prachum."):
            codes.update(str(v) for v, label in sub.choices if str(label) != v)
    codes.update(EXPLANATIONS)  # the law engine's reason and error codes
    return {c for c in codes if re.search(r"[A-Za-z]{2,}", c)} - ALLOWED_ENGLISH


# --- visible text ------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """Text nodes and the attributes a person sees or hears."""

    SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
    HIDDEN = {"script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0
        self._json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("type") == "application/json":
            # Labels handed to the page's script (the room's), shown by it.
            self._json = True
            return
        if tag in self.HIDDEN:
            self._hidden += 1
        for name in self.SHOWN_ATTRIBUTES:
            if values.get(name):
                self.texts.append(str(values[name]))
        shown_value = tag == "input" and values.get("type") in {"submit", "button"}
        if shown_value and values.get("value"):
            self.texts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._json:
            self._json = False
        elif tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._json:
            self.texts.extend(_strings(json.loads(data)))
        elif not self._hidden and data.strip():
            self.texts.append(data)


def _docx_texts(content: bytes) -> list[str]:
    """The paragraphs of a Word file (the minutes as a .docx)."""
    with zipfile.ZipFile(io.BytesIO(content)) as docx:
        xml = docx.read("word/document.xml").decode()
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    texts = [
        html.unescape("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p)))
        for p in paragraphs
    ]
    # The technical annex keeps what the system wrote, by design (issue 14 point 6).
    if wording.TECHNICAL_ANNEX in texts:
        texts = texts[: texts.index(wording.TECHNICAL_ANNEX)]
    return texts


def _strings(value: Any) -> Iterator[str]:
    """The string values (not the keys) of a JSON document."""
    if isinstance(value, str):
        yield PLACEHOLDER.sub("…", value)  # the script fills these in
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def visible_texts(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [" ".join(t.split()) for t in parser.texts]


@dataclass
class Checker:
    exact: set[str]
    patterns: list[tuple[re.Pattern[str], str]]
    codes: set[str]
    allowed_data: set[str]
    # Whole texts whose every part may be shown (a file format's description).
    allowed_texts: set[str] = field(default_factory=set)
    offenders: list[str] = field(default_factory=list)

    def check(self, where: str, text: str) -> None:
        fragments = {text, *(f.strip() for f in FRAGMENT_SPLIT.split(text))}
        for fragment in sorted(f for f in fragments if f):
            self._check_fragment(where, fragment)
        for word in REPEATED_WORD.findall(text):
            self._offend(where, "the same word twice", word, text)
        for amount in MONEY_WITHOUT_SEPARATOR.findall(text):
            if Decimal(amount) >= 1000:
                self._offend(where, "amount without separators", amount, text)

    def _check_fragment(self, where: str, fragment: str) -> None:
        bare = fragment.strip(" .,!?'\"“”")
        if bare in self.allowed_data or fragment in self.allowed_data:
            return
        if any(fragment in text for text in self.allowed_texts):
            return
        if fragment in self.exact or bare in self.exact:
            self._offend(where, "untranslated msgid", fragment)
            return
        for regex, msgid in self.patterns:
            if regex.match(fragment):
                self._offend(where, f"untranslated msgid {msgid!r}", fragment)
                return
        if bare in self.codes:
            self._offend(where, "raw code", bare)
            return
        for token in CODE_TOKEN.findall(fragment):
            if token in self.codes:
                self._offend(where, "raw code", token, fragment)
                return
        for run in ENGLISH_RUN.findall(NOT_WORDS.sub(" ", fragment)):
            words = re.split(r"[ .,'-]+", run.strip(" .,'-"))
            if run.strip() in ALLOWED_ENGLISH or all(
                w in ALLOWED_ENGLISH for w in words
            ):
                continue
            if not _inside_allowed(fragment, self.allowed_data):
                self._offend(where, "English text", run, fragment)
                return

    def _offend(self, where: str, what: str, value: str, context: str = "") -> None:
        line = f"{where}: {what}: {value!r}"
        if context and context != value:
            line += f" in {context[:120]!r}"
        if line not in self.offenders:
            self.offenders.append(line)


def _inside_allowed(fragment: str, allowed: set[str]) -> bool:
    return any(a and a in fragment for a in allowed)


# --- the meeting's whole life ------------------------------------------------------


def _identify_and_connect(meeting: Meeting, user: Any, n: int) -> Any:
    SecondFactorVerification.objects.create(user=user, method="totp")
    room_participants.check_identity(
        meeting=meeting,
        user=user,
        location="remote",
        device_ok=True,
        ip_address="192.0.2.10",
        user_agent="test",
    )
    return room_connections.open_connection(
        meeting=meeting,
        user=user,
        channel_name=f"test.{n}",
        session_key=f"s{n}",
        ip_address="192.0.2.10",
        port=40000 + n,
        user_agent="test",
    )


@dataclass
class World:
    committee: Committee
    meeting: Meeting
    draft: Meeting
    people: dict[str, Any]
    objects: dict[str, Any]


@pytest.fixture
def world(
    make_meeting: Callable[..., Meeting],
    committee: Committee,
    chair: Any,
    secretary: Any,
    room_settings: None,
    django_capture_on_commit_callbacks: Any,
) -> Iterator[World]:
    # What the services write down is written as a Thai user's request would (another
    # test may have left English active in this thread).
    translation.activate("th")
    committee.legal_basis = "คำสั่งสำนักงานปลัดกระทรวงตัวอย่าง ที่ 1/2569"
    committee.fallback_channel = "โทรศัพท์ถึงเลขานุการ 0 2222 0001"
    committee.save()
    people = {
        m.user.username: m.user for m in committee.memberships.select_related("user")
    }
    AllowanceRate.objects.create(
        committee=committee,
        kind="per_meeting",
        member_amount=Decimal("7250.00"),
        valid_from=timezone.localdate() - dt.timedelta(days=365),
        source="กค 0406.4/ว 100",
    )
    draft = make_meeting(days_ahead=20, title="การประชุมที่ยังไม่ส่งหนังสือ")
    meeting = make_meeting(mode=MeetingMode.HYBRID, venue="ห้องประชุม 501")
    secret_item = meeting_services.add_agenda_item(
        actor=secretary, meeting=meeting, title="เรื่องบุคคล", is_secret=True
    )
    document = meeting_services.upload_document(
        actor=secretary,
        meeting=meeting,
        title="เอกสารประกอบวาระ",
        upload=SimpleUploadedFile("paper.pdf", MINIMAL_PDF, "application/pdf"),
    )
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    with django_capture_on_commit_callbacks(execute=True):
        send_notice(actor=secretary, meeting=meeting)
    absence = record_absence(
        actor=secretary,
        meeting=meeting,
        member=people["member6"],
        reason="ติดราชการต่างจังหวัด",
    )
    remote = [
        people[n]
        for n in (
            "chair",
            "vice_chair",
            "member1",
            "member2",
            "member3",
            "member4",
            "secretary",
        )
    ]
    connections = [_identify_and_connect(meeting, u, n) for n, u in enumerate(remote)]
    room_participants.sign_in_at_room(
        actor=secretary, meeting=meeting, user=people["member5"]
    )
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    item = meeting.agenda_items.get(position=400)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติโครงการ", secret=False
    )
    poll = polls.open_poll(actor=chair, poll=poll)
    voters = [u for u in remote if u.username != "secretary"] + [people["member5"]]
    choices = {"member2": "no", "member3": "abstain"}
    for voter in voters:
        if poll.eligible.filter(voter=voter).exists():
            ballots.cast_ballot(
                voter=voter, poll=poll, choice=choices.get(voter.username, "yes")
            )
    poll = polls.close_poll(actor=chair, poll=poll)
    resolution = item_record.record_resolution(
        actor=secretary, item=item, text="อนุมัติโครงการตามที่เสนอ", poll=poll
    )
    item_record.record_dissent(
        actor=people["member2"],
        item=item,
        member=people["member2"],
        opinion="งบประมาณสูงเกินความจำเป็น",
    )
    challenge = file_challenge(
        actor=people["member3"],
        item=item,
        member=people["member4"],
        ground="s16",
        facts="เป็นผู้มีส่วนได้เสียในโครงการ",
    )
    secret_poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="ต่ออายุสัญญา", secret=True
    )
    polls.open_poll(actor=chair, poll=secret_poll)
    for voter in voters:
        if secret_poll.eligible.filter(voter=voter).exists():
            ballots.cast_ballot(voter=voter, poll=secret_poll, choice="yes")
    polls.close_poll(actor=chair, poll=secret_poll)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=secret_item)
    item_record.record_resolution(
        actor=secretary, item=secret_item, text="เห็นชอบตามที่เสนอ"
    )
    incident = room_incidents.report_incident(
        actor=people["member4"], meeting=meeting, description="ภาพกระตุก"
    )
    # An automatic one as the media watchdog records it: a code, a server, an error.
    room_incidents.create_incident(
        meeting,
        kind="other",
        reported_by=None,
        subject=None,
        description="MEDIA_SERVER_DOWN: janus-1: [Errno 111] Connection refused",
    )
    room_connections.close_connection(connection_id=connections[5].id, reason="lost")
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    meeting.refresh_from_db()
    minutes = minutes_services.draft_minutes(actor=secretary, meeting=meeting)
    run = allowance_services.compute_allowance_run(actor=secretary, meeting=meeting)
    with django_capture_on_commit_callbacks(execute=True):
        package = request_package(actor=secretary, meeting=meeting)
    notice = meeting.notices.first()
    objects: dict[str, Any] = {
        "meeting": meeting,
        "committee": committee,
        "item": item,
        "agendaitem": item,
        "poll": poll,
        "resolution": resolution,
        "challenge": challenge,
        "incident": incident,
        "absence": absence,
        "notice": notice,
        "run": run,
        "allowancerun": run,
        "package": package,
        "evidencepackage": package,
        "minutes": minutes,
        "minutesversion": minutes,
        "version": minutes,
        "agency": committee.agency,
        "user": people["member1"],
        "person": people["member1"],
        "document": document.document,
    }
    people["operator"] = UserFactory(
        username="operator", full_name="ผู้ดูแล ระบบ", is_staff=True
    )
    yield World(committee, meeting, draft, people, objects)
    translation.deactivate()


def _has(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


# --- the routes --------------------------------------------------------------------


@dataclass
class Route:
    route: str
    name: str
    params: list[str]


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace
                    else pattern.namespace
                )
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield Route(route, name, re.findall(r"<(?:\w+:)?(\w+)>", route))


def all_routes() -> list[Route]:
    seen: set[str] = set()
    routes = []
    for route in _walk(get_resolver().url_patterns):
        if route.route not in seen:
            seen.add(route.route)
            routes.append(route)
    return routes


def skip_reason(route: Route) -> str | None:
    for prefix, reason in SKIPPED_PREFIXES.items():
        if route.route.startswith(prefix):
            return reason
    if route.name in DOWNLOAD_NAMES:
        return DOWNLOAD_NAMES[route.name]
    if route.route.endswith(DOWNLOAD_SUFFIXES):
        return "a download, not a page"
    if "^" in route.route or "(?P" in route.route:
        return "a regular-expression route (the admin's catch-alls)"
    return None


def _singular(word: str) -> list[str]:
    """ "agencies" -> agency, "meetings" -> meeting, "people" -> person."""
    forms = [word, word.removesuffix("s")]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word == "people":
        forms.append("person")
    return forms


def _by_name(name: str, world: World) -> Any:
    if name in world.objects:
        return world.objects[name]
    for model in apps.get_models():
        if model.__name__.lower() == name.replace("_", ""):
            return model.objects.first() or _MISSING
    return _MISSING


_MISSING = object()


def _object_for(param: str, route: Route, world: World) -> Any:
    """The fixture object a path parameter names: ``run_pk`` a run, ``pk`` the object
    of the segment before it (``committees/<pk>`` a committee, ``agencies/<pk>`` an
    agency). A name nothing answers gets a random id (its page is then the Thai "not
    found" page) and a warning, so a new kind of page is named in the fixture."""
    base = re.sub(r"_(pk|id)$", "", param)
    if base in {"pk", "id"}:
        before = route.route.split(f"<uuid:{param}>")[0].split(f"<int:{param}>")[0]
        segments = [s for s in before.split("/") if s and "<" not in s]
        for name in _singular(segments[-1]) if segments else []:
            found = _by_name(name, world)
            if found is not _MISSING:
                return found
        warnings.warn(f"{route.route}: {param} filled with a meeting", stacklevel=2)
        return world.meeting
    found = _by_name(base, world)
    if found is _MISSING:
        warnings.warn(
            f"{route.route}: no object for {param!r}; name it in the world fixture",
            stacklevel=2,
        )
        return None
    return found


def fill(route: Route, world: World, *, unknown: str | None = None) -> str:
    path = route.route
    for param in route.params:
        if param == "name":
            value: Any = _outbox_name()
        else:
            obj = _object_for(param, route, world)
            # ``<int:version>`` is the version's own number; ``<uuid:run_pk>`` its key.
            value = getattr(obj, param, getattr(obj, "pk", uuid.uuid4()))
        if unknown == param:
            value = uuid.uuid4()
        path = re.sub(rf"<(?:\w+:)?{param}>", str(value), path, count=1)
    return "/" + path


def _outbox_name() -> str:
    folder = Path(settings.EMAIL_OUTBOX_DIR)
    files = sorted(p.name for p in folder.glob("*")) if folder.exists() else []
    return files[0] if files else "missing.eml"


def browser(user: Any) -> Client:
    client = Client(headers={"accept-language": "th", "user-agent": "Mozilla/5.0"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    return client


def _json_messages(payload: Any) -> Iterator[str]:
    if isinstance(payload, dict):
        for key in ("message", "detail", "msg", "error", "label"):
            value = payload.get(key)
            if isinstance(value, str):
                yield value
            elif isinstance(value, list | dict):
                yield from _json_messages(value)
        for value in payload.get("details", []) or []:
            yield from _json_messages(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from _json_messages(value)


def _api_methods(route: Route) -> set[str]:
    from prachum.api.api import api

    methods: set[str] = set()
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            if (
                re.sub(r"\{(\w+)(?::\w+)?\}", r"<\1>", path.lstrip("/"))
                == route.route[4:]
            ):
                for operation in path_view.operations:
                    methods.update(operation.methods)
    return methods or {"GET"}


# --- the test ----------------------------------------------------------------------


def test_every_page_and_api_error_is_thai(world: World) -> None:
    exact, patterns = catalogue()
    allowed_data = {
        str(v)
        for u in world.people.values()
        for v in (u.username, u.email, u.full_name)
    } | {
        world.committee.agency.email,
        world.committee.agency.address,
        "test",
        "Mozilla/5.0",
        # The PDF signer's name comes from the agency's certificate (ADR 0022).
        pdf_signing.DEMO_SUBJECT_CN,
    }
    with translation.override("th"):
        # The roster file's format: its column names and role codes are the format.
        allowed_texts = {roster_help()}
    checker = Checker(exact, patterns, raw_codes(), allowed_data, allowed_texts)
    routes = all_routes()
    skipped = {r.route: skip_reason(r) for r in routes if skip_reason(r)}
    visited = 0
    for username in ("secretary", "chair", "member1", "operator"):
        client = browser(world.people[username])
        for route in routes:
            if route.route in skipped:
                continue
            url = fill(route, world)
            if route.route.startswith("api/"):
                visited += _provoke_api(client, route, world, username, checker)
                continue
            response = client.get(url)
            visited += 1
            if response.status_code in {301, 302, 405}:
                continue
            content_type = response.get("Content-Type", "")
            where = f"{username} GET {url} ({route.name}, {response.status_code})"
            if "html" in content_type:
                for text in visible_texts(response.content.decode()):
                    checker.check(where, text)
            elif "wordprocessingml" in content_type:
                for text in _docx_texts(response.content):
                    checker.check(where, text)
            elif "json" in content_type:
                for text in _json_messages(json.loads(response.content)):
                    checker.check(where, text)
    visited += _provoke_forms(
        browser(world.people["secretary"]), routes, world, checker
    )
    assert visited > 100
    assert not checker.offenders, "\n" + "\n".join(checker.offenders)


# Forms not posted empty: the post would end the test's session or the meeting's life.
NOT_POSTED = {
    "accounts:logout": "would log the secretary out",
    "meetings:cancel": "would cancel the meeting",
    "meetings:delete": "would delete the draft",
    "evidence:request_package": "builds another package (its own tests)",
}


def _provoke_forms(
    client: Client, routes: list[Route], world: World, checker: Checker
) -> int:
    """Post each HTML form empty as the secretary, after every page was read, and read
    the refusal the next page shows (the messages), or the form's errors."""
    count = 0
    for route in routes:
        if (
            route.route.startswith("api/")
            or skip_reason(route)
            or route.name in NOT_POSTED
        ):
            continue
        url = fill(route, world)
        response = client.post(url, data={}, follow=True)
        count += 1
        if "html" not in response.get("Content-Type", ""):
            continue
        where = f"secretary POST {url} ({route.name}, {response.status_code})"
        for text in visible_texts(response.content.decode()):
            checker.check(where, text)
    return count


def _provoke_api(
    client: Client, route: Route, world: World, username: str, checker: Checker
) -> int:
    """An unknown id for each parameter, then a bad body on the real one."""
    count = 0
    attempts: list[tuple[str, str, str]] = []
    methods = _api_methods(route)
    for method in sorted(methods):
        for param in route.params:
            attempts.append((method, fill(route, world, unknown=param), "{}"))
        if method != "GET":
            attempts.append((method, fill(route, world), '{"bad": '))
            attempts.append((method, fill(route, world), "{}"))
            attempts.append(
                (method, fill(route, world), json.dumps({"reason": "x" * 5000}))
            )
    for method, url, body in attempts:
        response = (
            getattr(client, method.lower())(
                url, data=body, content_type="application/json"
            )
            if method != "GET"
            else client.get(url)
        )
        count += 1
        if response.status_code < 400 or "json" not in response.get("Content-Type", ""):
            continue
        where = f"{username} {method} {url} ({route.name}, {response.status_code})"
        for text in _json_messages(json.loads(response.content)):
            checker.check(where, text)
    return count


def test_the_checker_names_each_kind_of_offender() -> None:
    """Each rule can fail: a msgid left in English, a raw code, an English citation,
    an amount without separators and a word twice."""
    checker = Checker(
        exact={"Queued"},
        patterns=[(re.compile(r"^Letter .+?$"), "Letter %(number)s")],
        codes={"meeting.opened", "per_meeting"},
        allowed_data={"นายก ข"},
    )
    page = (
        "<html><head><title>การประชุม</title><script>var x = 'Queued';</script></head>"
        "<body><p>Queued</p><p>Letter 12/2569</p><td>meeting.opened</td>"
        "<p>อัตรา: 7250.00 (per_meeting)</p><p>APA B.E. 2539 s.82</p>"
        "<p>Ready ready</p><p>1,250.00 บาท · นายก ข · df542ffe0c7011f5…</p>"
        '<button title="Close">ปิด</button>'
        '<script type="application/json">{"label": "Sent %(n)s"}</script></body></html>'
    )
    for text in visible_texts(page):
        checker.check("page", text)
    found = "\n".join(checker.offenders)
    assert "untranslated msgid: 'Queued'" in found
    assert "'Letter %(number)s'" in found
    assert "raw code: 'meeting.opened'" in found
    assert "raw code: 'per_meeting'" in found
    assert "amount without separators: '7250.00'" in found
    assert "English text: 'APA' in 'APA B.E. 2539 s.82'" in found
    assert "the same word twice: 'Ready'" in found
    assert "'Close'" in found  # a title is shown too
    assert "'Sent …'" in found  # labels handed to the page's script
    assert "1,250.00" not in found
    assert "นายก" not in found
    assert "df542" not in found
    assert found.count("Queued") == 1  # the script's text is not shown
