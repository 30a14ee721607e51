"""pages.collect + render + links on a small hand-built Content (no loader needed)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from site_builder import assets, feeds, links, pages, render
from site_builder.model import (Activity, Category, Community, Content, Department, NamedMember, Post, Service,
                                Site, Story, Targets, Team)

THEME = Path(__file__).resolve().parent.parent / "theme"
TODAY = dt.date(2026, 11, 28)
APP_URLS = ("/register/", "/claim/", "/checkin/", "/diary/", "/me/", "/offline/")


def sample_content(base_url: str = "https://sansong.example.cn/", stories: int = 12) -> Content:
    site = Site(title="杨陵区在职党员到社区志愿服务", subtitle="三送三促", district="杨陵区", base_url=base_url,
                language="zh-CN", year=2026, targets=Targets(), description="送活力促提升，送温暖促和谐，送服务促发展")
    c = Content(root="content", site=site)
    c.categories = {"ZC": Category("ZC", "政策宣传"), "HJ": Category("HJ", "环境整治")}
    c.departments = {"D03": Department("D03", "区教育局", 86), "D05": Department("D05", "区民政局", 40)}
    c.communities = {
        "yangguang": Community("yangguang", "YG", "阳光社区", True, street="杨陵街道", phone="029-87031216"),
        "nongke": Community("nongke", "NK", "农科社区", False, liaison=("D05",)),
    }
    c.teams = {"jiaoyu-wenti": Team("jiaoyu-wenti", "教育文化体育志愿服务队", ("D03",),
                                    (Service("五点半课堂", "辅导作业", "ZC"),), communities=("yangguang",),
                                    summary="开设五点半课堂和周末兴趣班", body_html="<p>队伍介绍</p>")}
    c.posts = {code: Post(code, "yangguang", code[3:5], title, "宣传政策，收集民意", 3)
               for code, title in (("YG-ZC-01", "政策宣传岗"), ("YG-HJ-01", "楼院环境岗"), ("YG-HJ-02", "垃圾分类劝导岗"))}
    c.activities = {a.id: a for a in (
        Activity("2026-05-15-yangguang", "五月党员活动日：小区环境整治", dt.date(2026, 5, 15), dt.time(9), dt.time(11, 30),
                 "阳光社区党群服务中心", "HJ", "党员活动日", "阳光社区党委", community="yangguang", posts=("YG-HJ-01",),
                 description="清理楼道杂物；整治绿化带"),
        Activity("2026-12-15-yangguang", "十二月党员活动日：政策宣讲", dt.date(2026, 12, 15), dt.time(9), dt.time(11),
                 "阳光社区党群服务中心", "ZC", "党员活动日", "阳光社区党委", community="yangguang"),
        Activity("2026-12-16-jiaoyu-wenti", "五点半课堂", dt.date(2026, 12, 16), dt.time(17, 30), dt.time(19),
                 "农科社区书屋", "ZC", "其他", "区教育局", community="nongke", team="jiaoyu-wenti"),
    )}
    story_list = [Story(f"story-{n:02d}", f"典型案例第{n}篇", dt.date(2026, 3, 1) + dt.timedelta(days=n), f"摘要{n}",
                        body_html=f"<p>正文{n} &amp; 更多</p>",
                        community="yangguang" if n % 2 else None, team="jiaoyu-wenti" if n % 3 == 0 else None,
                        tags=("五点半课堂", "教育") if n % 2 else ("环境",),
                        members=(NamedMember("王建华", "D03", dt.date(2026, 3, 1), "坚持辅导作业"),) if n == 1 else ())
                  for n in range(1, stories + 1)]
    c.stories = {s.slug: s for s in sorted(story_list, key=lambda s: s.date, reverse=True)}
    return c


FIGURES = {
    "as_of": "2026-11-20T10:00:00+08:00", "min_group": 5,
    "totals": {"members": 312, "activities": 140, "hours": 1234.5, "claims": None},
    "communities": {"yangguang": {"members": 40, "activities": 24, "hours": 210.0, "posts": {
        "YG-ZC-01": {"full": False, "approved": None, "waiting": None},
        "YG-HJ-01": {"full": True, "approved": None, "waiting": 7}}}},
    "teams": {"jiaoyu-wenti": {"members": None, "activities": 12, "hours": 90.0}},
    "stars": [{"level": 0, "label": "未达星级", "count": 280}, {"level": 1, "label": "一星", "count": None}],
    "star_hours": [100, 300, 600, 1000, 1500],
    "honour_roll": [{"name": "王建华", "department": "区教育局", "community": "阳光社区", "deeds": "坚持辅导作业"}],
}


def app_placeholders() -> dict[str, bytes]:
    """The offline app's pages are another stage's; stand-ins so links to them resolve here."""
    return {pages.Page(url=u, template="", title="").output_path: b"" for u in APP_URLS} | {"manifest.webmanifest": b"{}"}


def build_outputs(content: Content, figures=None) -> tuple[list[pages.Page], dict[str, bytes]]:
    theme_assets = assets.collect(THEME)
    all_pages = pages.collect(content, figures, TODAY)
    outputs = render.render_all(all_pages, content, THEME, theme_assets, TODAY, figures)
    outputs.update(theme_assets.outputs)
    outputs.update(feeds.outputs(content, all_pages, TODAY))
    outputs.update(app_placeholders())
    return all_pages, outputs


@pytest.fixture(scope="module")
def built():
    return build_outputs(sample_content(), FIGURES)


def text(outputs, path: str) -> str:
    return outputs[path].decode("utf-8")


def test_every_page_kind_exists(built):
    _, outputs = built
    for path in ("index.html", "communities/index.html", "communities/yangguang/index.html", "communities/nongke/index.html",
                 "posts/index.html", "posts/category/ZC/index.html", "posts/community/yangguang/index.html",
                 "posts/YG-ZC-01/index.html", "teams/index.html", "teams/jiaoyu-wenti/index.html",
                 "activities/index.html", "activities/2026-05-15-yangguang/index.html", "stories/index.html",
                 "stories/page/2/index.html", "stories/story-01/index.html", "stories/tag/五点半课堂/index.html",
                 "stories/community/yangguang/index.html", "stories/team/jiaoyu-wenti/index.html",
                 "activities/past/index.html", "activities/month/2026-05/index.html",
                 "activities/month/2026-12/index.html", "activities/community/yangguang/index.html",
                 "activities/community/nongke/index.html", "activities/team/jiaoyu-wenti/index.html",
                 "honour/index.html", "honour/community/yangguang/index.html", "about/index.html", "404.html"):
        assert path in outputs, path


def test_every_internal_link_resolves(built):
    _, outputs = built
    assert links.check(outputs, "/") == []


def test_stories_paginate_by_ten(built):
    _, outputs = built
    first, second = text(outputs, "stories/index.html"), text(outputs, "stories/page/2/index.html")
    assert first.count('class="card"') == 10 and second.count('class="card"') == 2
    assert 'rel="next"' in first and "stories/page/3/" not in first


def test_suppressed_counts_show_as_fewer_than_five_never_zero(built):
    _, outputs = built
    home = text(outputs, "index.html")
    assert "不足5人" in home and "1234.5小时" in home
    community = text(outputs, "communities/yangguang/index.html")
    assert "不足5人" in community and "已满</strong>（候补 7 人）" in community
    assert "尚有空位" in community and "已认领" not in community
    assert "不足5人" in text(outputs, "teams/jiaoyu-wenti/index.html")


def test_precache_marks_member_pages_but_not_stories(built):
    all_pages, _ = built
    flagged = {p.url for p in all_pages if p.precache}
    assert {"/", "/communities/", "/communities/yangguang/", "/posts/", "/posts/YG-ZC-01/", "/teams/",
            "/activities/", "/about/"} <= flagged
    assert not any(u.startswith("/stories/") for u in flagged)
    assert "/activities/2026-12-15-yangguang/" in flagged and "/activities/2026-05-15-yangguang/" not in flagged


def test_activity_page_links_checkin_and_calendar(built):
    _, outputs = built
    upcoming = text(outputs, "activities/2026-12-15-yangguang/index.html")
    assert "/checkin/?a=2026-12-15-yangguang" in upcoming
    assert "/activities/2026-12-15-yangguang/event.ics" in upcoming
    assert "星期二" in upcoming and "2026年12月15日" in upcoming


def test_calendar_shows_what_is_to_come_and_splits_the_rest_by_month_community_and_team(built):
    all_pages, outputs = built
    index = text(outputs, "activities/index.html")
    assert index.index("即将开展") < index.index("2026年12月") < index.index("十二月党员活动日") < index.index("已开展的活动")
    assert "/activities/2026-05-15-yangguang/" not in index  # past activities live on their own pages
    assert 'href="/activities/past/"' in index and 'href="/activities/month/2026-05/"' in index
    assert 'href="/activities/community/yangguang/"' in index and 'href="/activities/team/jiaoyu-wenti/"' in index
    assert "/activities/2026-05-15-yangguang/" in text(outputs, "activities/past/index.html")
    may = text(outputs, "activities/month/2026-05/index.html")
    assert "五月党员活动日" in may and "已结束" in may and "十二月" not in may.split("<main", 1)[1].split("其他月份")[0]
    assert 'rel="next" ' not in may or 'href="/activities/month/2026-12/" rel="next"' in may
    own = text(outputs, "activities/community/yangguang/index.html")
    assert own.index("十二月党员活动日") < own.index("<h2>已开展</h2>") < own.index("五月党员活动日")
    assert "五点半课堂" not in own  # nongke's
    assert "五点半课堂" in text(outputs, "activities/team/jiaoyu-wenti/index.html")
    activity = text(outputs, "activities/2026-05-15-yangguang/index.html")
    assert 'href="/activities/month/2026-05/"' in activity  # breadcrumb to its month


def test_calendar_pages_of_what_is_to_come_are_kept_offline_with_their_ics(built):
    all_pages, _ = built
    by_url = {p.url: p for p in all_pages}
    assert by_url["/activities/month/2026-12/"].precache and not by_url["/activities/month/2026-05/"].precache
    assert by_url["/activities/community/yangguang/"].precache and not by_url["/activities/past/"].precache
    assert by_url["/activities/2026-12-15-yangguang/"].precache_files == ("activities/2026-12-15-yangguang/event.ics",)
    assert by_url["/activities/2026-05-15-yangguang/"].precache_files == ()


def test_community_and_team_pages_show_the_latest_past_activities_and_link_the_rest():
    content = sample_content()
    for day in range(1, 9):
        a = Activity(f"2026-06-{day:02d}-yangguang", f"六月活动{day}", dt.date(2026, 6, day), dt.time(9), dt.time(10),
                     "阳光社区", "HJ", "其他", "阳光社区党委", community="yangguang")
        content.activities[a.id] = a
    _, outputs = build_outputs(content, FIGURES)
    page = text(outputs, "communities/yangguang/index.html")
    assert page.count("已结束") == pages.PAST_SHOWN
    assert "全部9项已开展的活动" in page and 'href="/activities/community/yangguang/"' in page
    assert text(outputs, "activities/community/yangguang/index.html").count("已结束") == 9


def test_calendar_segments_are_reserved_activity_ids():
    from site_builder import validate

    assert set(pages.CALENDAR_SEGMENTS) == set(validate.RESERVED_ACTIVITY_IDS)
    content = sample_content()
    a = content.activities["2026-12-15-yangguang"]
    content.activities = {"past": Activity(**{**a.__dict__, "id": "past"})}
    problems = validate.validate(content)
    assert any("“past” 是活动日历的保留名称" in p.message for p in problems)


def test_about_numbers_come_from_site_settings():
    content = sample_content()
    content.site = Site(**{**content.site.__dict__, "year": 2031, "min_group": 7,
                           "targets": Targets(registration_deadline="05-20", registration_rate=0.95,
                                              activities_per_member=6, star_hours=(50, 150, 300, 600, 900),
                                              three_star_share=0.6)})
    _, outputs = build_outputs(content)
    about = text(outputs, "about/index.html")
    for expected in ("2031年5月20日", "95%", "不少于6次", "150小时", "60%", "不足7人", "15日、16日"):
        assert expected in about, expected


def test_honour_roll_explains_consent(built):
    _, outputs = built
    honour = text(outputs, "honour/index.html")
    assert "王建华" in honour and "同意" in honour


def test_nothing_personal_on_any_page(built):
    _, outputs = built
    for name, data in outputs.items():
        if name.endswith(".html"):
            assert "D03-0042" not in data.decode()


def test_post_catalogue_is_paginated_by_community_with_the_filter(built):
    _, outputs = built
    overview = text(outputs, "posts/index.html")
    assert 'href="/posts/category/HJ/"' in overview and 'href="/posts/community/yangguang/"' in overview
    assert "3个岗位" in overview and "data-filter-items" not in overview  # an overview, not every post
    assert 'action="/search/"' in overview
    community = text(outputs, "posts/community/yangguang/index.html")
    assert 'data-complete="community"' in community and "/static/js/post-filter." in community
    assert community.count('data-category="HJ"') == 2 and "第1个社区，共1个社区" in community
    filtered = text(outputs, "posts/category/HJ/index.html")
    assert 'data-complete="category"' in filtered
    assert "YG-HJ-02" in filtered and "YG-ZC-01</" not in filtered


def test_community_pages_of_the_catalogue_link_previous_and_next():
    content = sample_content()
    content.posts["NK-ZC-01"] = Post("NK-ZC-01", "nongke", "ZC", "农科宣传岗", "宣传政策", 2)
    _, outputs = build_outputs(content, FIGURES)
    first = text(outputs, "posts/community/yangguang/index.html")
    second = text(outputs, "posts/community/nongke/index.html")
    assert 'href="/posts/community/nongke/" rel="next"' in first and "下一个：农科社区" in first
    assert 'href="/posts/community/yangguang/" rel="prev"' in second and "第2个社区，共2个社区" in second


def test_figures_explain_themselves(built):
    _, outputs = built
    card = text(outputs, "posts/community/yangguang/index.html")
    # places against the claims the community approved (ledger/claims.py), never 可认领3人·已认领9人
    assert "可认领 3 人 · <strong class=\"full\">已满</strong>（候补 7 人）" in card
    assert "可认领 3 人 · 尚有空位" in card and "已认领" not in card and "超出" not in card
    post = text(outputs, "posts/YG-HJ-01/index.html")
    assert "<strong class=\"full\">已满</strong>，候补 7 人；可登记候补" in post
    assert "尚有空位；认领后由社区审核" in text(outputs, "posts/YG-ZC-01/index.html")
    team = text(outputs, "teams/jiaoyu-wenti/index.html")
    assert "参加活动的党员" in team or "不足5人" in team
    assert "报到党员" not in team.split("<main", 1)[1]
    home = text(outputs, "index.html")
    assert '<th scope="row">未达星级</th><td>280人</td>' in home and 'class="star-table"' in home
    assert "统计截至2026年11月20日" in home and "2026-11-20" not in home.split("<main", 1)[1]


def test_a_team_explains_what_its_count_means():
    figures = {**FIGURES, "teams": {"jiaoyu-wenti": {"members": 20, "activities": 12, "hours": 90.0}}}
    _, outputs = build_outputs(sample_content(), figures)
    team = text(outputs, "teams/jiaoyu-wenti/index.html")
    assert "20人" in team and "参加活动的党员" in team and "在本队组织的活动中签到的党员" in team


def test_a_full_post_says_so_without_a_count_below_the_minimum():
    full = {"full": True, "approved": None, "waiting": None}
    figures = {**FIGURES, "communities": {"yangguang": {**FIGURES["communities"]["yangguang"], "posts": {"YG-HJ-02": full}}}}
    _, outputs = build_outputs(sample_content(), figures)
    listing = text(outputs, "posts/community/yangguang/index.html")
    assert "可认领 3 人 · <strong class=\"full\">已满</strong></p>" in listing and "候补" not in listing.split("YG-HJ-02")[1][:300]


def test_the_navigation_holds_checkin_in_one_phone_row(built):
    _, outputs = built
    header = text(outputs, "about/index.html").split("<main", 1)[0]
    primary = re.findall(r'<li class="nav-primary"><a href="([^"]+)"', header)
    assert primary == ["/", "/posts/", "/activities/", "/checkin/", "/me/"]
    assert header.count('href="/about/" aria-current="page"') == 2  # in the wide row and under 更多
    assert '<summary class="is-current">更多</summary>' in header
    assert "<summary>更多</summary>" in text(outputs, "index.html").split("<main", 1)[0]


def test_home_page_leads_with_members_and_residents_actions(built):
    _, outputs = built
    home = text(outputs, "index.html")
    main = home.split("<main", 1)[1]
    first = [main.index(f'href="{u}"') for u in ("/register/", "/checkin/", "/me/")] + [main.index('action="/search/"')]
    assert max(first) < main.index("近期活动</h2>")


def test_honour_roll_is_grouped_by_community():
    figures = {**FIGURES, "honour_roll": [
        {"name": "王建华", "department": "区教育局", "community": "阳光社区", "deeds": "坚持辅导作业"},
        {"name": "李秀兰", "department": "区民政局", "community": "农科社区", "deeds": "走访独居老人"},
        {"name": "张伟", "department": "区民政局", "community": "", "deeds": "热心服务"}]}
    _, outputs = build_outputs(sample_content(), figures)
    roll = text(outputs, "honour/index.html").split("按社区查看光荣榜", 1)[1].split("</nav>", 1)[1]
    assert roll.index("阳光社区") < roll.index("王建华") < roll.index("农科社区") < roll.index("李秀兰") < roll.index("张伟")
    assert 'href="/honour/community/nongke/"' in roll and "走访独居老人" not in roll  # deeds on the community's page
    nongke = text(outputs, "honour/community/nongke/index.html")
    assert "李秀兰" in nongke and "走访独居老人" in nongke and "王建华" not in nongke


def test_cn_date_is_the_one_date_format():
    assert render.cn_date(dt.date(2026, 5, 15)) == "2026年5月15日"
    assert render.cn_date("2026-11-20T10:00:00+08:00") == "2026年11月20日"
    assert render.cn_date(None) == "" and render.cn_date("") == ""


def test_sub_path_links_all_resolve():
    _, outputs = build_outputs(sample_content(base_url="https://www.example.cn/sansong/"), FIGURES)
    assert links.check(outputs, "/sansong/") == []
    home = text(outputs, "index.html")
    assert 'href="/sansong/posts/"' in home and 'href="/posts/"' not in home


def test_without_figures_pages_say_not_yet_published():
    _, outputs = build_outputs(sample_content(), None)
    assert "统计数据尚未发布" in text(outputs, "communities/yangguang/index.html")
    assert "王建华" in text(outputs, "honour/index.html")  # from the story with recorded consent


def test_rendering_is_deterministic():
    first = build_outputs(sample_content(), FIGURES)[1]
    second = build_outputs(sample_content(), FIGURES)[1]
    assert first == second


def test_a_misspelt_variable_names_the_template_and_line(tmp_path):
    import shutil

    from site_builder.errors import ContentErrors

    theme = tmp_path / "theme"
    shutil.copytree(THEME, theme)
    broken = theme / "templates" / "community.html"
    broken.write_text(broken.read_text("utf-8").replace("{{ community.name }}</h1>", "{{ community.nmae }}</h1>"), "utf-8")
    content = sample_content()
    with pytest.raises(ContentErrors) as caught:
        render.render_all(pages.collect(content, None, TODAY), content, theme, assets.collect(theme), TODAY)
    message = str(caught.value)
    assert "theme/templates/community.html:" in message and "nmae" in message and "Traceback" not in message
    assert "模板用到了没有定义的变量或属性" in message


def test_rendering_in_worker_processes_gives_the_same_bytes():
    content = sample_content()
    all_pages = pages.collect(content, FIGURES, TODAY)
    theme_assets = assets.collect(THEME)
    serial = render.render_all(all_pages, content, THEME, theme_assets, TODAY, FIGURES, jobs=1)
    parallel = render.render_all(all_pages, content, THEME, theme_assets, TODAY, FIGURES, jobs=2)
    assert parallel == serial and list(parallel) == list(serial)


def test_link_check_in_worker_processes_finds_the_same_problems(built):
    from site_builder.pool import Pool

    _, outputs = built
    content = sample_content()
    all_pages = sorted(pages.collect(content, FIGURES, TODAY), key=lambda p: p.url)
    names = frozenset(outputs) - {"posts/index.html"}
    setting = render.setting_for(content, THEME, assets.collect(THEME), TODAY, FIGURES, names)
    serial = [p for r in render.render_pages(setting, all_pages) for p in r.problems]
    assert serial and all("“/posts/”" in p.message for p in serial)
    with Pool(2) as pool:
        parallel = [p for r in pool.map(render.render_pages, all_pages, setting) for p in r.problems]
    assert parallel == serial


def test_a_template_error_in_a_worker_process_is_reported_like_any_other(tmp_path):
    import shutil

    from site_builder.errors import ContentErrors

    theme = tmp_path / "theme"
    shutil.copytree(THEME, theme)
    broken = theme / "templates" / "post.html"
    broken.write_text(broken.read_text("utf-8").replace("{{ post.title }}</h1>", "{{ post.titel }}</h1>"), "utf-8")
    content = sample_content()
    with pytest.raises(ContentErrors) as caught:
        render.render_all(pages.collect(content, None, TODAY), content, theme, assets.collect(theme), TODAY, jobs=2)
    assert all(p.path == "theme/templates/post.html" and "titel" in p.message for p in caught.value.problems)
