"""writer.write: the only writer; atomic swap, no escape, no wiping folders it did not write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_builder import writer
from site_builder.errors import SiteBuilderError


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_writes_exactly_the_outputs_and_a_marker(tmp_path):
    writer.write(tmp_path / "site", {"index.html": b"home", "posts/index.html": b"posts"})
    assert tree(tmp_path / "site") == {"index.html": b"home", "posts/index.html": b"posts",
                                       writer.MARKER: writer.MARKER_TEXT}


def test_second_build_replaces_the_first_and_leaves_no_temporary_folders(tmp_path):
    writer.write(tmp_path / "site", {"old.html": b"1", "index.html": b"1"})
    writer.write(tmp_path / "site", {"index.html": b"2"})
    assert tree(tmp_path / "site") == {"index.html": b"2", writer.MARKER: writer.MARKER_TEXT}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize("name", ["../outside.html", "/etc/passwd", "a/../../x", "a//b", "", "a\\..\\b", writer.MARKER])
def test_refuses_names_that_escape_the_folder(tmp_path, name):
    with pytest.raises(SiteBuilderError, match="输出路径超出了网站文件夹"):
        writer.write(tmp_path / "site", {"index.html": b"x", name: b"x"})
    assert not (tmp_path / "outside.html").exists() and not (tmp_path / "site").exists()


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(SiteBuilderError, match="不是 site-builder 写的"):
        writer.write(home, {"index.html": b"x"})
    assert (home / "thesis.docx").read_bytes() == b"years of work"


def test_refuses_the_home_folder_and_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(SiteBuilderError):
        writer.write(tmp_path, {"index.html": b"x"})
    (tmp_path / "file").write_text("x")
    with pytest.raises(SiteBuilderError, match="输出位置是一个文件"):
        writer.write(tmp_path / "file", {"index.html": b"x"})


def test_an_empty_existing_folder_is_fine(tmp_path):
    (tmp_path / "site").mkdir()
    writer.write(tmp_path / "site", {"index.html": b"x"})
    assert (tmp_path / "site" / "index.html").read_bytes() == b"x"


def test_a_failed_write_leaves_the_old_site_whole(tmp_path, monkeypatch):
    writer.write(tmp_path / "site", {"index.html": b"old", "a.html": b"old"})

    written = []
    real_put = writer.put

    def broken_put(folder, name, data, flat=False):
        if written:
            raise OSError("disk full")
        written.append(name)
        return real_put(folder, name, b"half", flat)

    monkeypatch.setattr(writer, "put", broken_put)
    with pytest.raises(OSError):
        writer.write(tmp_path / "site", {"index.html": b"new", "a.html": b"new"})
    assert tree(tmp_path / "site")["index.html"] == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_an_incremental_build_stages_flat_and_puts_every_file_at_its_path(tmp_path, monkeypatch):
    """An update moves files from a flat staging folder (no folder made per page), long names included."""
    site = tmp_path / "site"
    writer.write(site, {"index.html": b"1", "stories/a/index.html": b"1"})
    long_name = "stories/tag/" + "长" * 75 + "/index.html"  # too long to flatten: staged under a digest
    staging = writer.Staging(site, complete=False)
    assert staging.flat
    made: list[str] = []
    real_makedirs = writer.os.makedirs
    monkeypatch.setattr(writer.os, "makedirs", lambda path, *a, **k: (made.append(str(path)), real_makedirs(path, *a, **k)))
    try:
        for name in ("stories/a/index.html", "stories/b/index.html", "a%2Fb.html", long_name):
            staging.put(name, name.encode())
        assert not any(str(staging.folder) + "/stories/a" in m or str(staging.folder) + "/stories/b" in m for m in made)
        shard, _, flat = writer.staged("stories/a/index.html", True).partition("/")
        assert flat == "stories%2Fa%2Findex.html" and len(shard) == 2 and int(shard, 16) >= 0
        assert writer.staged("a%2Fb.html", True).endswith("/a%252Fb.html")
        assert writer.staged(long_name, True)[3:].startswith("%%") and len(writer.staged(long_name, True)) == 69
        folders = [p for p in staging.folder.iterdir()]
        assert all(p.is_dir() and len(p.name) == 2 for p in folders)  # one level of 256 folders, files in them
        assert all(q.is_file() for p in folders for q in p.iterdir())
        staging.finish()
    finally:
        staging.discard()
    found = tree(site)
    for name in ("stories/a/index.html", "stories/b/index.html", "a%2Fb.html", long_name):
        assert found[name] == name.encode()
    assert found["index.html"] == b"1"


def test_swap_without_atomic_exchange_still_replaces(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "exchange", lambda a, b: False)
    writer.write(tmp_path / "site", {"index.html": b"1"})
    writer.write(tmp_path / "site", {"index.html": b"2"})
    assert tree(tmp_path / "site")["index.html"] == b"2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_atomic_exchange_keeps_the_folder_inode_path_valid(tmp_path):
    writer.write(tmp_path / "site", {"index.html": b"1"})
    before = os.stat(tmp_path / "site").st_ino
    writer.write(tmp_path / "site", {"index.html": b"2"})
    assert (tmp_path / "site" / "index.html").read_bytes() == b"2"
    assert os.stat(tmp_path / "site").st_ino != before  # a new folder took the old one's place


def update(site: Path, outputs: dict[str, bytes], remove: tuple[str, ...] = ()) -> writer.Staging:
    staging = writer.Staging(site, complete=False)
    try:
        for name, data in outputs.items():
            staging.put(name, data)
        staging.finish(remove)
    finally:
        staging.discard()
    return staging


def test_an_update_writes_into_the_inode_the_last_update_replaced(tmp_path):
    """No inode made or freed per changed file: the replaced file stays as the spare for its output."""
    site = tmp_path / "site"
    writer.write(site, {"index.html": b"1", "stories/a/index.html": b"first version, long"})
    first = os.stat(site / "stories/a/index.html").st_ino
    staging = update(site, {"stories/a/index.html": b"second"})
    assert staging.folder == writer.spare_folder(site)
    second = os.stat(site / "stories/a/index.html").st_ino
    spare = staging.folder / writer.staged("stories/a/index.html", True)
    assert os.stat(spare).st_ino == first and spare.read_bytes() == b"first version, long"
    update(site, {"stories/a/index.html": b"third"})
    assert (site / "stories/a/index.html").read_bytes() == b"third"  # the spare's longer bytes cut off
    assert os.stat(site / "stories/a/index.html").st_ino == first and os.stat(spare).st_ino == second
    assert tree(site) == {"index.html": b"1", "stories/a/index.html": b"third", writer.MARKER: writer.MARKER_TEXT}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.spare", "site"]


def test_a_spare_linked_from_elsewhere_is_never_written_into(tmp_path):
    """A copy of the site made with hard links (cp -al) keeps its bytes; so does a link planted at a spare."""
    site = tmp_path / "site"
    writer.write(site, {"a.html": b"1", "b.html": b"1"})
    update(site, {"a.html": b"2", "b.html": b"2"})
    spares = writer.spare_folder(site)
    os.link(spares / writer.staged("a.html", True), tmp_path / "deployed-a.html")
    (spares / writer.staged("b.html", True)).unlink()
    (spares / writer.staged("b.html", True)).symlink_to(tmp_path / "elsewhere.html")
    (tmp_path / "elsewhere.html").write_bytes(b"not ours")
    (spares / writer.staged("c.html", True)).mkdir(parents=True)  # a folder where a spare would be
    (spares / writer.staged("c.html", True) / "x").write_bytes(b"x")
    update(site, {"a.html": b"3", "b.html": b"3", "c.html": b"3"})
    assert (tmp_path / "deployed-a.html").read_bytes() == b"1"
    assert (tmp_path / "elsewhere.html").read_bytes() == b"not ours"
    assert tree(site) == {"a.html": b"3", "b.html": b"3", "c.html": b"3", writer.MARKER: writer.MARKER_TEXT}


def test_a_removed_output_loses_its_spare_and_a_second_build_at_once_stages_on_its_own(tmp_path):
    site = tmp_path / "site"
    writer.write(site, {"a.html": b"1", "b.html": b"1"})
    update(site, {"a.html": b"2", "b.html": b"2"})
    holder = writer.Staging(site, complete=False)  # another build holds the spare folder
    try:
        other = update(site, {"a.html": b"3"})
        assert other.folder.name == f".site.new-{os.getpid()}" and not other.folder.exists()
    finally:
        holder.discard()
    update(site, {"a.html": b"4"}, remove=("b.html",))
    assert tree(site) == {"a.html": b"4", writer.MARKER: writer.MARKER_TEXT}
    assert sorted(p.name for p in writer.spare_folder(site).rglob("*") if p.is_file()) == ["a.html"]


def test_the_spare_folders_own_folders_are_never_followed_and_an_older_layout_is_cleared(tmp_path):
    site = tmp_path / "site"
    writer.write(site, {"a.html": b"1", "b.html": b"1"})
    spares = writer.spare_folder(site)
    spares.mkdir()
    (spares / "b.html").write_bytes(b"a spare of the older layout, beside the folders")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (spares / writer.staged("a.html", True)).parent.symlink_to(elsewhere)  # planted where a folder belongs
    update(site, {"a.html": b"2", "b.html": b"2"})
    assert tree(site) == {"a.html": b"2", "b.html": b"2", writer.MARKER: writer.MARKER_TEXT}
    assert list(elsewhere.iterdir()) == []  # nothing written through the link
    assert not (spares / "b.html").exists() and (spares / writer.staged("a.html", True)).read_bytes() == b"1"


def _flags(folder: Path, add: int = 0) -> int | None:
    """A folder's inode flags (chattr), after adding `add`; None where the file system has none."""
    import array
    import fcntl

    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, 0x80086601, flags, True)  # FS_IOC_GETFLAGS
        if add:
            flags[0] |= add
            fcntl.ioctl(fd, 0x40086602, flags, True)  # FS_IOC_SETFLAGS
            fcntl.ioctl(fd, 0x80086601, flags, True)
        return flags[0]
    except OSError:
        return None
    finally:
        os.close(fd)


