"""Loads content/ into the Content model, collecting every problem in one pass.

Each file is read on its own: a problem in one entry is reported and the entry skipped, and loading
goes on, so `site-builder check` lists everything at once. An unusable site.yaml makes load return None,
but only after every other file was read (and cross-checked) with a stand-in, so its problems do not
hide theirs. A file that cannot be read at all is reported once: references to what it would have
defined are not reported again (Content.unreadable). Cross-references are checked by validate.py.

Unknown keys are reported (a mistyped optional key such as `draf: true` would otherwise be silently
ignored). Problems name files as the user passed the content folder: `content/posts/yangguang.yaml:14`.
See docs/content-format.md for the format.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote
from typing import Any, Callable, TypeVar

from site_builder import duties, images, siteconfig, stories
from site_builder.cache import Bodies, Cache, digest_text
from site_builder.errors import ContentErrors, Problem, rel, spaced
from site_builder.fields import SLUG, Fields, type_name
from site_builder.model import Activity, Category, Community, Content, Department, Post, Service, Story, Team
from site_builder.markup import Renderer, read_document
from site_builder.pool import Pool
from site_builder.progress import Progress
from site_builder.yamlload import LineDict, LineList, load as load_yaml

T = TypeVar("T")


class _Reader:
    """The content folder, the problems found so far, and how paths are shown."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.unreadable: set[str] = set()  # files reported unreadable (content/-relative paths)
        self._shown_root = rel(root)

    def shown(self, relative: str) -> str:
        """content/posts/x.yaml: the content folder as the user gave it (relative where possible), then the file."""
        return relative if self._shown_root == "." else f"{self._shown_root}/{relative}"

    def escapes(self, relative: str) -> bool:
        """A file or folder that is a symbolic link out of the content folder: reported, never read."""
        path = self.root / relative
        if not leaves(self.root, path):
            return False
        self.problems.append(Problem(self.shown(relative), None, "是指向内容文件夹之外的符号链接，为安全起见未读取",
                                     "内容文件夹中的普通文件（把文件复制进来，不要链接）"))
        return True

    def mapping_file(self, relative: str) -> LineDict | None:
        if self.escapes(relative):
            return None
        data, problems = load_yaml(self.root / relative, self.shown(relative))
        self.problems += problems
        if problems:
            self.unreadable.add(relative)
            return None
        if not isinstance(data, LineDict):
            self.problems.append(Problem(self.shown(relative), 1, spaced("文件内容是", type_name(data)),
                                         "“key: value” 形式的字段"))
            return None
        return data

    def entries(self, relative: str) -> list[LineDict]:
        """The mappings of a YAML file that holds a list of entries; an empty file is an empty list."""
        shown = self.shown(relative)
        if self.escapes(relative):
            return []
        data, problems = load_yaml(self.root / relative, shown)
        self.problems += problems
        if problems:
            self.unreadable.add(relative)
        if problems or data is None:
            return []
        if not isinstance(data, LineList):
            self.problems.append(Problem(shown, getattr(data, "line", 1) or 1, spaced("文件内容是", type_name(data)),
                                         "条目列表，每条以 “- ” 开头"))
            return []
        result = []
        for index, item in enumerate(data):
            if isinstance(item, LineDict):
                result.append(item)
            else:
                self.problems.append(Problem(shown, data.line_of(index), spaced(f"第 {index + 1} 个条目是", type_name(item)),
                                             "带字段名的条目（key: value）"))
        return result

    def add_unique(self, into: dict[str, T], key: str, value: T, shown: str, line: int, what: str,
                   where: Callable[[T], str]) -> None:
        if not key:
            return
        if key in into:
            first = where(into[key]).removeprefix(shown + ":")
            first = f"第 {first} 行" if first.isdigit() else first
            self.problems.append(Problem(shown, line, f"{what} {key} 重复定义",
                                         spaced(f"每个{what}只定义一次（首次定义在", first, "）")))
        else:
            into[key] = value


