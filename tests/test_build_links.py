"""links.check on small hand-made outputs: every kind of reference, base paths, other hosts."""

from __future__ import annotations

import pytest

from site_builder import links


def problems(outputs: dict[str, bytes], base: str = "/") -> list[str]:
    return [str(p) for p in links.check(outputs, base)]


def test_absolute_relative_query_fragment_and_encoded_links_resolve():
    outputs = {
        "index.html": '<a href="/posts/?c=HJ#top">岗位</a><a href="stories/tag/%E6%95%99%E8%82%B2/">教育</a>'
                      '<a href="#main">跳</a><a href="?x=1">同页</a><a href="mailto:a@b.cn">信</a><a href="tel:123">电</a>'.encode(),
        "posts/index.html": b'<a href="../">home</a><a href="./">self</a><img src="../static/a.png" srcset="../static/a.png 1x, /static/b.png 2x">',
        "stories/tag/教育/index.html": b"",
        "static/a.png": b"", "static/b.png": b"",
    }
    assert problems(outputs) == []


def test_a_broken_link_names_the_file_line_and_target():
    outputs = {"index.html": b"<p>\n<a href=\"/posts/\">x</a>\n</p>\n<img\n src=\"/static/missing.png\">"}
    assert problems(outputs) == [
        "index.html:2：链接 “/posts/” 失效：构建不会生成 posts/index.html；应为构建会生成的页面或文件",
        "index.html:4：链接 “/static/missing.png” 失效：构建不会生成 static/missing.png；应为构建会生成的页面或文件",
    ]


def test_under_a_sub_path_links_must_carry_it():
    outputs = {"index.html": b'<a href="/sansong/posts/">ok</a><a href="/posts/">no</a>', "posts/index.html": b""}
    found = problems(outputs, "/sansong/")
    assert len(found) == 1 and "“/posts/” 超出了网站的基础路径 /sansong/" in found[0]


def test_loading_from_another_host_is_a_problem_but_linking_is_not():
    outputs = {"index.html": b'<a href="https://www.gov.cn/">gov</a><link rel="alternate" href="https://x.cn/feed">'
                             b'<script src="https://cdn.example.com/x.js"></script><link rel="stylesheet" href="//fonts.example.com/a.css">'}
    found = problems(outputs)
    assert len(found) == 2
    assert "cdn.example.com/x.js'> 从其他网站加载" in found[0]
    assert "fonts.example.com" in found[1]


def test_css_url_references_resolve_relative_to_the_stylesheet():
    outputs = {"static/css/site.css": b"a{background:url('../img/a.png')}\nb{background:url(data:image/png;base64,AAA)}\nc{background:url(/static/img/none.png)}",
               "static/img/a.png": b""}
    found = problems(outputs)
    assert found == ["static/css/site.css:3：链接 “/static/img/none.png” 失效：构建不会生成 static/img/none.png；"
                     "应为构建会生成的页面或文件"]


def test_a_broken_link_is_found_on_a_page_whose_other_links_are_all_known():
    fine: set = set()
    names = {"index.html", "a/index.html"}
    known = '<nav><a href="#main">跳到正文</a> <a href="/a/">甲</a></nav>\n'
    assert links.check_page("index.html", known, names, "/", fine) == []
    assert links.check_page("a/index.html", known, names, "/", fine) == []  # every match known: no scan in Python
    broken = known + '<p>\n<a href="/b/">乙</a></p>\n'
    problems = links.check_page("a/index.html", broken, names, "/", fine)
    assert [(p.line, "b/index.html" in p.message) for p in problems] == [(3, True)]
    relative = '<a href="b/">乙</a>'  # relative: resolved against each page, never remembered as fine
    assert links.check_page("index.html", relative, names | {"b/index.html"}, "/", fine) == []
    assert links.check_page("a/index.html", relative, names | {"b/index.html"}, "/", fine) != []


