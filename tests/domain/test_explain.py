"""Every code the law engine can produce has a Thai and an English explanation."""

import re
from pathlib import Path

import pytest

import prachum.domain
from prachum.domain.explain import EXPLANATIONS, explain

DOMAIN = Path(prachum.domain.__file__).parent
# An UPPER_SNAKE string literal with at least one underscore, or a one-word code
# assigned to ``code``.
CODE = re.compile(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"|code = "([A-Z]+)"')


def codes_in_source():
    found = set()
    for path in DOMAIN.glob("*.py"):
        if path.name == "explain.py":
            continue
        for snake, word in CODE.findall(path.read_text(encoding="utf-8")):
            found.add(snake or word)
    return found


def test_the_scan_finds_codes_of_every_kind():
    found = codes_in_source()
    for code in ("QUORUM_MET", "TIE_CASTING_VOTE", "NOTICE_TOO_SHORT", "CHAIN_SEQ_GAP"):
        assert code in found


def test_every_code_in_the_domain_is_explained():
    missing = codes_in_source() - set(EXPLANATIONS)
    assert not missing


THAI = re.compile(r"[\u0E00-\u0E7F]")


@pytest.mark.parametrize("code", sorted(EXPLANATIONS))
def test_each_explanation_has_thai_and_english(code):
    thai, english = EXPLANATIONS[code]
    assert THAI.search(thai)
    assert english.isascii()
    assert english.strip()


def test_explain_picks_the_language():
    assert explain("QUORUM_MET") == EXPLANATIONS["QUORUM_MET"][0]
    assert explain("QUORUM_MET", language="en") == EXPLANATIONS["QUORUM_MET"][1]
