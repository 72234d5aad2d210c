"""Fixtures of the SIP tests: the test namespace and the tools SIPp callers need.

* ``netns`` (session): the private network namespace of ``tests/netns.py``
  (from ``tests/media/netns_fixtures.py``; 10.77.0.1 gateway and Janus, 10.77.0.2
  callers);
* ``sipp_tools``: SIPp and tcpdump are installed (skip without them; fail in CI).
"""

from __future__ import annotations

import os

import pytest

from tests.media.netns_fixtures import netns_fixture  # noqa: F401  (fixture)
from tests.sip import sipp


@pytest.fixture(name="sipp_tools")
def sipp_tools_fixture() -> None:
    reason = sipp.unavailable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (required in CI)")
        pytest.skip(reason)
