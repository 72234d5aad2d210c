"""Our packaging says nothing setuptools must warn about (issue 14 point 9)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.licenses import canonicalize_license_expression
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_expression() -> None:
    license_ = _pyproject()["project"]["license"]
    # A TOML table ({text = ...}) is deprecated by setuptools and warned about on
    # every install; PEP 639 asks for an SPDX expression string.
    assert isinstance(license_, str)
    assert canonicalize_license_expression(license_) == license_


def test_build_backend_understands_spdx_licenses() -> None:
    requires = _pyproject()["build-system"]["requires"]
    (setuptools,) = [r for r in requires if r.startswith("setuptools")]
    spec = SpecifierSet(setuptools.removeprefix("setuptools"))
    # setuptools learned PEP 639 license strings in 77.0.
    assert "76.9" not in spec
    assert "77.0" in spec


def test_installs_in_the_makefile_are_quiet() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [
        line for line in makefile.splitlines() if re.search(r"\$\(PIP\) install", line)
    ]
    assert installs
    assert all("$(PIP_QUIET)" in line for line in installs), installs
