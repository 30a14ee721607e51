"""The offline app: its form pages, then the files derived from the rendered site (owner: offline app).

`pages()` adds the member's forms (报到, 认领岗位与服务承诺, 签到签退, 民情日记), 我的记录 and the offline
fallback. `outputs()` runs after rendering and writes what the phone needs offline: the form catalogue
(`app/catalogue.json`, public data only), the web app manifest and the service worker `sw.js` whose
precache list carries a revision computed from every listed file's bytes. See docs/offline-app.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from site_builder import guard, rules
from site_builder.errors import SiteBuilderError
from site_builder.model import ROLES, Content
from site_builder.pages import Page
from site_builder.search import MANIFEST as SEARCH_MANIFEST
from site_builder.synckey import SYNC_FILE, sync_settings

APP_NAME = "三送三促·在职党员到社区"
SHORT_NAME = "三送三促"
THEME_COLOUR = "#b71c1c"
BACKGROUND_COLOUR = "#ffffff"
CATALOGUE = "app/catalogue.json"
MANIFEST = "manifest.webmanifest"
SERVICE_WORKER = "sw.js"
SW_TEMPLATE = "sw.js"  # under the theme folder, not under static/: it must stay at the site root
PRECACHE_PLACEHOLDER = "/*__PRECACHE__*/[]"
VERSION_PLACEHOLDER = "__VERSION__"
BASE_PLACEHOLDER = "__BASE__"
OFFLINE_URL = "/offline/"
SYNC_SCRIPTS_PLACEHOLDER = "/*__SYNC_SCRIPTS__*/[]"
# What the service worker imports to send the outbox from Background Sync (theme/static/app/outbox.js).
SYNC_SCRIPTS = ("app/storage.js", "app/records.js", "app/seal.js", "app/outbox.js")
# Theme files the app needs offline; story images and other large files are cached only when visited.
PRECACHED_ASSET_TYPES = (".css", ".js", ".png", ".svg", ".woff2")
ICONS = (
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/icon-maskable-512.png", "512x512", "maskable"),
)

# (url, template, title, description) of the app's pages; every one is precached and left out of the sitemap.
APP_PAGES = (
    ("/register/", "app/register.html", "报到登记", "在职党员到社区报到，填写基本情况登记卡。"),
    ("/claim/", "app/claim.html", "认领岗位与服务承诺", "选择社区服务岗位，选定角色，填写服务承诺。"),
    ("/checkin/", "app/checkin.html", "签到签退", "凭组织者提供的6位签到码参加活动签到、签退。"),
    ("/diary/", "app/diary.html", "民情日记", "记录社区民情、所办事项和后续跟进。"),
    ("/me/", "app/me.html", "我的记录", "本机保存的全部记录、本年度活动次数与服务时长，导出并发送记录。"),
    (OFFLINE_URL, "app/offline.html", "暂时无法联网", "网络不可用时显示的页面。"),
)


def pages(content: Content, today: dt.date) -> list[Page]:
    """The app's pages: the four forms, 我的记录 and the offline fallback."""
    context = {"app": app_context(content)}
    return [Page(url=url, template=template, title=title, description=description, context=context,
                 in_sitemap=False, precache=True)
            for url, template, title, description in APP_PAGES]


def app_context(content: Content) -> dict[str, Any]:
    """What every app template needs besides the Jinja globals: choices for selects and the targets."""
    return {
        "roles": list(ROLES),
        "communities": list(content.communities.values()),
        "departments": sorted(content.departments.values(), key=lambda d: d.code),
        "categories": sorted(content.categories.values(), key=lambda c: c.code),
        "catalogue_url": "/" + CATALOGUE,
    }


def outputs(content: Content, pages: list[Page], rendered: dict[str, bytes], theme_dir: Path,
            assets) -> dict[str, bytes]:
    """catalogue.json, manifest.webmanifest and sw.js, derived from the rendered site."""
    files = files_of(content, assets)
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in {**rendered, **files}.items()}
    files[SERVICE_WORKER] = service_worker_of(content, pages, digests, theme_dir, assets)
    return files


def files_of(content: Content, assets) -> dict[str, bytes]:
    """The form catalogue and the web app manifest."""
    return {CATALOGUE: canonical_json(catalogue(content), compact=True),
            MANIFEST: canonical_json(manifest(content.site.base_path, assets)),
            SYNC_FILE: canonical_json(sync_settings(content), compact=True)}


def service_worker_of(content: Content, pages: list[Page], digests: dict[str, str], theme_dir: Path, assets) -> bytes:
    """sw.js, given the sha256 (hex) of every output file."""
    base = content.site.base_path
    return service_worker_for(precache_paths(pages, digests, assets, base), digests, theme_dir, assets, base)


def service_worker_for(paths: dict[str, str], digests: dict[str, str], theme_dir: Path, assets, base: str) -> bytes:
    """sw.js from its precache list's output paths and URLs (precache_paths) and every output's sha256
    (the quick edit keeps the paths of the last build and makes it again from them)."""
    scripts = [base + asset_path(assets, name) for name in SYNC_SCRIPTS if name in assets.names]
    return service_worker(Path(theme_dir) / SW_TEMPLATE, precache_list(paths, digests), base, scripts)


def canonical_json(value: Any, compact: bool = False) -> bytes:
    """Sorted keys, UTF-8: identical input gives identical bytes. Compact for what phones download often."""
    layout = {"separators": (",", ":")} if compact else {"indent": 1}
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, **layout) + "\n").encode("utf-8")


