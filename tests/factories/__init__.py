"""factory_boy factories, one module per app (house style §4.6)."""

from tests.factories.accounts import UserFactory
from tests.factories.committees import (
    AgencyFactory,
    AllowanceRateFactory,
    CommitteeFactory,
    MembershipFactory,
    ScopeDenyEntryFactory,
)
from tests.factories.meetings import (
    MINIMAL_PDF,
    AgendaItemFactory,
    DocumentFactory,
    DocumentVersionFactory,
    MeetingFactory,
)

__all__ = [
    "MINIMAL_PDF",
    "AgencyFactory",
    "AgendaItemFactory",
    "AllowanceRateFactory",
    "CommitteeFactory",
    "DocumentFactory",
    "DocumentVersionFactory",
    "MeetingFactory",
    "MembershipFactory",
    "ScopeDenyEntryFactory",
    "UserFactory",
]
