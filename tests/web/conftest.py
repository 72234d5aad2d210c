from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def logged_in() -> Callable[..., Client]:
    """A client for ``user`` past both factors, in ``language`` (th or en)."""

    def make(user: Any, language: str = "th") -> Client:
        client = Client(headers={"accept-language": language})
        client.force_login(user)
        session = client.session
        session["second_factor_ok"] = True
        session.save()
        return client

    return make