def test_new_references_that_resolve_are_judged_without_walking_the_page(monkeypatch):
    fine: set = set()
    names = {"index.html", "a/index.html", "b/index.html"}
    page = ('<a href="/a/">甲</a> <a href="/b/">乙</a> <a href="mailto:x@example.org">信</a>\n'
            '<img src="data:image/png;base64,AA==" alt="">')
    monkeypatch.setattr(links, "_page_problems", lambda *args: pytest.fail("the page was walked"))
    assert links.check_page("index.html", page, names, "/", fine) == []
    assert {"/a/", "/b/"} <= fine


def test_a_page_with_new_references_still_finds_what_a_walk_finds():
    names = {"index.html", "a/index.html"}
    page = ('<p>写作 href="/nowhere/" 的文字不是链接</p>\n'
            '<a href="https://example.org/">外站链接可以</a>\n'
            '<script src="https://cdn.example.org/x.js"></script>\n'
            '<a href="/a/">甲</a><a href="/gone/">丙</a>')
    problems = links.check_page("index.html", page, names, "/", set())
    assert [(p.line, p.message) for p in problems] == [
        (3, "<script src='https://cdn.example.org/x.js'> 从其他网站加载"),
        (4, "链接 “/gone/” 失效：构建不会生成 gone/index.html")]
    assert problems == links.check_page("index.html", page, names, "/", None)


NAV = '\n<nav><a href="/">首页</a> <a href="/a/">甲</a> <a href="#main">跳</a> <a href="mailto:x@example.org">信</a></nav>\n'


def test_a_block_fine_on_every_page_is_judged_once_and_left_out_of_later_scans(monkeypatch):
    fine: set = set()
    names = {"index.html", "a/index.html"}
    page = '<main>\n<p><a href="/a/">甲</a></p>' + NAV + '<p>\n<a href="/gone/">丙</a></p></main>'
    problems = links.check_page("index.html", page, names, "/", fine, [NAV])
    assert [(p.line, "gone/index.html" in p.message) for p in problems] == [(5, True)]  # lines of the whole page
    assert NAV in fine
    scanned: list[str] = []
    findall = links.VALUE.findall
    monkeypatch.setattr(links, "VALUE", type("V", (), {"findall": lambda _, text: scanned.append(text) or findall(text)})())
    assert links.check_page("a/index.html", "<main></main>" + NAV + "<footer></footer>", names, "/", fine, [NAV]) == []
    assert scanned == ["<main></main>><footer></footer>"]  # the block cut out; ">" at the joint


def test_a_block_with_a_broken_or_relative_link_is_checked_on_every_page():
    names = {"index.html", "a/index.html", "b/index.html"}
    broken = '<nav><a href="/a/">甲</a>\n<a href="/gone/">丙</a></nav>'
    for output in ("index.html", "a/index.html"):
        problems = links.check_page(output, "<h1>题</h1>\n" + broken, names, "/", set(), [broken])
        assert [(p.line, "gone/index.html" in p.message) for p in problems] == [(3, True)]
    fine: set = set()
    relative = '<nav><a href="b/">乙</a></nav>'  # resolves from index.html only
    assert links.check_page("index.html", relative, names, "/", fine, [relative]) == []
    assert [p.line for p in links.check_page("a/index.html", relative, names, "/", fine, [relative])] == [1]


def test_a_block_is_cut_out_only_where_it_stands_between_tags():
    fine: set = set()
    names = {"index.html", "a/index.html"}
    inside = '<img alt="' + NAV + '" src="/a/">'  # the block is inside a tag: the page is scanned whole
    assert links._outside("index.html", inside, [NAV], names, "/", fine) == inside
    assert links._outside("index.html", "<p>" + NAV + "</p>", [NAV], names, "/", fine) == "<p>></p>"
    plain = "no tags"  # not whole elements: never cut
    assert links._outside("index.html", "<p>" + plain + "</p>", [plain], names, "/", fine) == "<p>" + plain + "</p>"
    assert links._outside("index.html", "<p></p>", [NAV], names, "/", fine) == "<p></p>"  # not on the page