def test_a_complete_build_makes_its_folders_in_hubs_and_leaves_none(tmp_path):
    """The staging folder (the site) and its hubs folder are spread; page folders are made in hubs (plain
    folders, 16 to a hub) and moved into place, so the site holds them plain and no hub is left."""
    probe = tmp_path / "probe"
    probe.mkdir()
    can = (_flags(probe, add=writer.FS_TOPDIR_FL) or 0) & writer.FS_TOPDIR_FL  # ext4 can (this disk); tmpfs cannot
    out = tmp_path / "site"
    pages = {f"stories/s{i:02d}/index.html": f"<p>{i}</p>".encode() for i in range(40)}
    pages |= {"index.html": b"<p>1</p>", "tags/x/index.html": b"x", "tags/x/page/2/index.html": b"x2"}
    staging = writer.Staging(out, complete=True)
    hubs = Path(writer.hubs_of(staging.folder))
    assert bool((_flags(hubs) or 0) & writer.FS_TOPDIR_FL) == bool(can)
    for name in sorted(pages):
        staging.put(name, pages[name])
    assert len([h for h in hubs.iterdir() if not any(h.iterdir())]) >= 3  # 43 folders, 16 to a hub: emptied
    staging.finish()
    staging.discard()
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == set(pages) | {writer.MARKER}
    assert all((out / name).read_bytes() == data for name, data in pages.items())
    assert not hubs.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["probe", "site"]
    assert bool((_flags(out) or 0) & writer.FS_TOPDIR_FL) == bool(can)
    assert not (_flags(out / "stories" / "s01") or 0) & writer.FS_TOPDIR_FL
    update = writer.Staging(out, complete=False)  # a later build makes a new page's folder in the site itself
    update.put("stories/c/index.html", b"c")
    update.finish()
    update.discard()
    assert (out / "stories" / "c" / "index.html").read_bytes() == b"c"