def load(content_dir: Path, drafts: bool, today: dt.date, base_url: str | None = None, cache: Cache | None = None,
         pool: Pool | None = None, progress: Progress | None = None) -> tuple[Content | None, list[Problem]]:
    """Read everything in content/; returns (Content or None if site.yaml is unusable, problems).

    With a build cache, the content apart from stories is taken from it while none of its files
    changed, and so is every unchanged story (stories.load_all)."""
    cache = cache or Cache.none()
    reader = _Reader(Path(content_dir))
    if not (reader.root / "site.yaml").is_file():
        return None, [Problem(reader.shown("site.yaml"), None, "找不到文件", "含有 site.yaml 的内容文件夹")]
    key = _rest_key(reader.root, str(content_dir), base_url, cache)
    content = cache.get(REST_KIND, key)
    usable = True
    if content is None:
        content, usable = _load_rest(reader, content_dir, base_url)
        content.digest = key
        if not reader.problems:
            cache.put(REST_KIND, key, content)
            cache.keep_only(REST_KIND, [key])
    renderer = Renderer(reader.root, content.site.base_path)
    content.stories, bodies = _stories(reader, renderer, drafts, today, cache, pool, progress)
    content.body_store = Bodies(cache, bodies)
    content.unreadable = frozenset(reader.unreadable)
    if not usable:  # every other file was read with a stand-in site.yaml, to report its problems too
        from site_builder import validate

        return None, reader.problems + validate.validate(content, site_known=False)
    return content, reader.problems


REST_KIND = "content"  # cache kind: the content without its stories


def leaves(root: Path, path: Path) -> bool:
    """Whether path is a symbolic link whose target is outside root (content/ or any folder given)."""
    try:
        if not path.is_symlink():
            return False
    except OSError:
        return False
    return not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def _load_rest(reader: "_Reader", content_dir: Path, base_url: str | None) -> tuple[Content, bool]:
    """Everything but the stories, and whether site.yaml is usable. When it is not (its problems are
    reported), the rest is read all the same with a stand-in (siteconfig.stand_in), so one run reports
    the problems of every file."""
    data = reader.mapping_file("site.yaml")
    site = siteconfig.read(data, reader.shown("site.yaml"), base_url, reader.problems) if data is not None else None
    usable = site is not None
    content = Content(root=str(content_dir), site=site or siteconfig.stand_in(base_url))
    content.categories = _keyed(reader, "categories.yaml", _category, lambda c: c.code, "类别")
    content.departments = _keyed(reader, "departments.yaml", _department, lambda d: d.code, "部门")
    content.communities = _keyed(reader, "communities.yaml", _community, lambda c: c.id, "社区")
    renderer = Renderer(reader.root, content.site.base_path)
    content.teams = _teams(reader, renderer)
    content.posts = _posts(reader)
    content.activities = _activities(reader)
    duties.load(reader, content)  # contact-points.yaml, rota/*.yaml
    return content, usable


def _rest_key(root: Path, shown_root: str, base_url: str | None, cache: Cache) -> str:
    """What the content without stories is made from: every other file (team images included)."""
    parts = [shown_root, base_url or ""]
    top = os.path.abspath(root) + os.sep
    stories_dir = top + "stories" + os.sep
    for path in cache.scan(root):
        if not (path.startswith(stories_dir) and path.endswith(".md") and os.sep not in path[len(stories_dir):]):
            parts += [path[len(top):], cache.file_digest(path)]
    return digest_text(REST_KIND, *parts)


def copied_files(content: Content) -> dict[str, bytes]:
    """The story images the site publishes (each in a few widths, images.py), as output path -> bytes.

    Image.src is both the path under content/ and the output path under the site. Team pages may show
    the same images; theirs are found in the rendered body (Team keeps no image list).
    """
    root = Path(content.root)
    sources = {image.src for story in content.stories.values() for image in story.images}
    prefix = re.escape(content.site.base_path)
    for team in content.teams.values():
        sources |= {unquote(src) for src in re.findall(f'<img [^>]*src="{prefix}(stories/[^"]+)"', team.body_html)}
    files, missing = {}, []
    for src in sorted(sources):
        try:
            files.update(images.publish(root / src, src))
        except OSError:
            missing.append(Problem(rel(root / src), None, "构建过程中这张图片被删除或移走了",
                                   "构建期间文件保持原处（请再构建一次）"))
    if missing:
        raise ContentErrors(missing)
    return files


# --- list files --------------------------------------------------------------------------------

