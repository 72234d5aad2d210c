"""Purge records past their retention period: a dry run unless ``--execute``.

Exit status: 0 done (or nothing to do); 1 some purges failed (each is in the audit
log); 2 refused, nothing deleted (a period under the 90-day CCA floor, shorter than a
policy, no policy in force, or no operator named for ``--execute``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from prachum.core.actors import Actor
from prachum.retention import policies, purge, selectors
from prachum.retention.models import AuditLog, RecordClass
from prachum.retention.selectors import Candidate, Plan, PurgeRefusedError

REFUSED = 2
FAILED = 1


def _day(value: Any) -> str:
    return str(timezone.localtime(value).date())


class Command(BaseCommand):
    help = (
        "Purge records past their retention period and the 90-day CCA floor, not "
        "under a legal hold; a meeting's record is first exported to the transfer "
        "folder. Prints what would go unless --execute is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be purged and delete nothing (the default).",
        )
        mode.add_argument(
            "--execute", action="store_true", help="Export and delete for real."
        )
        parser.add_argument(
            "--class",
            dest="classes",
            action="append",
            choices=[c.value for c in selectors.PURGEABLE],
            help="Only this record class (repeatable; default: all). Meeting "
            "documents go with their meeting's record (minutes_package).",
        )
        parser.add_argument(
            "--older-than-days",
            type=int,
            help="Only records older than this; refused under the 90-day floor or "
            "under a policy's period.",
        )
        parser.add_argument(
            "--actor",
            help="Username of the operator running the purge (required with "
            "--execute; recorded in the audit log).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        execute = bool(options["execute"])
        classes = options["classes"] or [c.value for c in selectors.PURGEABLE]
        actor = self._actor(options["actor"], required=execute)
        request = {
            "classes": sorted(classes),
            "older_than_days": options["older_than_days"],
        }
        try:
            plan = selectors.build_plan(
                classes=classes, older_than_days=options["older_than_days"]
            )
        except PurgeRefusedError as exc:
            if execute:
                purge.record_refusal(actor=actor, error=exc, request=request)
            raise CommandError(f"{exc.code}: {exc}", returncode=REFUSED) from exc
        self._print_plan(plan)
        if not execute:
            self.stdout.write("Dry run: nothing was deleted. Use --execute to purge.")
            return
        failures = self._execute(plan, actor)
        if failures:
            raise CommandError(
                f"{failures} purge(s) failed; each is in the audit log.",
                returncode=FAILED,
            )

    def _actor(self, username: str | None, *, required: bool) -> Any:
        if not username:
            if required:
                raise CommandError(
                    "--execute needs --actor USERNAME (an operator account).",
                    returncode=REFUSED,
                )
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not policies.can_manage_retention(user=user):
            raise CommandError(
                f"{username} is not an active operator (staff) account.",
                returncode=REFUSED,
            )
        return user

    def _print_plan(self, plan: Plan) -> None:
        for record_class in plan.days:
            due = plan.of(record_class, held=False)
            held = plan.of(record_class, held=True)
            sources = "; ".join(
                f"{p['record_class']} {p['keep_days']} days (policy #{p['policy']})"
                for p in plan.periods_for(record_class)
            )
            self.stdout.write(
                f"{record_class}: keep {plan.days[record_class]} days [{sources}] - "
                f"{len(due)} due, {len(held)} under hold"
            )
            for candidate in due:
                self.stdout.write(f"  purge {self._line(candidate)}")
            for candidate in held:
                self.stdout.write(
                    f"  HOLD  {self._line(candidate)} "
                    f"(kept by hold {', '.join(candidate.holds)})"
                )

    def _line(self, c: Candidate) -> str:
        extra = f" {c.connections} connections" if c.connections else ""
        return (
            f"{c.target} {c.label}{extra} "
            f"(ended {_day(c.record_end)}, due {_day(c.due_at)})"
        )

    def _purge(self, plan: Plan, candidate: Candidate, actor: Actor) -> AuditLog | None:
        record_class = candidate.record_class
        arguments: dict[str, Any] = {
            "actor": actor,
            "days": plan.days[record_class],
            "periods": plan.periods_for(record_class),
            "now": plan.now,
        }
        if record_class == RecordClass.MINUTES_PACKAGE:
            return purge.purge_meeting_record(
                meeting_id=candidate.subject_id, **arguments
            )
        if record_class == RecordClass.TRAFFIC_DATA:
            return purge.purge_traffic_data(
                meeting_id=candidate.subject_id, **arguments
            )
        return purge.purge_account_chain(chain_id=candidate.subject_id, **arguments)

    def _execute(self, plan: Plan, actor: Actor) -> int:
        failures = 0
        for record_class in plan.days:
            for candidate in plan.of(record_class, held=False):
                try:
                    entry = self._purge(plan, candidate, actor)
                except Exception as exc:
                    failures += 1
                    purge.record_failure(actor=actor, candidate=candidate, error=exc)
                    self.stderr.write(
                        f"FAILED {candidate.target}: "
                        f"{getattr(exc, 'code', type(exc).__name__)}: {exc}"
                    )
                    continue
                if entry is not None:
                    self.stdout.write(
                        f"purged {candidate.target} (audit log #{entry.seq})"
                    )
        return failures
