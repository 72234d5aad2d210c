"""The one type of the person on whose behalf a service acts, and how a view gets it.

``Actor`` is an alias of the accounts user, imported for the type checker only:
``prachum.core`` sits below the apps and must not import ``prachum.accounts`` at run
time (the user model imports the core). Services take ``actor: Actor``, or
``actor: Actor | None`` where the system itself acts (a media signal, a purge run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.http import HttpRequest

if TYPE_CHECKING:
    from prachum.accounts.models import User

Actor: TypeAlias = "User"


def actor_of(request: HttpRequest) -> Actor:
    """The signed-in user acting through this request, typed for the services.

    Every caller is behind ``login_required``, the admin or the API's authentication,
    so the user is never anonymous here (Django types ``request.user`` as possibly so).
    """
    assert request.user.is_authenticated
    return request.user
