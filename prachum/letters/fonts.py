"""Find the Laksaman TrueType faces used for official Thai letters.

Laksaman is TLWG's free rendition of TH Sarabun, the face the Cabinet prescribed for
government documents in 2010; Debian ships it as ``fonts-tlwg-laksaman-ttf``. We look in
the Debian directory first (no subprocess, predictable in containers) and only then ask
fontconfig, so a developer machine with the font installed elsewhere also works.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DEBIAN_PACKAGE = "fonts-tlwg-laksaman-ttf"
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/tlwg"),
    Path("/usr/local/share/fonts"),
)
_FILE_NAMES = {"Regular": "Laksaman.ttf", "Bold": "Laksaman-Bold.ttf"}


class FontMissingError(RuntimeError):
    """The Laksaman TTF files cannot be found; the message says how to install them."""


@dataclass(frozen=True)
class LaksamanFonts:
    regular: Path
    bold: Path


def _from_dirs(style: str) -> Path | None:
    for directory in FONT_DIRS:
        candidate = directory / _FILE_NAMES[style]
        if candidate.is_file():
            return candidate
    return None


def _from_fontconfig(style: str) -> Path | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        out = subprocess.run(
            [fc_match, "--format=%{family}\n%{file}", f"Laksaman:style={style}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    family, _, file = out.partition("\n")
    # fc-match always answers with *some* font (DejaVu as a last resort), so insist on
    # the family; a TTF is required because fpdf2 embeds TrueType outlines.
    path = Path(file.strip())
    if "Laksaman" not in family or path.suffix.lower() != ".ttf" or not path.is_file():
        return None
    return path


def _find(style: str) -> Path:
    path = _from_dirs(style) or _from_fontconfig(style)
    if path is None:
        raise FontMissingError(
            f"Laksaman {style} TrueType font not found (looked in "
            f"{', '.join(str(d) for d in FONT_DIRS)} and fc-match). "
            f"Install it with: apt-get install {DEBIAN_PACKAGE}"
        )
    return path


@functools.cache
def find_laksaman() -> LaksamanFonts:
    """Return the regular and bold Laksaman TTF paths, or raise ``FontMissingError``."""
    return LaksamanFonts(regular=_find("Regular"), bold=_find("Bold"))
