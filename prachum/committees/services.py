"""Every change to a committee goes through here and into the evidence chain."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.committees import policies, roster_accounts
from prachum.committees.error_codes import CommitteeError
from prachum.committees.events import CommitteeEvent
from prachum.committees.models import (
    SECRETARIAT_ROLES,
    VOTING_ROLES,
    Agency,
    Committee,
    Membership,
    Role,
)
from prachum.committees.selectors import deny_list
from prachum.core.actors import Actor
from prachum.core.csv_cells import formula_error
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.signals import member_linked, person_created
from prachum.core.text import clean_text, text_error
from prachum.domain.scope import check_scope
from prachum.evidence.services import append_event

ROSTER_COLUMNS = ("username", "email", "title", "full_name", "position", "role")
OPTIONAL_COLUMNS = ("position_title",)  # ตำแหน่งในคณะกรรมการ
MAX_ROSTER_ROWS = 500

# The role column takes a code or the Thai name used in appointing orders.
THAI_ROLE_NAMES: dict[str, Role] = {
    "ประธาน": Role.CHAIR,
    "ประธานกรรมการ": Role.CHAIR,
    "รองประธาน": Role.VICE_CHAIR,
    "รองประธานกรรมการ": Role.VICE_CHAIR,
    "กรรมการ": Role.MEMBER,
    "กรรมการและเลขานุการ": Role.MEMBER_SECRETARY,
    "กรรมการและผู้ช่วยเลขานุการ": Role.MEMBER_ASSISTANT_SECRETARY,
    "เลขานุการ": Role.SECRETARY,
    "ผู้ช่วยเลขานุการ": Role.ASSISTANT_SECRETARY,
    "ผู้เข้าร่วมประชุม": Role.INVITEE,
    "ผู้ได้รับเชิญ": Role.INVITEE,
    "ผู้ได้รับเชิญเข้าร่วมประชุม": Role.INVITEE,
}


def accepted_role_values() -> list[str]:
    """Every value the role column accepts: the codes, then the Thai names."""
    return [*Role.values, *THAI_ROLE_NAMES]


def parse_role(value: str) -> Role | None:
    """A role code (any case) or its Thai name (spaces ignored), else None."""
    code = value.strip().lower()
    if code in Role.values:
        return Role(code)
    return THAI_ROLE_NAMES.get("".join(value.split()))


def ensure_in_scope(*, category: str, on: date, subjects: tuple[str, ...] = ()) -> None:
    """Refuse a meeting category or subject the Decree does not cover (s.5, R2, R3)."""
    decision = check_scope(
        category=category, on=on, subjects=subjects, deny_list=deny_list()
    )
    if not decision.allowed:
        if decision.code == "DECREE_S5_EXCLUDED":
            message = _(
                "This kind of meeting cannot be held electronically: the Emergency Decree on "
                "Electronic Meetings B.E. 2563 section 5 excludes it."
            )
        else:
            message = _(
                "This meeting category or subject is excluded from electronic meetings by a "
                "ministerial regulation (Decree section 5(4))."
            )
        raise ServiceError(CommitteeError(decision.code), message, field="category")


def create_committee(
    *,
    actor: Actor,
    agency: Agency,
    name: str,
    legal_basis: str,
    category: str,
    body_type: str = "committee",
    fallback_channel: str = "",
    **options: Any,
) -> Committee:
    """Create a body that meets. A legal basis is required (Decree s.4, R1).

    A secretary (not an operator) who creates a committee becomes its secretary, in the
    same transaction, so she keeps it from the first page on.
    """
    if not policies.can_create_committee_in(user=actor, agency=agency):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _(
                "Only an operator, or a secretary of a committee of this agency, may "
                "create a committee under it."
            ),
            field="agency",
        )
    name = name.strip()
    legal_basis = legal_basis.strip()
    if not name:
        raise ServiceError(
            CommitteeError.NAME_REQUIRED, _("The committee needs a name."), field="name"
        )
    if not legal_basis:
        raise ServiceError(
            CommitteeError.LEGAL_BASIS_REQUIRED,
            _(
                "State the law, regulation or order that creates this body (Decree section 4)."
            ),
            field="legal_basis",
        )
    ensure_in_scope(category=category, on=timezone.localdate())
    with transaction.atomic():
        committee = Committee.objects.create(
            agency=agency,
            name=name,
            legal_basis=legal_basis,
            category=category,
            body_type=body_type,
            fallback_channel=fallback_channel,
            **options,
        )
        append_event(
            chain_key=committee.chain_key,
            kind=CommitteeEvent.COMMITTEE_CREATED,
            actor=actor,
            payload={
                "committee": str(committee.pk),
                "name": name,
                "legal_basis": legal_basis,
                "category": category,
                "quorum": [
                    committee.quorum_kind,
                    committee.quorum_numerator,
                    committee.quorum_denominator,
                ],
            },
        )
        if not actor.is_staff:
            _add_member(
                actor=actor,
                committee=committee,
                user=actor,
                role=Role.SECRETARY,
                is_voting=False,
            )
    return committee


def add_member(
    *,
    actor: Actor,
    committee: Committee,
    user: Any,
    role: str,
    is_voting: bool | None = None,
    position_title: str = "",
) -> Membership:
    if not policies.can_manage_committee(user=actor, committee=committee):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the committee's secretary may change its roster."),
        )
    if not roster_accounts.can_give_role_to(actor=actor, user=user):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED, str(roster_accounts.CANNOT_ADD)
        )
    with transaction.atomic():
        membership = _add_member(
            actor=actor,
            committee=committee,
            user=user,
            role=role,
            is_voting=is_voting,
            position_title=_position(position_title),
        )
    return membership


MEMBER_SECRETARIAT = VOTING_ROLES & SECRETARIAT_ROLES


def voting_for(role: str, is_voting: bool | None) -> bool:
    """Voting by role unless told; a member-secretary always votes (they are a member)."""
    if role in MEMBER_SECRETARIAT:
        return True
    return role in VOTING_ROLES if is_voting is None else is_voting


def _position(value: str) -> str:
    return clean_text(
        value or "", max_length=300, field="position_title", required=False
    )


def _add_member(
    *,
    actor: Actor,
    committee: Committee,
    user: Any,
    role: str,
    is_voting: bool | None,
    position_title: str = "",
) -> Membership:
    voting = voting_for(role, is_voting)
    order = {r: i for i, r in enumerate(Role.values)}.get(role, 50)
    membership = Membership.objects.create(
        committee=committee,
        user=user,
        role=role,
        is_voting=voting,
        position_order=order,
        position_title=position_title,
    )
    append_event(
        chain_key=committee.chain_key,
        kind=CommitteeEvent.COMMITTEE_MEMBER_ADDED,
        actor=actor,
        payload={
            "user": str(user.pk),
            "role": role,
            "is_voting": voting,
            "position_title": position_title,
        },
    )
    return membership


def set_member_position(
    *, actor: Actor, membership: Membership, position_title: str
) -> Membership:
    """Record the office by which a person sits (ตำแหน่งในคณะกรรมการ)."""
    committee = membership.committee
    if not policies.can_manage_committee(user=actor, committee=committee):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the committee's secretary may change its roster."),
        )
    title = _position(position_title)
    with transaction.atomic():
        membership.position_title = title
        membership.save(update_fields=["position_title", "updated_at"])
        append_event(
            chain_key=committee.chain_key,
            kind=CommitteeEvent.COMMITTEE_MEMBER_POSITION_SET,
            actor=actor,
            payload={"user": str(membership.user_id), "position_title": title},
        )
    return membership


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


class RosterImportError(ServiceError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            CommitteeError.ROSTER_INVALID,
            _(
                "The roster was not imported: fix the rows listed and upload the file again."
            ),
            details=errors,
        )
        self.errors = errors


def import_roster_csv(
    *, actor: Actor, committee: Committee, data: bytes
) -> list[Membership]:
    """Import members from CSV; every row is checked first and nothing is saved on error.

    Columns: username, email, title, full_name, position, role, and optionally
    position_title (the position in the committee). The role is a code (chair,
    vice_chair, member, secretary, assistant_secretary, member_secretary,
    member_assistant_secretary, invitee) or its Thai name (``THAI_ROLE_NAMES``). New
    people get no usable password; once the import commits, each is mailed an
    invitation to set one (``core.signals.person_created``, handled by accounts).
    Which account a row means, and which rows are refused without saying why, is
    :mod:`prachum.committees.roster_accounts` (issue 15 F11): the e-mail address
    is the identity, an existing owner is mailed (``core.signals.member_linked``),
    and only an operator puts an operator account on a roster.
    """
    if not policies.can_manage_committee(user=actor, committee=committee):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the committee's secretary may change its roster."),
        )
    errors: list[RowError] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterImportError(
            [RowError(0, "", _("The file is not UTF-8 text. Save it as CSV UTF-8."))]
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RosterImportError(
            [
                RowError(
                    1,
                    ",".join(missing),
                    _("Missing columns: %(cols)s") % {"cols": ", ".join(missing)},
                )
            ]
        )
    user_model = get_user_model()
    rows: list[dict[str, str]] = []
    seen_users: set[str] = set()
    seen_emails: set[str] = set()
    max_lengths = {
        c: getattr(user_model._meta.get_field(c), "max_length", None)
        for c in ROSTER_COLUMNS
        if c != "role"
    }
    max_lengths["position_title"] = Membership._meta.get_field(
        "position_title"
    ).max_length
    existing_ids = set(committee.memberships.values_list("user__username", flat=True))
    existing_pks = set(committee.memberships.values_list("user_id", flat=True))
    accounts: dict[int, Any] = {}  # line -> the existing account it means
    lines: list[int] = []
    chair_count = committee.memberships.filter(role=Role.CHAIR).count()
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROSTER_ROWS:
            errors.append(
                RowError(
                    line,
                    "",
                    _("Too many rows (at most %(n)d).") % {"n": MAX_ROSTER_ROWS},
                )
            )
            break
        cells = {k: raw.get(k) or "" for k in (*ROSTER_COLUMNS, *OPTIONAL_COLUMNS)}
        row = {k: unicodedata.normalize("NFC", v.strip()) for k, v in cells.items()}
        if not row["username"]:
            errors.append(RowError(line, "username", _("A login name is required.")))
        elif row["username"] in seen_users:
            errors.append(
                RowError(
                    line, "username", _("This login name appears twice in the file.")
                )
            )
        elif row["username"] in existing_ids:
            errors.append(
                RowError(line, "username", _("This person is already on the roster."))
            )
        seen_users.add(row["username"])
        try:
            validate_email(row["email"])
        except ValidationError:
            errors.append(RowError(line, "email", _("Not a valid e-mail address.")))
        else:
            if row["email"].casefold() in seen_emails:
                errors.append(
                    RowError(line, "email", _("This e-mail appears twice in the file."))
                )
            seen_emails.add(row["email"].casefold())
            account, allowed = roster_accounts.resolve_row(
                actor=actor, username=row["username"], email=row["email"]
            )
            if row["username"] in existing_ids:
                pass  # already reported: on this roster
            elif not allowed:
                errors.append(RowError(line, "", str(roster_accounts.CANNOT_ADD)))
            elif account is not None and account.pk in existing_pks:
                errors.append(
                    RowError(line, "email", _("This person is already on the roster."))
                )
            accounts[line] = account
        if not row["full_name"]:
            errors.append(RowError(line, "full_name", _("A full name is required.")))
        for column, value in row.items():
            if problem := formula_error(cells[column]) or text_error(cells[column]):
                errors.append(RowError(line, column, problem))
            elif "<" in value or ">" in value:
                errors.append(
                    RowError(line, column, _("Angle brackets (< >) are not allowed."))
                )
            elif len(value) > (max_lengths.get(column) or len(value)):
                errors.append(
                    RowError(
                        line,
                        column,
                        _("At most %(n)d characters.") % {"n": max_lengths[column]},
                    )
                )
        role = parse_role(row["role"])
        if role is None:
            errors.append(
                RowError(
                    line,
                    "role",
                    _("Unknown role %(role)s; use one of: %(roles)s")
                    % {
                        "role": row["role"] or "-",
                        "roles": ", ".join(accepted_role_values()),
                    },
                )
            )
        else:
            row["role"] = role.value
        if role == Role.CHAIR:
            chair_count += 1
            if chair_count > 1:
                errors.append(
                    RowError(line, "role", _("A committee has only one chair."))
                )
        rows.append(row)
        lines.append(line)
    if not rows and not errors:
        errors.append(RowError(2, "", _("The file has no rows.")))
    if errors:
        raise RosterImportError(errors)
    created: list[Membership] = []
    with transaction.atomic():
        for line, row in zip(lines, rows, strict=True):
            user = accounts.get(line)
            if user is None:
                user = user_model(
                    username=row["username"],
                    email=row["email"],
                    title=row["title"],
                    full_name=row["full_name"],
                    position=row["position"],
                )
                user.set_unusable_password()
                user.save()
                person_created.send(sender=type(user), actor=actor, user=user)
            else:
                member_linked.send(
                    sender=type(user),
                    actor=actor,
                    user=user,
                    committee=committee.name,
                    role=Role(row["role"]).label,
                )
            created.append(
                _add_member(
                    actor=actor,
                    committee=committee,
                    user=user,
                    role=row["role"],
                    is_voting=None,
                    position_title=row["position_title"],
                )
            )
        append_event(
            chain_key=committee.chain_key,
            kind=CommitteeEvent.COMMITTEE_ROSTER_IMPORTED,
            actor=actor,
            payload={"rows": len(rows)},
        )
    return created
