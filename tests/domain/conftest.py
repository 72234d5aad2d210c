"""Domain tests need no Django settings, no database and no network."""

from hypothesis import settings

# No example database in the work tree; no deadline, as CI machines are shared.
settings.register_profile("domain", database=None, deadline=None)
settings.load_profile("domain")
