"""Star levels from cumulative confirmed volunteer hours; the thresholds are data (site.yaml star_hours)."""

from __future__ import annotations

NUMERALS = "一二三四五六七八九十"


def level(hours: float, thresholds: tuple[int, ...] | list[int]) -> int:
    """Number of thresholds reached: 0 (none) … len(thresholds)."""
    return sum(1 for limit in thresholds if hours >= limit)


def label(star: int) -> str:
    return "未达星级" if star == 0 else f"{NUMERALS[star - 1]}星"


def table_name(thresholds: tuple[int, ...] | list[int]) -> str:
    """The threshold table as the report names it, e.g. 100/300/600/1000/1500 小时."""
    return "/".join(str(t) for t in thresholds) + " 小时"


def three_star_hours(thresholds: tuple[int, ...] | list[int]) -> int | None:
    """Cumulative hours needed for three stars (None when the table has fewer than three levels)."""
    return thresholds[2] if len(thresholds) >= 3 else None
