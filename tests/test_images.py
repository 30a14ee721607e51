"""Story images are published in a few widths with srcset/sizes, the largest capped, upright and without
EXIF; encoded deterministically and once (the build cache); og:image on every page."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pytest

from content_trees import files_of, project_options
from PIL import Image as Pillow

from site_builder import build, images
from site_builder.model import Image

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 28)
STORY = "2026-03-wudianban-ketang"  # its cover: images/wudianban.jpg (800 x 450)


def photo(path: Path, size=(4000, 3000), orientation: int | None = None) -> Path:
    """A camera-like JPEG: a gradient (so resizing has something to do), EXIF with a GPS position."""
    width, height = size
    picture = Pillow.linear_gradient("L").resize(size).convert("RGB")
    exif = Pillow.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x8825] = {1: "N", 2: (34.0, 16.0, 12.0)}  # GPSInfo: latitude
    if orientation:
        exif[0x0112] = orientation
    picture.save(path, "JPEG", quality=90, exif=exif.tobytes())
    assert (width, height) == Pillow.open(path).size
    return path


def test_widths_for_srcset_and_the_cap():
    assert images.variants("stories/images/big.jpg", 4000, 3000) == (
        ("stories/images/big.w480.jpg", 480, 360), ("stories/images/big.w960.jpg", 960, 720),
        ("stories/images/big.jpg", 1600, 1200))  # 4000 x 3000 capped at 1600 wide, 3:4 kept
    assert images.variants("stories/images/x.png", 800, 450) == (
        ("stories/images/x.w480.png", 480, 270), ("stories/images/x.png", 800, 450))
    assert images.variants("stories/images/s.jpg", 300, 200) == (("stories/images/s.jpg", 300, 200),)
    assert images.variants("stories/images/a.gif", 3000, 100) == (("stories/images/a.gif", 3000, 100),)
    cover = Image("stories/images/封面 图.jpg", 1000, 500)
    assert cover.shown == (1000, 500)
    assert cover.srcset("/sub/") == ("/sub/stories/images/%E5%B0%81%E9%9D%A2%20%E5%9B%BE.w480.jpg 480w, "
                                     "/sub/stories/images/%E5%B0%81%E9%9D%A2%20%E5%9B%BE.w960.jpg 960w, "
                                     "/sub/stories/images/%E5%B0%81%E9%9D%A2%20%E5%9B%BE.jpg 1000w")


def test_a_camera_photo_is_capped_turned_upright_and_loses_its_exif(tmp_path):
    # stored 3000 x 2000, EXIF orientation 6 (turned 90°): it stands 2000 wide, 3000 high
    source = photo(tmp_path / "p.jpg", (3000, 2000), orientation=6)
    files = images.publish(source, "stories/images/p.jpg")
    sizes = {name: Pillow.open(io.BytesIO(data)).size for name, data in files.items()}
    assert sizes == {"stories/images/p.w480.jpg": (480, 720), "stories/images/p.w960.jpg": (960, 1440),
                     "stories/images/p.jpg": (1600, 2400)}
    for data in files.values():
        published = Pillow.open(io.BytesIO(data))
        assert not published.getexif() and b"TestCam" not in data  # no camera, no GPS position
    assert images.publish(source, "stories/images/p.jpg") == files  # the same bytes every time


def test_a_small_clean_image_is_published_as_written(tmp_path):
    source = tmp_path / "s.png"
    Pillow.new("RGB", (300, 200), "red").save(source)
    assert images.publish(source, "stories/images/s.png") == {"stories/images/s.png": source.read_bytes()}
    small_photo = photo(tmp_path / "e.jpg", (300, 200))  # small but with EXIF: written again, without it
    (only,) = images.publish(small_photo, "stories/images/e.jpg").values()
    assert only != small_photo.read_bytes() and not Pillow.open(io.BytesIO(only)).getexif()


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    photo(tmp_path / "content" / "stories" / "images" / "wudianban.jpg")  # the cover is now a 4000 x 3000 photo
    return tmp_path


def options(project: Path, out: str = "build/site", **changes) -> build.Options:
    return project_options(project, out, **{"today": TODAY, **changes})


tree = files_of


def test_the_built_story_offers_every_width_and_never_the_full_photo(project):
    build.build(options(project))
    site = project / "build" / "site"
    page = (site / "stories" / STORY / "index.html").read_text(encoding="utf-8")
    cover = re.search(r'<img src="/stories/images/wudianban.jpg" width="(\d+)" height="(\d+)" srcset="([^"]+)" '
                      r'sizes="([^"]+)"', page)
    assert cover, page
    assert cover.group(1, 2) == ("1600", "1200")
    assert cover.group(3) == ("/stories/images/wudianban.w480.jpg 480w, /stories/images/wudianban.w960.jpg 960w, "
                              "/stories/images/wudianban.jpg 1600w")
    assert cover.group(4) == images.SIZES
    for name, width in (("wudianban.w480.jpg", 480), ("wudianban.w960.jpg", 960), ("wudianban.jpg", 1600)):
        with Pillow.open(site / "stories" / "images" / name) as published:
            assert published.width == width
    assert max(Pillow.open(p).width for p in (site / "stories" / "images").iterdir()) == images.LARGEST
    assert '<meta property="og:image" content="https://sansong.example.cn/stories/images/wudianban.jpg">' in page


def test_every_page_of_the_sample_site_has_an_og_image(project):
    build.build(options(project))
    site = project / "build" / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 500
    lacking = [p.relative_to(site).as_posix() for p in pages
               if not re.search(r'<meta property="og:image" content="https://sansong\.example\.cn/[^"]+\.(png|jpe?g|webp|gif)">',
                                p.read_text(encoding="utf-8"))]
    assert lacking == []
    stories = [p for p in (site / "stories").glob("*/index.html") if p.parent.name not in ("page", "tag", "community", "team")]
    without_cover = [p for p in stories if "icon-512.png" in p.read_text(encoding="utf-8")]
    assert without_cover and len(without_cover) < len(stories)  # the site image for stories without a cover


def test_images_are_encoded_once_and_warm_builds_equal_cold_ones(project, monkeypatch):
    calls: list[str] = []
    publish = images.publish

    def counting(source, src):
        calls.append(src)
        return publish(source, src)

    monkeypatch.setattr(images, "publish", counting)
    build.build(options(project))
    encoded = len(calls)
    assert encoded == 6  # the sample's six images
    calls.clear()

    story = project / "content" / "stories" / f"{STORY}.md"
    story.write_text(story.read_text(encoding="utf-8").replace("五点半", "五点半（改）", 1), encoding="utf-8")
    build.build(options(project))
    assert calls == []  # a text edit encodes no image

    shutil.rmtree(project / "build" / "site")  # the site folder lost, the cache kept
    build.build(options(project))
    assert calls == []  # the encoded files come from the cache

    photo(project / "content" / "stories" / "images" / "wudianban.jpg", (3000, 3000))  # the photo replaced
    build.build(options(project))
    assert calls == ["stories/images/wudianban.jpg"]

    build.build(options(project, out="cold/site", cache=False))
    warm, cold = tree(project / "build" / "site"), tree(project / "cold" / "site")
    assert sorted(warm) == sorted(cold)
    assert [name for name in warm if warm[name] != cold[name]] == []
    with Pillow.open(project / "build" / "site" / "stories" / "images" / "wudianban.jpg") as published:
        assert published.size == (1600, 1600)
