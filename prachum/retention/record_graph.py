"""Finding every row of one meeting's record, and deleting them together.

The record is every row that refers to the meeting through foreign keys, directly or
through other rows of the record (agenda items, documents and their versions and
reads, notices and their messages, identity checks, connections, incidents, polls and
ballots, media rooms, ...). Rows are found by walking the foreign keys of every
installed model, so a model added later is included without a change here.

Safety:
- rows are deleted with plain SQL inside the caller's transaction; Django's foreign
  keys are deferred on SQLite and PostgreSQL, and the constraints are checked before
  the transaction ends, so a row outside the walk that still refers to a deleted one
  makes the whole purge fail and roll back;
- the walk refuses rows of another meeting, and rows of the apps that hold people and
  bodies (accounts, committees), so a link added later cannot make a purge reach
  beyond the meeting;
- ``SET_NULL`` links are cleared, not followed (a released legal hold keeps its row).

Rows tied to a meeting by a text key rather than a foreign key (for example media
traffic records keyed by ``meeting_key``) are added by the functions listed in
``EXTRA_PARTS``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.db import connection, models

from prachum.meetings.models import Meeting

#: ``module:function`` taking a meeting and returning querysets of rows that belong to
#: its record but are not linked to it by a foreign key. The rows' own dependants are
#: found by the walk.
EXTRA_PARTS: list[str] = []

#: Apps whose rows are never part of one meeting's record.
FOREIGN_APPS = frozenset(
    {"accounts", "committees", "auth", "admin", "contenttypes", "sessions"}
)

_CHUNK = 500


class RecordGraphError(Exception):
    """The walk reached rows that are not this meeting's alone; nothing is deleted."""


@dataclass
class MeetingRecord:
    meeting_id: Any
    rows: dict[type[models.Model], set[Any]] = field(
        default_factory=lambda: defaultdict(set)
    )
    cleared: list[tuple[type[models.Model], str, set[Any]]] = field(
        default_factory=list
    )

    def counts(self) -> dict[str, int]:
        return {_label(m): len(pks) for m, pks in sorted_rows(self.rows) if pks}

    def ids(self) -> dict[str, list[str]]:
        return {
            _label(m): sorted(str(pk) for pk in pks)
            for m, pks in sorted_rows(self.rows)
            if pks
        }

    def files(self) -> list[tuple[Any, str]]:
        """``(storage, name)`` of every stored file the record's rows point to."""
        found: list[tuple[Any, str]] = []
        for model, pks in self.rows.items():
            file_fields = [
                f
                for f in model._meta.concrete_fields
                if isinstance(f, models.FileField)
            ]
            if not file_fields or not pks:
                continue
            for chunk in _chunks(pks):
                for row in model._base_manager.filter(pk__in=chunk).only(
                    *[f.name for f in file_fields]
                ):
                    for f in file_fields:
                        value = getattr(row, f.name)
                        if value and value.name:
                            found.append((value.storage, value.name))
        return found


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def sorted_rows(
    rows: dict[type[models.Model], set[Any]],
) -> list[tuple[type[models.Model], set[Any]]]:
    return sorted(rows.items(), key=lambda item: _label(item[0]))


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _links() -> dict[type[models.Model], list[tuple[type[models.Model], Any]]]:
    """For each model, the ``(model, field)`` pairs of foreign keys pointing at it."""
    links: dict[type[models.Model], list[tuple[type[models.Model], Any]]] = defaultdict(
        list
    )
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        for f in opts.concrete_fields:
            related = f.related_model
            if f.is_relation and (f.many_to_one or f.one_to_one) and related:
                target = related._meta.concrete_model
                if isinstance(target, type):
                    links[target].append((model, f))
    return links


def _extra_part(dotted: str) -> Callable[[Meeting], Iterable[models.QuerySet[Any]]]:
    module, name = dotted.split(":")
    function: Callable[[Meeting], Iterable[models.QuerySet[Any]]] = getattr(
        import_module(module), name
    )
    return function


