"""The Jinja environment for report templates (theme/reports/) and its filters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

from site_builder.facts import stars

THEME = Path(__file__).resolve().parents[2] / "theme" / "reports"


def cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


BEIJING = dt.timezone(dt.timedelta(hours=8))


def cn_time(stamp: str | None) -> str:
    """An ISO timestamp from the ledger as Beijing time: 2026年11月28日 11:24"""
    if not stamp:
        return ""
    moment = dt.datetime.fromisoformat(stamp)
    if moment.tzinfo:
        moment = moment.astimezone(BEIJING)
    return f"{cn_date(moment.date())} {moment:%H:%M}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{float(value):.1f}".removesuffix(".0")


def period_name(period: str) -> str:
    """2026H1 -> 2026年上半年"""
    return f"{period[:4]}年{'上' if period.endswith('1') else '下'}半年"


def environment(theme_dir: Path = THEME) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(theme_dir)),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(cn_date=cn_date, cn_time=cn_time, pct=pct, hours=hours, period_name=period_name,
                       star_label=stars.label)
    return env


def page(env: jinja2.Environment, template: str, **context) -> bytes:
    return env.get_template(template).render(**context).encode("utf-8")
