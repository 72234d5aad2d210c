"""Creating a committee from the committees page (issue 14 point 1): the creator picks
an agency she may use, becomes the new committee's secretary and lands on its page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.committees import policies
from prachum.committees.models import Agency, Committee, Role
from prachum.evidence.selectors import list_events
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "คณะกรรมการบริหารความเสี่ยง",
    "body_type": "committee",
    "legal_basis": "คำสั่งสำนักงานปลัดกระทรวง ที่ 12/2569",
    "category": "regular",
    "fallback_channel": "โทรศัพท์ 0 2222 0001",
}


def signed_in(user: Any) -> Client:
    client = Client(headers={"accept-language": "th"})
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    return client


def test_a_secretary_creates_a_committee_under_her_agency_and_lands_on_it(
    agency: Agency, secretary: Any
) -> None:
    AgencyFactory(name="กรมอื่น")  # not hers: not offered
    client = signed_in(secretary)
    listing = client.get(reverse("committees:list")).content.decode()
    create_url = reverse("committees:create")
    assert create_url in listing
    form = client.get(create_url).content.decode()
    assert f'<option value="{agency.pk}" selected>{agency.name}</option>' in form
    assert "กรมอื่น" not in form

    response = client.post(create_url, {**FORM, "agency": agency.pk}, follow=True)

    new = Committee.objects.get(name=FORM["name"])
    assert response.redirect_chain == [
        (reverse("committees:detail", kwargs={"pk": new.pk}), 302)
    ]
    assert response.status_code == 200
    assert FORM["name"] in response.content.decode()
    assert new.agency == agency
    membership = new.memberships.get()
    assert (membership.user, membership.role, membership.is_voting) == (
        secretary,
        Role.SECRETARY,
        False,
    )
    assert policies.can_manage_committee(user=secretary, committee=new)
    kinds = list_events(chain_key=new.chain_key).values_list("kind", flat=True)
    assert list(kinds) == ["committee.created", "committee.member_added"]


def test_a_secretary_cannot_create_a_committee_under_another_agency(
    agency: Agency, secretary: Any
) -> None:
    foreign = AgencyFactory(name="กรมอื่น")
    before = Committee.objects.count()
    response = signed_in(secretary).post(
        reverse("committees:create"), {**FORM, "agency": foreign.pk}
    )
    assert response.status_code == 200
    assert "agency" in response.context["form"].errors
    assert Committee.objects.count() == before


def test_an_operator_chooses_any_agency_and_sees_the_committee_without_joining(
    agency: Agency,
) -> None:
    operator = UserFactory(username="operator", is_staff=True)
    other = AgencyFactory(name="กรมอื่น")
    client = signed_in(operator)
    form = client.get(reverse("committees:create")).content.decode()
    assert agency.name in form
    assert "กรมอื่น" in form
    response = client.post(
        reverse("committees:create"), {**FORM, "agency": other.pk}, follow=True
    )
    new = Committee.objects.get(name=FORM["name"])
    assert new.agency == other
    assert response.status_code == 200
    assert not new.memberships.exists()


def test_a_member_has_no_agency_to_create_a_committee_under(
    agency: Agency, member: Any
) -> None:
    client = signed_in(member)
    page = client.get(reverse("committees:create")).content.decode()
    assert 'id="no-agency"' in page
    before = Committee.objects.count()
    response = client.post(reverse("committees:create"), {**FORM, "agency": agency.pk})
    assert response.status_code == 200
    assert Committee.objects.count() == before
