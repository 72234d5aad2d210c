"""Signals between contexts that may not import each other (import-linter layers).

- :data:`person_created` — sent by ``committees.services.import_roster_csv`` inside
  its transaction for each person it creates without a usable password, with
  ``actor`` and ``user``. ``accounts`` mails them an invitation once the import
  commits (``prachum.accounts.apps``).
- :data:`member_linked` — sent by the same import for each row whose e-mail address
  belongs to an existing account, with ``actor``, ``user``, ``committee`` (its name)
  and ``role`` (its label). ``accounts`` mails the owner of the address that they
  were added, once the import commits.
"""

from __future__ import annotations

from django.dispatch import Signal

person_created = Signal()
member_linked = Signal()