def test_a_process_that_builds_again_makes_its_folders_in_new_hubs(tmp_path):
    """The dev server's workers build again and again: the hub of the last build is gone, not the method."""
    probe = tmp_path / "probe"
    probe.mkdir()
    can = (_flags(probe, add=writer.FS_TOPDIR_FL) or 0) & writer.FS_TOPDIR_FL
    out = tmp_path / "site"
    for round in range(3):  # the same staging name each time; this process remembers the last one's folders
        writer.write(out, {f"stories/s{i}/index.html": b"%d" % round for i in range(20)})
        assert (out / "stories" / "s19" / "index.html").read_bytes() == b"%d" % round
        assert not (_flags(out / "stories" / "s19") or 0) & writer.FS_TOPDIR_FL  # by a hub, not spread
        assert bool((_flags(out) or 0) & writer.FS_TOPDIR_FL) == bool(can)  # (the flag can be read here)


def test_a_folder_made_meanwhile_by_another_worker_is_used_and_the_hub_folder_removed(tmp_path):
    staging = writer.Staging(tmp_path / "site", complete=True)
    folder = str(staging.folder)
    os.makedirs(f"{folder}/stories/a")  # as another worker would have, after this one looked
    writer._make_by_hub(f"{folder}/stories/a/images", folder)
    assert os.path.isdir(f"{folder}/stories/a/images")
    left = [p for p in Path(writer.hubs_of(folder)).rglob("*") if p.parent != Path(writer.hubs_of(folder))]
    assert left == []  # the hub's folders were moved into place or removed
    staging.discard()


