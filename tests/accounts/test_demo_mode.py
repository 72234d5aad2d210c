"""Demo mode is explicit (issue 15, F1): codes on the page only with ``DEMO_MODE``."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import Error, run_checks
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SECOND_FACTOR = reverse("accounts:second_factor")
BANNER = "Demo mode — not for real meetings"


@pytest.fixture
def outbox_folder(settings: Any, tmp_path: Path) -> Path:
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    return tmp_path / "outbox"


def _code_in_outbox(folder: Path, to: str) -> str:
    parser = BytesParser(policy=policy.default)
    for path in folder.glob("*.eml"):
        message = parser.parsebytes(path.read_bytes())
        if to in str(message["To"]):
            body = message.get_body(preferencelist=("plain",)).get_content()
            return re.search(r"\b(\d{6})\b", body).group(1)
    raise AssertionError(f"no code for {to}")


def _password_step(client: Client, username: str) -> None:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response["Location"] == SECOND_FACTOR


def test_f1_without_demo_mode_the_code_page_never_shows_the_code(
    client: Client, settings: Any, outbox_folder: Path, now: Any
) -> None:
    settings.DEMO_MODE = False
    user = UserFactory()
    _password_step(client, user.username)
    code = _code_in_outbox(outbox_folder, user.email)

    page = client.get(SECOND_FACTOR).content.decode()

    assert code not in page
    assert "Demo mode" not in page


def test_f1_without_mail_server_or_demo_mode_start_up_is_refused(
    settings: Any,
) -> None:
    settings.DEMO_MODE = False
    settings.EMAIL_URL = ""
    errors = [m for m in run_checks() if m.id == "accounts.E001"]
    assert len(errors) == 1
    assert isinstance(errors[0], Error)
    assert "DEMO_MODE" in errors[0].hint


@pytest.mark.parametrize(
    ("email_url", "demo_mode"),
    [("smtp://mail.example.go.th:25", False), ("", True)],
)
def test_a_mail_server_or_demo_mode_lets_it_start(
    settings: Any, email_url: str, demo_mode: bool
) -> None:
    settings.EMAIL_URL = email_url
    settings.DEMO_MODE = demo_mode
    assert not [m for m in run_checks() if m.id == "accounts.E001"]


def test_in_demo_mode_the_code_is_shown_under_a_red_banner(
    client: Client, settings: Any, outbox_folder: Path, now: Any
) -> None:
    settings.DEMO_MODE = True
    user = UserFactory()
    _password_step(client, user.username)
    code = _code_in_outbox(outbox_folder, user.email)

    page = client.get(SECOND_FACTOR).content.decode()

    assert code in page
    assert 'class="demo-banner"' in page
    assert BANNER in page
    # On every page, the login page included.
    assert BANNER in client.get(LOGIN).content.decode()


def test_without_demo_mode_no_banner(client: Client, settings: Any) -> None:
    settings.DEMO_MODE = False
    assert "demo-banner" not in client.get(LOGIN).content.decode()


def test_the_banner_is_thai_on_a_thai_page(settings: Any) -> None:
    settings.DEMO_MODE = True
    client = Client(headers={"accept-language": "th"})
    page = client.get(LOGIN, headers={"accept-language": "th"}).content.decode()
    assert "โหมดสาธิต — ห้ามใช้กับการประชุมจริง" in page


@pytest.mark.asyncio
async def test_f1_the_web_process_refuses_to_start_without_mail_or_demo_mode(
    settings: Any,
) -> None:
    from config.asgi import application

    settings.DEMO_MODE = False
    settings.EMAIL_URL = ""
    sent: list[dict[str, Any]] = []
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await application({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    assert "accounts.E001" in sent[0]["message"]


def test_check_deploy_warns_while_demo_mode_is_on(settings: Any) -> None:
    settings.DEMO_MODE = True
    ids = [m.id for m in run_checks(include_deployment_checks=True)]
    assert "accounts.W002" in ids
    settings.DEMO_MODE = False
    settings.EMAIL_URL = "smtp://mail.example.go.th:25"
    ids = [m.id for m in run_checks(include_deployment_checks=True)]
    assert "accounts.W002" not in ids
    assert "accounts.E001" not in ids
