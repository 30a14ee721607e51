"""Patching the search index in place (site_builder/searchpatch.py) gives the very bytes of the index made
afresh (search.outputs) after story texts changed: terms gained and lost, a term every story of a block
holds, a term gone from the whole index, two stories of one block, and stories of several blocks."""

from __future__ import annotations

import dataclasses

import pytest

from site_builder import search, searchpatch
from test_pages import TODAY
from test_search import with_stories


def edited(content, bodies: dict[str, str]):
    stories = dict(content.stories)
    stories.update((slug, dataclasses.replace(stories[slug], body_html=body)) for slug, body in bodies.items())
    return dataclasses.replace(content, stories=stories)


def patched(content, bodies: dict[str, str]) -> dict[str, bytes]:
    """The index of `content` patched for the new bodies, as the quick edit does it."""
    before = search.outputs(content, TODAY)
    ranks = {s.slug: i for i, s in enumerate(search.story_order(content))}
    edits = [(ranks[slug], search.story_terms(content.stories[slug], content.stories[slug].body_html),
              search.story_terms(content.stories[slug], body)) for slug, body in bodies.items()]
    files, removed = searchpatch.patch(before.__getitem__, edits)
    after = {path: data for path, data in before.items() if path not in removed}
    after.update(files)
    return after


CASES = {
    "one story gains and loses words": {"bench-00007": "<p>楼道亮灯，居民夸赞</p>"},
    "a word only one story has": {"bench-00300": "<p>独一无二的鹦鹉螺</p>"},
    "two stories of one block": {"bench-00003": "<p>鹦鹉螺</p>", "bench-00004": "<p>鹦鹉螺和海马</p>"},
    "stories of several blocks": {"bench-00001": "<p>海马</p>", "bench-00555": "<p>海马 ABC-12</p>",
                                  "bench-00299": "<p>在职党员利用周末到社区报到</p>"},
    "a story loses all its text": {"bench-00100": ""},
}


@pytest.mark.parametrize("bodies", CASES.values(), ids=list(CASES))
def test_a_patched_index_is_the_index_made_afresh(bodies):
    content = with_stories(600)
    assert patched(content, bodies) == search.outputs(edited(content, bodies), TODAY)


def test_a_term_every_story_of_a_block_holds_and_one_gone_from_the_index():
    content = edited(with_stories(600), {"bench-00010": "<p>鹦鹉螺</p>"})
    everyone = {s.slug: s.body_html + "<p>全体都有</p>" for s in content.stories.values() if s.slug.startswith("bench-")}
    full = edited(content, everyone)  # 全体 in every story: "*" postings
    assert patched(full, {"bench-00010": "<p>没有了</p>"}) == search.outputs(edited(full, {"bench-00010": "<p>没有了</p>"}), TODAY)
    back = {"bench-00010": everyone["bench-00010"]}
    assert patched(edited(full, {"bench-00010": "<p>没有了</p>"}), back) == search.outputs(full, TODAY)


def test_pieces_not_written_by_search_py_are_refused():
    content = with_stories(300)
    before = search.outputs(content, TODAY)
    spaced = dict(before, **{search.MANIFEST: before[search.MANIFEST].replace(b",", b", ")})
    with pytest.raises(searchpatch.Unpatchable):
        searchpatch.patch(spaced.__getitem__, [(0, set(), {"鹦鹉"})])