def _keyed(reader: _Reader, relative: str, make: Callable[[Fields], T | None], key: Callable[[T], str],
           what: str) -> dict[str, T]:
    """Entries of one list file, keyed and in file order; duplicates reported.

    An entry whose key is usable is kept even when other fields are wrong (those are reported), so
    references to it do not produce a second, misleading problem.
    """
    shown = reader.shown(relative)
    result: dict[str, T] = {}
    if not (reader.root / relative).is_file():
        reader.problems.append(Problem(shown, None, "找不到文件", f"列出各{what}的文件"))
        return result
    entries = reader.entries(relative)
    if not entries and not any(p.path == shown for p in reader.problems):
        reader.problems.append(Problem(shown, 1, f"没有任何{what}", f"至少一个{what}"))
    for entry in entries:
        f = Fields(entry, shown, _label(what, entry), reader.problems)
        item = make(f)
        f.finish()
        if item is not None:
            reader.add_unique(result, key(item), item, shown, entry.line, what,
                              lambda x: f"{shown}:{getattr(x, 'line', '')}")
    return result


def _label(kind: str, entry: LineDict) -> str:
    """How problems name an entry: `岗位 YG-ZC-01`, or `岗位（第 3 行的条目）` when it has no id, code or name."""
    for key in ("id", "code", "name"):
        if isinstance(entry.get(key), (str, int)):
            return f"{kind} {entry[key]}"
    return f"{kind}（第 {entry.line} 行的条目）"


def _category(f: Fields) -> Category | None:
    code = f.code("code", r"[A-Z]{2}", "两个大写字母，例如 ZC")
    name, description = f.text("name", required=True), f.text("description")
    return Category(code, name, description, source="categories.yaml", line=f.data.line) if code else None


def _department(f: Fields) -> Department | None:
    code = f.code("code", r"D\d{2}", "D 加两位数字，例如 D03")
    name = f.text("name", required=True)
    headcount = f.integer("headcount", required=True, minimum=1)
    kind = f.text("kind")
    if not code:
        return None
    return Department(code, name, headcount or 0, kind, source="departments.yaml", line=f.data.line)


def _community(f: Fields) -> Community | None:
    id_, code = f.slug("id"), f.code("code", r"[A-Z]{2,3}", "两到三个大写字母，例如 YG")
    name, key = f.text("name", required=True), f.flag("key", required=True)
    values: dict[str, Any] = dict(street=f.text("street"), address=f.text("address"), phone=f.text("phone"),
                  liaison=f.texts("liaison"), description=f.text("description"))
    if not id_:
        return None
    return Community(id_, code, name, key, **values, source="communities.yaml", line=f.data.line)


# --- teams -------------------------------------------------------------------------------------

def _teams(reader: _Reader, renderer: Renderer) -> dict[str, Team]:
    teams: dict[str, Team] = {}
    for path in _files(reader, "teams", ".md"):
        team = _team(reader, renderer, path)
        if team is not None:
            teams[team.id] = team
    return teams


def _team(reader: _Reader, renderer: Renderer, path: Path) -> Team | None:
    relative = f"teams/{path.name}"
    shown = reader.shown(relative)
    document = read_document(path, shown, reader.problems)
    if document is None or document.front is None:
        reader.unreadable.add(relative)
        return None
    f = Fields(document.front, shown, f"志愿服务队 {path.stem}", reader.problems)
    _check_stem(f, path)
    name, leads = f.text("name", required=True), f.texts("lead_departments", required=True)
    summary, communities = f.text("summary", required=True), f.texts("communities")
    entries = f.mappings("services", required=True)
    services = tuple(s for s in (_service(Fields(e, shown, f.label, reader.problems)) for e in entries) if s)
    f.finish()
    body = renderer.render(document.body, path.parent, shown, document.body_line, reader.problems)
    return Team(id=path.stem, name=name, lead_departments=leads, services=services, communities=communities,
                summary=summary, body_html=body.html, source=relative, line=1)


def _service(f: Fields) -> Service | None:
    name = f.text("name", required=True)
    service = Service(name=name, description=f.text("description"), category=f.text("category") or None)
    f.finish()
    return service if name else None


def _check_stem(f: Fields, path: Path) -> None:
    if not SLUG.match(path.stem):
        f.problem(None, f"文件名 “{path.name}” 不合要求", "只用小写英文字母、数字和连字符的文件名，例如 jiaoyu-wenti.md")