def catalogue(content: Content) -> dict[str, Any]:
    """Public data the forms need offline. Nothing personal: no names, phones or figures."""
    site = content.site
    return {
        "year": site.year,
        "targets": {"activities_per_member": site.targets.activities_per_member,
                    "registration_deadline": rules.registration_deadline(site.year, site.targets.registration_deadline).isoformat()},
        "activity_days": list(site.activity_days),
        "roles": list(ROLES),
        "communities": [{"id": c.id, "code": c.code, "name": c.name, "key": c.key, "street": c.street}
                        for c in content.communities.values()],
        "departments": [{"code": d.code, "name": d.name}
                        for d in sorted(content.departments.values(), key=lambda d: d.code)],
        "categories": [{"code": c.code, "name": c.name}
                       for c in sorted(content.categories.values(), key=lambda c: c.code)],
        "teams": [{"id": t.id, "name": t.name, "communities": list(t.communities)} for t in content.teams.values()],
        "posts": [post_entry(p) for p in sorted(content.posts.values(), key=lambda p: p.code)],
        "activities": [activity_entry(a) for a in content.activities.values()],
        "rules": rules.catalogue_rules(),
    }


def post_entry(post) -> dict[str, Any]:
    return {"code": post.code, "community": post.community, "category": post.category, "title": post.title,
            "duties": post.duties, "capacity": post.capacity, "schedule": post.schedule, "place": post.place,
            "role": post.role}


def activity_entry(activity) -> dict[str, Any]:
    return {"id": activity.id, "title": activity.title, "date": activity.date.isoformat(),
            "start": activity.start.strftime("%H:%M"), "end": activity.end.strftime("%H:%M"),
            "place": activity.place, "category": activity.category, "occasion": activity.occasion,
            "community": activity.community, "team": activity.team, "hours": activity.planned_hours}


def manifest(base: str, assets) -> dict[str, Any]:
    return {
        "id": base,
        "name": APP_NAME,
        "short_name": SHORT_NAME,
        "description": "在职党员到社区报到、认领岗位、签到签退、民情日记，离线也能填写。",
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": base,
        "scope": base,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{"src": base + asset_path(assets, name), "sizes": sizes, "type": "image/png", "purpose": purpose}
                  for name, sizes, purpose in ICONS],
    }


def asset_path(assets, name: str) -> str:
    """Hashed output path of a theme file, without a leading slash."""
    return assets.url(name).lstrip("/")


def precache_entries(pages: list[Page], digests: dict[str, str], assets, base: str) -> list[dict[str, str]]:
    """[{url, revision}] for every precached page and the files it keeps with it (`Page.precache_files`),
    the catalogue, the manifest, the search index's manifest and the app's theme files (`digests`: sha256
    of every output file)."""
    return precache_list(precache_paths(pages, digests, assets, base), digests)


def precache_paths(pages: list[Page], digests: dict[str, str], assets, base: str) -> dict[str, str]:
    """Output path -> URL of every file the service worker precaches (see precache_entries)."""
    paths = {p.output_path: page_url(p, base) for p in pages if p.precache}
    for p in pages:  # files a precached page links to and keeps with it (an upcoming activity's event.ics)
        if p.precache:
            paths.update((name, base + name) for name in p.precache_files)
    paths[CATALOGUE] = base + CATALOGUE
    paths[MANIFEST] = base + MANIFEST
    paths[SYNC_FILE] = base + SYNC_FILE
    if SEARCH_MANIFEST in digests:  # the search index's manifest, so /search/ works offline (its pieces are cached as fetched)
        paths[SEARCH_MANIFEST] = base + SEARCH_MANIFEST
    for name in sorted(assets.names):
        if name.endswith(PRECACHED_ASSET_TYPES):
            paths[asset_path(assets, name)] = base + asset_path(assets, name)
    return paths


def precache_list(paths: dict[str, str], digests: dict[str, str]) -> list[dict[str, str]]:
    """[{url, revision}] of precache_paths, sorted by URL; every file must have been built."""
    missing = sorted(path for path in paths if path not in digests)
    if missing:
        raise SiteBuilderError(f"{missing[0]}：离线预缓存的文件没有被构建出来；"
                               "应为每个 precache=True 的页面都已生成")
    return sorted(({"url": url, "revision": digests[path][:16]} for path, url in paths.items()),
                  key=lambda e: e["url"])


def page_url(page: Page, base: str) -> str:
    return base + page.url.lstrip("/")


def revision(data: bytes) -> str:
    """The first 16 hex digits of the sha256 of a file's bytes: changes whenever the file does."""
    return hashlib.sha256(data).hexdigest()[:16]


def service_worker(template: Path, entries: list[dict[str, str]], base: str, scripts: list[str] | None = None) -> bytes:
    """sw.js from the theme's template: the precache list, a version derived from it, the base path and
    the outbox's scripts it imports for Background Sync (hashed URLs, so a new outbox makes a new worker)."""
    try:
        source = template.read_text(encoding="utf-8")
    except OSError as error:
        raise SiteBuilderError(f"{template}：无法读取 service worker 模板，{guard.oserror_reason(error)}；"
                               "应为 theme/sw.js") from None
    if PRECACHE_PLACEHOLDER not in source:
        raise SiteBuilderError(f"{template}：缺少预缓存占位符；应为含有 {PRECACHE_PLACEHOLDER} 的模板")
    listing = json.dumps(entries, ensure_ascii=False, indent=1)
    version = revision(listing.encode("utf-8") + source.encode("utf-8"))
    source = source.replace(SYNC_SCRIPTS_PLACEHOLDER, json.dumps(scripts or []))
    text = (source.replace(PRECACHE_PLACEHOLDER, listing)
            .replace(VERSION_PLACEHOLDER, version)
            .replace(BASE_PLACEHOLDER, base))
    return text.encode("utf-8")
