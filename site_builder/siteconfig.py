"""site.yaml: the site's settings and the programme's targets, read into model.Site.

Every setting except the required ones has the default documented in docs/content-format.md. The
programme's numbers are checked here, where their lines are known: star_hours five increasing numbers,
rates in (0, 1], the registration deadline a real day.
"""

from __future__ import annotations

from typing import Any, TypeVar

from site_builder.errors import Problem
from site_builder.fields import Fields
from site_builder.model import Site, Targets
from site_builder.yamlload import LineDict

T = TypeVar("T")


def read(data: LineDict, shown: str, base_url: str | None, problems: list[Problem]) -> Site | None:
    """The Site from site.yaml's parsed mapping; None (with problems) if anything in it is wrong."""
    before = len(problems)
    f = Fields(data, shown, "", problems)
    values: dict[str, Any] = dict(
        title=f.text("title", required=True), subtitle=f.text("subtitle", required=True),
        description=f.text("description"), district=f.text("district", required=True),
        base_url=_base_url(f, base_url), language=f.text("language", required=True),
        year=f.integer("year", required=True, minimum=2000), recording_unit=f.text("recording_unit"),
        targets=_targets(Fields(f.mapping("targets"), shown, "targets", problems)),
        activity_days=_days(f),
    )
    values.update(_site_sections(f, shown, problems))
    f.finish()
    if len(problems) > before:
        return None
    return Site(**values, source="site.yaml")


def stand_in(base_url: str | None) -> Site:
    """The Site used to read the other content files while site.yaml has problems (they are reported
    and nothing is built); its values are defaults, so checks that need site.yaml's are skipped."""
    return Site(title="", subtitle="", district="", base_url=base_url or "/", language="zh-CN", year=0,
                targets=Targets(), source="site.yaml")


def _base_url(f: Fields, override: str | None) -> str:
    configured = f.text("base_url", required=True)
    value = configured if override is None else override
    if override is not None and override.startswith("/") and configured and configured.startswith(("http://", "https://")):
        # a path-only override keeps site.yaml's host, so feeds, sitemap and og:url stay absolute
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(configured)
        value = urlunsplit((parts.scheme, parts.netloc, override, "", ""))
    if value and not (value.startswith("/") or value.startswith(("http://", "https://"))):
        where = "--base-url 的值" if override is not None else "字段 base_url 的值"
        f.problem("base_url", f"{where} “{value}” 既不是网址也不是路径", "https://host/path/ 或 /path/")
    return value if value.endswith("/") else value + "/"


def _or(value: T | None, default: T) -> T:
    return default if value is None else value


def _targets(f: Fields) -> Targets:
    default = Targets()
    deadline = f.code("registration_deadline", r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", '月和日，格式 "MM-DD"',
                      required=False) or default.registration_deadline
    star_hours = tuple(f.integer_list("star_hours")) if "star_hours" in f.data else default.star_hours
    targets = Targets(
        registration_deadline=deadline,
        registration_rate=_or(f.number("registration_rate"), default.registration_rate),
        activities_per_member=_or(f.integer("activities_per_member", minimum=1), default.activities_per_member),
        star_hours=star_hours,
        three_star_share=_or(f.number("three_star_share"), default.three_star_share),
    )
    _check_targets(f, targets)
    f.finish()
    return targets


def _check_targets(f: Fields, targets: Targets) -> None:
    hours = targets.star_hours
    if len(hours) != 5 or any(h <= 0 for h in hours) or any(a >= b for a, b in zip(hours, hours[1:])):
        f.problem("star_hours", f"字段 star_hours 的值为 {list(hours)}",
                  "五个递增的整数，即一星到五星所需的小时数，例如 [100, 300, 600, 1000, 1500]")
    for key in ("registration_rate", "three_star_share"):
        value = getattr(targets, key)
        if not 0 < value <= 1:
            f.problem(key, f"字段 {key} 的值为 {value:g}", "大于 0、不超过 1 的比例，例如 0.9")
    month, day = (int(part) for part in targets.registration_deadline.split("-"))
    if day > (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31):
        f.problem("registration_deadline", f"字段 registration_deadline 的值 {targets.registration_deadline} 不是真实的日期",
                  '月和日，格式 "MM-DD"，例如 "05-10"')


def _days(f: Fields) -> tuple[int, ...]:
    days = f.integer_list("activity_days") if "activity_days" in f.data else [15, 16]
    for day in days:
        if not 1 <= day <= 31:
            f.problem("activity_days", f"字段 activity_days 中有 {day}", "每月的第几日，1 到 31")
    return tuple(days)


def _site_sections(f: Fields, shown: str, problems: list[Problem]) -> dict:
    privacy = Fields(f.mapping("privacy"), shown, "privacy", problems)
    evaluation = Fields(f.mapping("evaluation"), shown, "evaluation", problems)
    records = Fields(f.mapping("records"), shown, "records", problems)
    sync = Fields(f.mapping("sync"), shown, "sync", problems)
    values = dict(
        min_group=privacy.integer("min_group", default=5, minimum=1),
        evaluation_grades=evaluation.texts("grades") or ("优秀", "合格", "基本合格", "不合格"),
        correction_working_days=records.integer("correction_working_days", default=10, minimum=1),
        sync_endpoint=sync.text("endpoint") or None,
        export_public_key=sync.text("public_key") or None,
    )
    for section in (privacy, evaluation, records, sync):
        section.finish()
    return values
