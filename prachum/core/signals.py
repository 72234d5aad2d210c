"""Signals between contexts that may not import each other (import-linter layers).

- :data:`person_created` — sent by ``committees.services.import_roster_csv`` inside
  its transaction for each person it creates without a usable password, with
  ``actor`` and ``user``. ``accounts`` mails them an invitation once the import
  commits (``prachum.accounts.apps``).
"""

from __future__ import annotations

from django.dispatch import Signal

person_created = Signal()
