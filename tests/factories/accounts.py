"""People. Login names and e-mail addresses come from sequences (assertable)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from prachum.accounts.models import User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"person{n:03d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.go.th")
    title = "นาย"
    full_name = factory.Sequence(lambda n: f"Person {n:03d}")
    position = ""
    password = factory.django.Password("correct horse battery staple")

    class Params:
        staff = factory.Trait(is_staff=True)
