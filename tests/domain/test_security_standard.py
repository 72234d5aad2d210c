"""R44: a secret meeting needs a system installed and serviced in the Kingdom."""

import pytest

from prachum.domain.explain import EXPLANATIONS
from prachum.domain.security_standard import CONTROLS, check_secret_hosting


def test_hosted_and_serviced_in_the_kingdom_allows_secret_meetings():
    decision = check_secret_hosting(hosting_country="TH", service_country=" th ")
    assert decision.allowed
    assert decision.code == "SECRET_HOSTING_IN_KINGDOM"
    assert "MDES" in decision.clause


@pytest.mark.parametrize(
    ("hosted", "serviced"), [("SG", "TH"), ("TH", "SG"), ("", ""), ("TH", "")]
)
def test_anything_abroad_refuses_secret_meetings(hosted, serviced):
    decision = check_secret_hosting(hosting_country=hosted, service_country=serviced)
    assert not decision.allowed
    assert decision.code in EXPLANATIONS


def test_the_controls_are_clause_5_in_order_then_the_secret_measures():
    keys = [c.key for c in CONTROLS]
    assert keys[:7] == [
        "identity",
        "av",
        "documents",
        "voting",
        "evidence",
        "traffic",
        "failures",
    ]
    assert all("clause 5(" in c.clause for c in CONTROLS[:7])
    assert [c.clause.endswith(f"({n})") for n, c in enumerate(CONTROLS[:7], 1)] == [
        True
    ] * 7
    assert len(set(keys)) == len(keys)