def test_the_hubs_of_a_killed_build_are_removed(tmp_path):
    out = tmp_path / "site"
    stale = tmp_path / f".site.new-{2**22 + 12345}{writer.HUBS}"  # a pid beyond any running one
    (stale / "1-0" / "3").mkdir(parents=True)
    writer.write(out, {"index.html": b"1"})
    assert not stale.exists()


def test_where_folders_cannot_be_moved_so_they_are_made_in_place(tmp_path, monkeypatch):
    """renameat2 refused (a file system without RENAME_NOREPLACE): the build goes on without hubs."""
    def refused(source, target):
        raise OSError(22, "Invalid argument", target)

    monkeypatch.setattr(writer, "_move_new", refused)
    out = tmp_path / "site"
    writer.write(out, {f"stories/s{i}/index.html": b"x" for i in range(20)})
    assert sorted(p.name for p in (out / "stories").iterdir()) == sorted(f"s{i}" for i in range(20))
    assert not any(tmp_path.glob("*" + writer.HUBS))


def test_the_spare_folder_is_spread_so_its_256_folders_are_placed_apart(tmp_path):
    """ext4 reads the flag from a folder's parent: the spare folder carries it, for its 256 folders."""
    probe = tmp_path / "probe"
    probe.mkdir()
    can = (_flags(probe, add=writer.FS_TOPDIR_FL) or 0) & writer.FS_TOPDIR_FL
    out = tmp_path / "site"
    writer.write(out, {"index.html": b"1"})
    (tmp_path / ".site.spare").mkdir()  # as an older version made it: plain
    update = writer.Staging(out, complete=False)
    update.put("index.html", b"2")
    update.finish()
    update.discard()
    assert bool((_flags(writer.spare_folder(out)) or 0) & writer.FS_TOPDIR_FL) == bool(can)
    assert (out / "index.html").read_bytes() == b"2"
