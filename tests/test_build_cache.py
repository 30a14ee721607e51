"""The build cache: a warm build after every kind of edit gives the very bytes of a build without it,
renders only what changed, and an untrusted cache is ignored with one warning and rebuilt."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from content_trees import files_of, project_options

from site_builder import build, cache as cache_, pool as pool_, render, stories, writer
from site_builder.cache import Cache
from site_builder.errors import ContentErrors

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 28)
STORY = "2026-03-wudianban-ketang"


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    return tmp_path


def options(project: Path, out: str = "build/site", **changes) -> build.Options:
    return project_options(project, out, **{"today": TODAY, **changes})


tree = files_of


def warm_equals_cold(project: Path, **changes) -> build.Summary:
    """Build warm (with the cache), then without it into another folder; both trees must be identical."""
    warnings: list[str] = []
    summary = build.build(options(project, **changes), warn=warnings.append)
    build.build(options(project, out="cold/site", cache=False, **changes))
    warm, cold = tree(project / "build" / "site"), tree(project / "cold" / "site")
    assert sorted(warm) == sorted(cold)
    assert [name for name in warm if warm[name] != cold[name]] == []
    assert warnings == []
    return summary


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def written_since(folder: Path, stamps: dict[str, int]) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and stamps.get(p.relative_to(folder).as_posix()) != p.stat().st_mtime_ns}


def stamps_of(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_warm_builds_equal_cold_builds_after_every_kind_of_edit(project):
    content, theme, site = project / "content", project / "theme", project / "build" / "site"
    first = warm_equals_cold(project)
    assert first.written == first.files

    again = build.build(options(project))
    assert again.unchanged and again.written == 0

    story = content / "stories" / f"{STORY}.md"
    before = stamps_of(site)
    edit(story, "五点半", "五点半（改）")
    summary = warm_equals_cold(project)
    changed = written_since(site, before)
    assert f"stories/{STORY}/index.html" in changed
    assert "about/index.html" not in changed and "communities/index.html" not in changed
    assert summary.written == len(changed) < 40  # the story, the lists showing it, feed, search, sitemap

    edit(story, "date: 2026-03", "date: 2026-10")  # moves the story up every list
    warm_equals_cold(project)
    edit(story, "tags: [", "tags: [新标签, ")
    warm_equals_cold(project)
    (content / "stories" / "2026-11-xin-gushi.md").write_text(
        "---\ntitle: 新的故事\ndate: 2026-11-20\nsummary: 新故事的摘要。\ncommunity: yangguang\ntags: [新标签]\n---\n正文。\n",
        encoding="utf-8")
    warm_equals_cold(project)
    (content / "stories" / "2026-11-xin-gushi.md").unlink()
    summary = warm_equals_cold(project)
    assert summary.removed >= 1

    before = stamps_of(site)
    edit(theme / "templates" / "story.html", '<p class="lead">', '<p class="lead intro">')
    summary = warm_equals_cold(project)
    changed = written_since(site, before)
    assert changed and all(name.startswith("stories/") and name.endswith("/index.html") for name in changed)
    assert "stories/index.html" not in changed  # the list uses stories.html, not story.html

    edit(theme / "templates" / "base.html", "跳到正文", "跳到正文内容")
    warm_equals_cold(project)
    css = theme / "static" / "css" / "site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.intro { font-weight: bold; }\n", encoding="utf-8")
    warm_equals_cold(project)
    activities = sorted((content / "activities").glob("*.yaml"))[0]
    edit(activities, "title: ", "title: 改：")
    warm_equals_cold(project)
    edit(content / "site.yaml", "title: ", "title: 新")
    warm_equals_cold(project)
    warm_equals_cold(project, today=TODAY + dt.timedelta(days=40))
    warm_equals_cold(project, drafts=True)
    warm_equals_cold(project, base_url="/sansong/")


def test_images_and_the_ledger_are_inputs_too(project):
    from PIL import Image as Picture

    warm_equals_cold(project)
    images = sorted((project / "content" / "stories" / "images").iterdir())
    image = next(p for p in images if p.suffix == ".jpg")
    with Picture.open(image) as picture:
        size = picture.size
    Picture.new("RGB", (size[0] + 10, size[1] + 10), "white").save(image)
    warm_equals_cold(project)
    data = project / "data"
    data.mkdir()
    shutil.copy(ROOT / "sample" / "roster.csv", data)
    shutil.copy(ROOT / "sample" / "checkin.key", data)
    result = subprocess.run([sys.executable, "-m", "site_builder", "ingest", str(ROOT / "sample" / "exports"),
                             "--content", str(project / "content"), "--data", str(data)], capture_output=True, text=True)
    assert result.returncode in (0, 2), result.stderr
    home = (project / "build" / "site" / "index.html").read_bytes()
    warm_equals_cold(project)
    assert (project / "build" / "site" / "index.html").read_bytes() != home  # the figures appeared


def test_outputs_changed_behind_the_builder_are_put_back(project):
    warm_equals_cold(project)
    site = project / "build" / "site"
    (site / "about" / "index.html").write_text("tampered", encoding="utf-8")
    (site / "teams" / "index.html").unlink()
    summary = warm_equals_cold(project)
    assert not summary.unchanged and summary.written >= 2


def test_an_untrusted_cache_is_ignored_with_one_warning_and_rebuilt(project):
    warm_equals_cold(project)
    cache_file = options(project).cache_file()
    assert cache_file == project / "build" / ".cache" / "site.sqlite"

    cache_file.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{cache_file}{suffix}").unlink(missing_ok=True)
    warnings: list[str] = []
    summary = build.build(options(project), warn=warnings.append)
    assert len(warnings) == 1 and "已忽略并重建" in warnings[0] and summary.written == summary.files
    assert build.build(options(project), warn=pytest.fail).unchanged  # rebuilt and trusted again

    with sqlite3.connect(cache_file) as db:  # a value damaged on disk: its checksum no longer matches
        db.execute("UPDATE blobs SET value = CAST(X'00' || value AS BLOB) WHERE kind = 'story'")
    edit(project / "content" / "site.yaml", "title: ", "title: 新")
    warnings.clear()
    build.build(options(project), warn=warnings.append)
    assert len(warnings) == 1 and "校验" in warnings[0]
    build.build(options(project, out="cold/site", cache=False))
    assert tree(project / "build" / "site") == tree(project / "cold" / "site")

    other = project / "elsewhere" / ".cache"
    other.mkdir(parents=True)
    shutil.copy(cache_file, other / "site.sqlite")  # a cache written for build/site, used for elsewhere/site
    warnings.clear()
    build.build(options(project, out="elsewhere/site"), warn=warnings.append)
    assert len(warnings) == 1 and "另一个" in warnings[0]


@pytest.mark.parametrize("jobs", [1, 2])
def test_bodies_missing_from_the_cache_where_pages_are_rendered_mean_one_warning_and_a_rebuild(project, monkeypatch, jobs):
    """After a template edit, story pages get their bodies from the cache file where they are rendered
    (cache.BodyFile: in the render workers with 2 jobs): bodies gone from it are found there, and the
    build starts again without the cache, with one warning, and ends with the bytes of a cold build."""
    monkeypatch.setattr(render, "PARALLEL_FROM", 2)
    warm_equals_cold(project, jobs=jobs)
    with sqlite3.connect(options(project).cache_file()) as db:
        assert db.execute("DELETE FROM blobs WHERE kind = 'body'").rowcount > 0
    edit(project / "theme" / "templates" / "story.html", '<p class="lead', '<p data-edited class="lead')
    fetch = cache_.Bodies.bodies

    def in_memory_only(store, digests):  # the build's own process reads no body from the cache file
        assert set(digests) <= store.loaded.keys()
        return fetch(store, digests)
    monkeypatch.setattr(cache_.Bodies, "bodies", in_memory_only)
    warnings: list[str] = []
    summary = build.build(options(project, jobs=jobs), warn=warnings.append)
    assert len(warnings) == 1 and "缺少典型案例正文" in warnings[0] and summary.written == summary.files
    build.build(options(project, out="cold/site", cache=False, jobs=jobs))
    assert tree(project / "build" / "site") == tree(project / "cold" / "site")
    assert "data-edited" in (project / "build" / "site" / "stories" / STORY / "index.html").read_text(encoding="utf-8")


def test_no_cache_neither_reads_nor_writes_one(project):
    build.build(options(project, cache=False))
    assert not (project / "build" / ".cache").exists()


def test_the_same_bytes_whatever_the_number_of_workers(project, monkeypatch):
    monkeypatch.setattr(render, "PARALLEL_FROM", 2)
    monkeypatch.setattr(stories, "PARALLEL_FROM", 2)
    build.build(options(project, out="one/site", cache=False, jobs=1))
    build.build(options(project, out="two/site", cache=False, jobs=2))
    assert tree(project / "one" / "site") == tree(project / "two" / "site")
    assert pool_.default_workers() >= 1


def test_a_cache_value_for_a_story_is_keyed_by_content_not_time(project):
    """Touching a file (new modification time, same bytes) renders nothing again."""
    warm_equals_cold(project)
    story = project / "content" / "stories" / f"{STORY}.md"
    story.write_bytes(story.read_bytes())
    summary = build.build(options(project))
    assert summary.unchanged and summary.written == 0


def test_cache_open_refuses_a_foreign_format(tmp_path):
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('format', 'something else')")
    warnings: list[str] = []
    cache = Cache.open(path, {"code": "x"}, warnings.append)
    assert cache.enabled and len(warnings) == 1 and "不是本版本" in warnings[0]
    cache.close()


# --- the quick edit (site_builder/quick.py): only story bodies changed ------------------------------------

BODY = "下午五点半，阳光社区书屋的灯"  # in the body of STORY (not in its front matter)


def story_file(project: Path, slug: str = STORY) -> Path:
    return project / "content" / "stories" / f"{slug}.md"


def quick_attempts(monkeypatch) -> list:
    """What quick.attempt returned in each build from now on (None: the full build went on)."""
    from site_builder import quick

    seen: list = []
    attempt = quick.attempt

    def spy(*args, **kwargs):
        seen.append(attempt(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(quick, "attempt", spy)
    return seen


def test_a_body_edit_takes_the_quick_edit_and_gives_the_bytes_of_a_cold_build(project):
    site = project / "build" / "site"
    warm_equals_cold(project)
    before = stamps_of(site)
    edit(story_file(project), BODY, "傍晚五点半，阳光社区书屋的灯")
    summary = warm_equals_cold(project)
    assert summary.quick
    changed = written_since(site, before)
    assert f"stories/{STORY}/index.html" in changed and "feed.xml" in changed and "sw.js" in changed
    assert "search/index.json" in changed and any(name.startswith("search/i/") for name in changed)
    assert not any(name.startswith("search/f/") for name in changed)  # fragments show summary and tags only
    assert "stories/index.html" not in changed and "index.html" not in changed  # lists show no body
    assert summary.written == len(changed) <= 6 and summary.removed >= 1
    assert build.build(options(project)).unchanged  # what it recorded is what a full build would

    edit(story_file(project), "傍晚五点半", "下午五点半")  # back as it was: the old digests again
    assert warm_equals_cold(project).quick
    edit(story_file(project), "title: ", "title: 新")  # front matter: a full build
    assert not warm_equals_cold(project).quick
    edit(story_file(project), BODY, "每天下午五点半，阳光社区书屋的灯")  # after a full build: quick again
    assert warm_equals_cold(project).quick
    edit(project / "theme" / "templates" / "story.html", '<p class="lead">', '<p class="lead intro">')
    assert not warm_equals_cold(project).quick  # stale list fingerprints left by quick edits: rendered again


@pytest.mark.parametrize("change", [("date: 2026-03-20", "date: 2026-03-21"), ("tags: [", "tags: [新标签, "),
                                    ("summary: ", "summary: 新："), ("    consent: 2026-03-10", "    consent: 2026-03-11")],
                         ids=["date", "tags", "summary", "member"])
def test_a_front_matter_edit_is_a_full_build(project, change):
    warm_equals_cold(project)
    edit(story_file(project), *change)
    edit(story_file(project), BODY, "傍晚五点半，阳光社区书屋的灯")
    assert not warm_equals_cold(project).quick


def test_two_stories_edited_and_links_gained_or_lost(project):
    warm_equals_cold(project)
    edit(story_file(project), BODY, "下午五点半（见[社区列表](/communities/)），阳光社区书屋的灯")
    edit(story_file(project, "2026-06-huajian-huanjing"), "化建社区是原化建企业", "化建社区原是化建企业")
    assert warm_equals_cold(project).quick
    edit(story_file(project), "（见[社区列表](/communities/)）", "")
    assert warm_equals_cold(project).quick


def same_problems_warm_and_cold(project) -> list:
    """The build with its cache and one without both refuse the content, with the same problems."""
    with pytest.raises(ContentErrors) as warm:
        build.build(options(project))
    with pytest.raises(ContentErrors) as cold:
        build.build(options(project, out="cold/site", cache=False))
    assert [str(p) for p in warm.value.problems] == [str(p) for p in cold.value.problems]
    return warm.value.problems


def test_a_link_to_a_missing_page_gives_the_error_of_a_cold_build(project, monkeypatch):
    warm_equals_cold(project)
    attempts = quick_attempts(monkeypatch)
    edit(story_file(project), BODY, "下午五点半（见[旧页面](/communities/no-such-place/)），阳光社区书屋的灯")
    problems = same_problems_warm_and_cold(project)
    assert "content/stories/2026-03-wudianban-ketang.md:15" in str(problems[0])
    assert attempts == [None]
    edit(story_file(project), "（见[旧页面](/communities/no-such-place/)）", "")
    assert not warm_equals_cold(project).quick  # the last build failed: nothing recorded to start from


def test_a_phone_number_in_a_body_gives_the_error_of_a_cold_build(project, monkeypatch):
    warm_equals_cold(project)
    attempts = quick_attempts(monkeypatch)
    edit(story_file(project), BODY, "下午五点半（电话13912345678），阳光社区书屋的灯")
    same_problems_warm_and_cold(project)
    assert attempts == [None]


def test_a_body_edit_that_adds_an_image_is_a_full_build(project):
    from PIL import Image as Picture

    warm_equals_cold(project)
    edit(story_file(project), BODY, "![书屋](images/chongyang.jpg)\n\n" + BODY)  # an image the site has
    assert not warm_equals_cold(project).quick
    Picture.new("RGB", (40, 30), "white").save(project / "content" / "stories" / "images" / "shuwu.jpg")
    edit(story_file(project), "images/chongyang.jpg", "images/shuwu.jpg")  # a new image file
    assert not warm_equals_cold(project).quick
    edit(story_file(project), "![书屋](images/shuwu.jpg)\n\n", "")
    assert not warm_equals_cold(project).quick


def test_an_edit_with_a_file_deleted_or_an_output_changed_is_a_full_build(project):
    warm_equals_cold(project)
    edit(story_file(project), BODY, "傍晚五点半，阳光社区书屋的灯")
    story_file(project, "2026-10-chongyang").unlink()
    assert not warm_equals_cold(project).quick
    edit(story_file(project), "傍晚五点半", "下午五点半")
    (project / "build" / "site" / "about" / "index.html").write_text("tampered", encoding="utf-8")
    summary = warm_equals_cold(project)
    assert not summary.quick and summary.written >= 2


def test_a_draft_body_edit_changes_nothing_but_is_shown_by_a_drafts_build(project):
    draft = story_file(project, "2026-11-caogao")
    draft.write_text("---\ntitle: 草稿\ndate: 2026-11-20\nsummary: 草稿的摘要。\ndraft: true\n---\n初稿正文。\n",
                     encoding="utf-8")
    warm_equals_cold(project)
    edit(draft, "初稿", "二稿")
    summary = warm_equals_cold(project)
    assert summary.quick and summary.written == 0
    warm_equals_cold(project, drafts=True)
    edit(draft, "二稿", "三稿")
    summary = warm_equals_cold(project, drafts=True)
    assert summary.quick and summary.written >= 2  # its page (marked 草稿) and the search index


def test_the_build_folder_is_spread_like_the_folders_written_in_it(project):
    """build/ is made spread (writer.spread), so the staging, spare and cache folders made in it are
    placed where free inodes are; on a file system without the flag, nothing of it shows."""
    from site_builder import writer
    from test_writer import _flags

    probe = project / "probe"
    probe.mkdir()
    can = bool((_flags(probe, add=writer.FS_TOPDIR_FL) or 0) & writer.FS_TOPDIR_FL)
    build.build(options(project))
    assert bool((_flags(project / "build") or 0) & writer.FS_TOPDIR_FL) == can
    assert bool((_flags(project / "build" / "site") or 0) & writer.FS_TOPDIR_FL) == can
    assert not [p for p in (project / "build").iterdir() if p.name.endswith(writer.HUBS)]  # no hub is left


def test_a_site_with_no_record_of_it_is_written_over_in_place_and_ends_as_a_cold_build(project, tmp_path):
    """What the first build after an upgrade (a foreign cache) or a --no-cache build meets: the old site and
    no record of it. Every output is written again over it; the old files stay behind as spares instead of
    the whole tree being removed; what the new site does not have goes."""
    build.build(options(project))
    site = project / "build" / "site"
    (site / "stray.html").write_text("left by hand", encoding="utf-8")
    (site / "empty" / "deeper").mkdir(parents=True)
    shutil.rmtree(site / "communities")
    (site / "communities").write_text("a file where a folder goes", encoding="utf-8")
    shutil.rmtree(site / "stories" / "tag")  # a folder that holds only folders
    (site / "stories" / "tag").write_text("a file where a folder of folders goes", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(site / "teams")
    (site / "teams").symlink_to(outside, target_is_directory=True)  # never written through
    story_file(project).unlink()  # its page is no longer part of the site

    summary = build.build(options(project, cache=False))
    build.build(options(project, out="cold/site", cache=False))
    assert tree(site) == tree(project / "cold" / "site")
    assert not (site / "empty").exists() and not (site / "teams").is_symlink() and list(outside.iterdir()) == []
    assert summary.written == summary.files and summary.removed >= 3  # the stray, the story's page, the empty folders
    spares = [p for p in (project / "build" / ".site.spare").rglob("*") if p.is_file()]
    assert len(spares) > summary.files // 2  # the old files, kept for the next build to write into
    assert [p.name for p in (project / "build").iterdir() if ".new-" in p.name] == []


def test_a_later_build_clears_a_file_or_link_found_where_a_folder_goes(project, tmp_path):
    build.build(options(project))
    site = project / "build" / "site"
    shutil.rmtree(site / "stories" / "tag")
    (site / "stories" / "tag").write_text("a file where a folder of folders goes", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(site / "teams")
    (site / "teams").symlink_to(outside, target_is_directory=True)
    warm_equals_cold(project)  # the pages under them are written again, into folders of the site
    assert not (site / "teams").is_symlink() and list(outside.iterdir()) == []


def test_a_site_holding_a_name_no_output_could_have_is_swapped_whole(project):
    build.build(options(project))
    site = project / "build" / "site"
    (site / "a\\b.html").write_text("not an output name", encoding="utf-8")
    assert writer.old_site(site) is None
    build.build(options(project, cache=False))
    build.build(options(project, out="cold/site", cache=False))
    assert tree(site) == tree(project / "cold" / "site")
