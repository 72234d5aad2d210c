"""The outbox folder's page is for operators only (issue 15, F2)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.accounts import login
from prachum.accounts.models import User

pytestmark = pytest.mark.django_db

OUTBOX = reverse("notices:outbox")


@pytest.fixture(autouse=True)
def _mail_to_the_folder(settings: Any) -> None:
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"


def _client_for(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    return client


def _names(page: str) -> list[str]:
    return re.findall(r'href="/outbox/([^"/]+)/"', page)


def test_f2_a_secretary_cannot_read_the_outbox(secretary: User, operator: User) -> None:
    login.send_email_code(user=operator)
    operator_client = _client_for(operator)
    names = _names(operator_client.get(OUTBOX).content.decode())
    assert len(names) == 1  # the operator's own login code

    client = _client_for(secretary)
    assert client.get(OUTBOX).status_code == 404
    message = reverse("notices:outbox_message", args=[names[0]])
    assert client.get(message).status_code == 404
    assert "/outbox/" not in client.get(reverse("meetings:home")).content.decode()


def test_a_member_cannot_read_even_their_own_mail_there(member: User) -> None:
    login.send_email_code(user=member)
    operator_only = _client_for(member)
    assert operator_only.get(OUTBOX).status_code == 404


def test_an_operator_reads_every_message_and_sees_the_link(
    operator: User, member: User
) -> None:
    login.send_email_code(user=member)
    client = _client_for(operator)
    names = _names(client.get(OUTBOX).content.decode())
    assert len(names) == 1
    page = client.get(reverse("notices:outbox_message", args=[names[0]]))
    assert page.status_code == 200
    assert member.email in page.content.decode()
    assert 'href="/outbox/"' in client.get(reverse("meetings:home")).content.decode()
