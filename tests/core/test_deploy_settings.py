"""``check --deploy`` is clean with the README's production settings (issue 15, F12)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _readme_production_env() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Production\n.*?```env\n(.*?)```", readme, re.DOTALL)
    assert block, "README has no production environment block"
    lines = [line.partition("=") for line in block.group(1).splitlines() if line]
    return {name: value for name, _, value in lines}


def _check_deploy(
    extra: dict[str, str], var_dir: Path
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "PYTHONPATH": str(ROOT),
        "PRACHUM_VAR_DIR": str(var_dir),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_f12_check_deploy_is_clean_with_the_readme_production_settings(
    tmp_path: Path,
) -> None:
    result = _check_deploy(_readme_production_env(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(
    "left_out",
    ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_COOKIES"],
)
def test_check_deploy_warns_when_a_production_setting_is_left_out(
    tmp_path: Path, left_out: str
) -> None:
    env = _readme_production_env()
    del env[left_out]
    result = _check_deploy(env, tmp_path)
    assert result.returncode != 0
    assert "security.W" in result.stdout + result.stderr