def collect_meeting_record(meeting: Meeting) -> MeetingRecord:
    """Every row of ``meeting``'s record; raises ``RecordGraphError`` if it is shared."""
    record = MeetingRecord(meeting_id=meeting.pk)
    record.rows[Meeting].add(meeting.pk)
    for dotted in EXTRA_PARTS:
        for queryset in _extra_part(dotted)(meeting):
            record.rows[queryset.model._meta.concrete_model].update(
                queryset.values_list("pk", flat=True)
            )
    links = _links()
    frontier: dict[type[models.Model], set[Any]] = {
        m: set(pks) for m, pks in record.rows.items()
    }
    cleared: dict[tuple[type[models.Model], str], set[Any]] = defaultdict(set)
    while frontier:
        found: dict[type[models.Model], set[Any]] = defaultdict(set)
        for target, pks in frontier.items():
            for model, fk in links.get(target, []):
                on_delete = fk.remote_field.on_delete
                for chunk in _chunks(pks):
                    rows = model._base_manager.filter(**{f"{fk.attname}__in": chunk})
                    if on_delete is models.SET_NULL:
                        cleared[(model, fk.attname)].update(
                            rows.values_list("pk", flat=True)
                        )
                        continue
                    if on_delete not in (
                        models.CASCADE,
                        models.PROTECT,
                        models.RESTRICT,
                        models.DO_NOTHING,
                    ):
                        if rows.exists():
                            raise RecordGraphError(
                                f"{_label(model)}.{fk.name}: unsupported on_delete"
                            )
                        continue
                    new = set(rows.values_list("pk", flat=True)) - record.rows[model]
                    if new:
                        found[model].update(new)
        for model, pks in found.items():
            _refuse_foreign(model, pks, meeting)
            record.rows[model].update(pks)
        frontier = dict(found)
    record.cleared = [
        (model, attname, pks)
        for (model, attname), pks in cleared.items()
        if pks and pks - record.rows.get(model, set())
    ]
    return record


def _refuse_foreign(model: type[models.Model], pks: set[Any], meeting: Meeting) -> None:
    if model._meta.app_label in FOREIGN_APPS:
        raise RecordGraphError(f"{_label(model)} rows are not part of a meeting record")
    if model is Meeting:
        raise RecordGraphError("the record refers to another meeting")
    for f in model._meta.concrete_fields:
        if f.is_relation and f.related_model is Meeting:
            for chunk in _chunks(pks):
                other = (
                    model._base_manager.filter(pk__in=chunk)
                    .exclude(**{f.attname: meeting.pk})
                    .exclude(**{f"{f.attname}__isnull": True})
                )
                if other.exists():
                    raise RecordGraphError(
                        f"{_label(model)} rows of another meeting are linked to this one"
                    )


def delete_meeting_record(record: MeetingRecord) -> None:
    """Delete every row of ``record``; must run inside the purge's transaction."""
    for model, attname, pks in record.cleared:
        keep = pks - record.rows.get(model, set())
        for chunk in _chunks(keep):
            model._base_manager.filter(pk__in=chunk).update(**{attname: None})
    quote = connection.ops.quote_name
    for model, pks in sorted_rows(record.rows):
        table = model._meta.db_table
        pk_column = str(model._meta.pk.column)
        for chunk in _chunks(pks):
            values = [model._meta.pk.get_db_prep_value(pk, connection) for pk in chunk]
            marks = ", ".join(["%s"] * len(values))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {quote(table)} WHERE {quote(pk_column)} IN ({marks})",
                    values,
                )


def referencing_tables(deleted: Iterable[type[models.Model]]) -> list[str]:
    """The tables whose foreign keys point at ``deleted`` models' tables.

    Django's foreign keys are deferred: ``connection.check_constraints`` on these
    tables, inside the transaction, fails if anything outside the walk still refers to
    a deleted row (the commit would fail too, but a test's transaction never commits).
    """
    links = _links()
    tables = set()
    for model in deleted:
        concrete = model._meta.concrete_model or model
        for referrer, _fk in links.get(concrete, []):
            tables.add(referrer._meta.db_table)
    return sorted(tables)
