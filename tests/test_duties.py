"""The plan's standing duties as content (site_builder/duties.py): 四大班子 leaders' 联系点 and the holiday
轮班 of community staff; on community pages and /duty/, by office and role, never a phone."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import content_trees
from site_builder import duties
from test_pages import build_outputs, sample_content, text

ROOT = Path(__file__).resolve().parents[1]


def test_the_sample_content_holds_contact_points_and_a_rota():
    loaded, problems = content_trees.load(ROOT / "content", today=dt.date(2026, 11, 28))
    assert problems == [] and loaded is not None
    assert content_trees.all_problems(ROOT / "content", today=dt.date(2026, 11, 28)) == []
    assert {p.body for p in loaded.contact_points} == set(duties.BODIES)
    assert loaded.contact_points[0] == duties.ContactPoint("区委书记", "区委", "yangguang", dt.date(2026, 3, 1),
                                                           "带头到联系点报到、认领服务岗位", line=2)
    assert [s.date for s in loaded.rota] == sorted(s.date for s in loaded.rota)
    assert loaded.rota[0].roles == ("社区党委书记", "网格员") and loaded.rota[0].holiday == "国庆节"


def test_bad_duties_are_located_in_chinese(tmp_path):
    root = content_trees.copy_tree("minimal", tmp_path)
    (root / "contact-points.yaml").write_text(
        "- role: 区长\n  body: 区法院\n  community: yangguang\n"
        "- role: 区委书记\n  body: 区委\n  community: nowhere\n  note: 电话 13912345678\n"
        "- role: 区政协主席\n  body: 区政协\n  community: yangguang\n  phone: 029-1\n", "utf-8")
    (root / "rota").mkdir()
    (root / "rota" / "holidays.yaml").write_text(
        "- community: yangguang\n  date: 2026-10-01\n  start: \"17:00\"\n  end: \"09:00\"\n  roles: [值班社工]\n"
        "- community: yangguang\n  date: 2026-10-02\n  start: \"09:00\"\n  end: \"12:00\"\n", "utf-8")
    found = [str(p) for p in content_trees.all_problems(root)]
    expect = [
        "content/contact-points.yaml:2：联系点 区长：字段 body 的值 “区法院” 不是四大班子之一；应为区委、区人大常委会、区政府、区政协之一",
        "content/contact-points.yaml:6：联系点 区委书记：社区 “nowhere” 不存在；应为",
        "content/contact-points.yaml:7：联系点 区委书记：字段 note 中有手机号码（139…）；应为公开内容中不写个人手机号码",
        "content/contact-points.yaml:11：联系点 区政协主席：未知字段 “phone”；应为",
        "content/rota/holidays.yaml:4：值班（第 1 行）：结束时间 09:00 不晚于开始时间 17:00；应为晚于 start 的时间",
        "content/rota/holidays.yaml:6：值班（第 6 行）：缺少字段 roles；应为",
    ]
    for wanted in expect:
        assert any(wanted in line for line in found), (wanted, found)


def test_pages_show_the_office_and_the_roles_on_duty_not_a_person():
    content = sample_content()
    content.contact_points = (duties.ContactPoint("区委书记", "区委", "yangguang", dt.date(2026, 3, 1)),)
    content.rota = (duties.Shift("yangguang", dt.date(2026, 10, 1), dt.time(9), dt.time(17), ("网格员",), "国庆节"),
                    duties.Shift("yangguang", dt.date(2027, 1, 1), dt.time(9), dt.time(17), ("社区党委书记", "值班社工"), "元旦"))
    _, outputs = build_outputs(content)
    community = text(outputs, "communities/yangguang/index.html")
    assert "区级领导联系点" in community and "区委 · 区委书记（2026年3月1日起）" in community
    assert "2027年1月1日 星期五（元旦）" in community and "社区党委书记、值班社工" in community
    assert "国庆节" not in community  # duty already past (the build's day is 2026-11-28) is not shown
    duty = text(outputs, "duty/index.html")
    assert "<td>区委书记</td>" in duty and 'href="/communities/yangguang/">阳光社区</a>' in duty
    assert "元旦" in duty and "国庆节" not in duty
    assert "/duty/" in text(outputs, "about/index.html")
    assert "区级领导联系点" not in text(outputs, "communities/nongke/index.html")


def test_without_duties_the_page_says_so():
    content = dataclasses.replace(sample_content())
    _, outputs = build_outputs(content)
    duty = text(outputs, "duty/index.html")
    assert "联系点安排尚未公布" in duty and "近期暂无节假日值班安排" in duty
