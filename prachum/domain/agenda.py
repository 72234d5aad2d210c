"""The standard agenda of a Thai government meeting and item numbering.

The five standard sections are a fixed official structure (the form used with the
Saraban regulation's minutes, ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ ข้อ 25), kept
in Thai as regulated data like the month names (docs/adr/0002).
"""

from __future__ import annotations

from collections.abc import Sequence

STANDARD_AGENDA: tuple[str, ...] = (
    "เรื่องที่ประธานแจ้งให้ที่ประชุมทราบ",
    "รับรองรายงานการประชุม",
    "เรื่องสืบเนื่อง",
    "เรื่องเพื่อพิจารณา",
    "เรื่องอื่น ๆ",
)

#: Index (0-based) of the standard section that holds the minutes' approval (R54).
MINUTES_APPROVAL_SECTION = 1


def item_numbers(parents: Sequence[int | None]) -> list[str]:
    """Number items in order: top-level ``1, 2, ...``; children ``4.1, 4.2, ...``.

    ``parents[i]`` is the index of item i's parent in the same sequence, or ``None``.
    A parent must come before its children.
    """
    numbers: list[str] = []
    child_counts: dict[int | None, int] = {}
    for index, parent in enumerate(parents):
        if parent is not None and not 0 <= parent < index:
            raise ValueError(
                f"item {index} has parent {parent}, which is not before it"
            )
        child_counts[parent] = child_counts.get(parent, 0) + 1
        count = child_counts[parent]
        numbers.append(str(count) if parent is None else f"{numbers[parent]}.{count}")
    return numbers
