"""Signals between contexts that may not import each other (import-linter layers).

- :data:`person_created` — sent by ``committees.services.import_roster_csv`` inside
  its transaction for each person it creates without a usable password, with
  ``actor`` and ``user``. ``accounts`` mails them an invitation once the import
  commits (``prachum.accounts.apps``).
- :data:`member_linked` — sent by the same import for each row whose e-mail address
  belongs to an existing account, with ``actor``, ``user``, ``committee`` (its name)
  and ``role`` (its label). ``accounts`` mails the owner of the address that they
  were added, once the import commits.
- :data:`worker_starting` — sent by ``manage.py worker`` before it takes the first
  task. ``notices`` marks the messages a killed worker left half-sent as failed (to be
  sent again by a person) and queues the rest again (issue 15 point 10).
"""

from __future__ import annotations

from django.dispatch import Signal

person_created = Signal()
member_linked = Signal()
worker_starting = Signal()