def _files(reader: _Reader, folder: str, suffix: str) -> list[Path]:
    """The content files of one folder, sorted; a file with a near-miss suffix (.yml) is reported."""
    path = reader.root / folder
    if reader.escapes(folder):
        return []
    try:
        entries = sorted((e.name, e.is_symlink()) for e in os.scandir(path)
                         if e.is_file() and not e.name.startswith((".", "_")))
    except OSError:
        return []
    # only a symbolic link can lead out (the listing knows which entries are: no system call per file)
    files = [path / name for name, link in entries if not (link and reader.escapes(f"{folder}/{name}"))]
    for near in (p for p in files if p.suffix.lower() in _NEAR_MISSES[suffix]):
        reader.problems.append(Problem(reader.shown(f"{folder}/{near.name}"), None,
                                       f"未读取此文件：扩展名是 “{near.suffix}”", f"扩展名 “{suffix}”"))
    return [p for p in files if p.suffix == suffix]


_NEAR_MISSES = {".yaml": (".yml",), ".md": (".markdown", ".mdown")}


# --- posts and activities ------------------------------------------------------------------------

def _listed(reader: _Reader, folder: str, kind: str, unique: str, read, key) -> dict:
    """Entries of every <folder>/*.yaml list, read by read(fields, path, relative); `unique` names key(value)."""
    found: dict = {}
    for path in _files(reader, folder, ".yaml"):
        relative = f"{folder}/{path.name}"
        shown = reader.shown(relative)
        for entry in reader.entries(relative):
            f = Fields(entry, shown, _label(kind, entry), reader.problems)
            value = read(f, path, relative)
            f.finish()
            if value is not None:
                reader.add_unique(found, key(value), value, shown, entry.line, unique,
                                  lambda v: f"{reader.shown(v.source)}:{v.line}")
    return found


def _posts(reader: _Reader) -> dict[str, Post]:
    return _listed(reader, "posts", "岗位", "岗位编码", lambda f, path, relative: _post(f, path.stem, relative), lambda p: p.code)


def _post(f: Fields, community: str, relative: str) -> Post | None:
    code = f.code("code", r"[A-Z]{2,3}-[A-Z]{2}-\d{2}", "<社区编码>-<类别编码>-<两位数字>，例如 YG-ZC-01")
    category = f.text("category", required=True)
    title, duties = f.text("title", required=True), f.text("duties", required=True)
    capacity = f.integer("capacity", required=True, minimum=1)
    values: dict[str, Any] = dict(schedule=f.text("schedule"), place=f.text("place"), role=f.text("role") or None)
    if not code:
        return None
    return Post(code, community, category, title, duties, capacity or 0, **values, source=relative, line=f.data.line)


def _activities(reader: _Reader) -> dict[str, Activity]:
    found = _listed(reader, "activities", "活动", "活动", lambda f, path, relative: _activity(f, relative), lambda a: a.id)
    ordered = sorted(found.values(), key=lambda a: (a.date, a.start, a.id))
    return {a.id: a for a in ordered}


def _activity(f: Fields, relative: str) -> Activity | None:
    id_, title = f.slug("id"), f.text("title", required=True)
    date, start, end = f.date("date", required=True), f.time("start", required=True), f.time("end", required=True)
    values: dict[str, Any] = dict(
        place=f.text("place", required=True), category=f.text("category", required=True),
        occasion=f.text("occasion", required=True), organiser=f.text("organiser", required=True),
        community=f.slug("community", required=False) or None, team=f.slug("team", required=False) or None,
        capacity=f.integer("capacity", minimum=1), posts=f.texts("posts"), description=f.text("description"),
    )
    hours = f.number("hours")
    if not (id_ and title and date and start and end):
        return None
    activity = Activity(id_, title, date, start, end, hours=hours or 0.0, **values, source=relative, line=f.data.line)
    return activity if hours is not None else replace(activity, hours=activity.planned_hours)


# --- stories -----------------------------------------------------------------------------------

def _stories(reader: _Reader, renderer: Renderer, drafts: bool, today: dt.date, cache: Cache,
             pool: Pool | None, progress: Progress | None = None) -> tuple[dict[str, Story], dict[str, str]]:
    """The stories by slug, newest first, without their bodies; the bodies rendered now, by story digest."""
    paths = _files(reader, "stories", ".md")
    loaded, problems, bodies = stories.load_all(paths, lambda path: reader.shown(f"stories/{path.name}"), renderer, cache, pool,
                                        progress)
    reader.problems += problems
    reader.unreadable |= {f"stories/{path.name}" for path, story in zip(paths, loaded) if story is None}
    kept = [story if story.is_published(today) else replace(story, preview=True)
            for story in loaded if story is not None and (drafts or story.is_published(today))]
    kept.sort(key=lambda s: (-s.date.toordinal(), s.slug))
    return {s.slug: s for s in kept}, bodies
