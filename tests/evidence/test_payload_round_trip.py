"""A payload must hash the same after the database has stored and returned it.

PostgreSQL keeps JSON as jsonb (keys re-ordered, numbers re-written), SQLite as text;
the chain only works if the canonical JSON of the reloaded payload is unchanged.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prachum.evidence.models import EvidenceChain, EvidenceEvent
from prachum.evidence.selectors import check_chain
from prachum.evidence.services import append_event

# PostgreSQL text cannot hold NUL; lone surrogates are not UTF-8 at all.
TEXT = st.text(
    alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
    max_size=20,
)
SCALARS = st.none() | st.booleans() | st.integers(-(2**80), 2**80) | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    payloads=st.lists(st.dictionaries(TEXT, JSON, max_size=5), min_size=1, max_size=3)
)
def test_any_json_payload_without_floats_verifies_after_storage(payloads):
    key = f"meeting:{uuid.uuid4()}"
    with transaction.atomic():
        for payload in payloads:
            append_event(
                chain_key=key, kind="test.recorded", actor=None, payload=payload
            )

    stored = [e.payload for e in EvidenceEvent.objects.filter(chain__key=key)]
    assert stored == payloads
    report = check_chain(chain_key=key)
    assert report.ok, report
    assert report.length == len(payloads)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [{"ratio": 0.5}, {"votes": [1, 2.0]}, {"result": {"share": 1e16}}],
    ids=["top-level", "in-a-list", "nested"],
)
def test_a_float_in_a_payload_is_refused(payload):
    with pytest.raises(TypeError, match="float"), transaction.atomic():
        append_event(
            chain_key="meeting:floats",
            kind="test.recorded",
            actor=None,
            payload=payload,
        )
    assert not EvidenceEvent.objects.exists()
    assert not EvidenceChain.objects.filter(key="meeting:floats", length__gt=0).exists()
