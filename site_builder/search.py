"""The residents' search index, in pieces (owner: rendering stage; read by theme/static/js/search.js).

At 10,000 stories one search.json of every entry would be several MB on every phone. Instead the index
is split so that one query downloads a few small files (docs/design.md, "Search"):

    search/index.json            the manifest: shard and fragment names, block size, where stories start
                                 (small; precached by the service worker, so /search/ opens offline)
    search/i/<n>.<hash>.json     index shard n: {term: postings} for the terms whose crc32 % shards == n
    search/f/<n>.<hash>.json     fragment n: what the result list shows for entries n*GROUP … n*GROUP+GROUP-1

Every piece's name carries the hash of its bytes, so a phone's cached pieces (the service worker keeps
them, cache first) are never mixed with a newer manifest: a changed piece has a new name.

Terms (`terms()`, mirrored exactly by search.js so the browser needs no segmenter and no dictionary):
every pair of neighbouring CJK characters (so any word, at any place in a sentence, is found by its
pairs: 报到 inside 党员到社区报到服务), every single CJK character of the short text (kind, title, shown
text), and every Latin/digit run and hyphenated code (YG-ZC-01) with its prefixes up to PREFIX_MAX
characters. A query matches the entries that hold all of its terms. Text is lower-cased and full-width
letters and digits folded to ASCII first.

Entry ids: communities, posts, teams and activities still to come first, then stories from the oldest
on, starting at a block boundary, so a new story gets the next id and the other ids stay put (only the
pieces that really change get new names). The browser lists the non-story entries first, then stories
newest first. Postings are stored per block of BLOCK ids; a block's postings are memoised by the hash of
its entries' texts, so a rebuild after one edit re-inverts one block.

Only public content: communities, posts, teams, activities to come and stories (title, summary, tags,
text; names of members a story names are left out of the index). Nothing from data/.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import gc
import hashlib
import html
import json
import operator
import re
import zlib
from collections import defaultdict
from itertools import chain
from typing import Callable, MutableMapping, NamedTuple

from site_builder.model import Content

MANIFEST = "search/index.json"
SHARD_DIR = "search/i/"
FRAGMENT_DIR = "search/f/"
PIECES = (SHARD_DIR, FRAGMENT_DIR)  # named by their content, fetched by search.js only (never linked)
FORMAT = 1
MEMO_VERSION = "1"  # part of every memo key: change it whenever terms() or _piece() change what they return
BLOCK = 256  # ids per postings block (the unit of memoised inversion)
BLOCK_PREFIX = f"b{MEMO_VERSION}:"  # memo keys of a block's postings (the build cache keeps only these)
GROUP = 16  # entries per fragment file
PREFIX_MAX = 16  # Latin/digit terms are indexed with their prefixes up to this length
SHOWN_CHARS = 120  # text shown under a result
DOCS_PER_SHARD = 80  # shards = the power of two at or above entries / DOCS_PER_SHARD …
MIN_SHARDS, MAX_SHARDS = 4, 1024  # … within these bounds (stable while the site grows: few renames)
HASH_CHARS = 8  # a piece's name: <number>.<first HASH_CHARS hex digits of the sha256 of its bytes>.json
NO_PIECE = "-" * HASH_CHARS  # in the manifest's fragment list: ids no entry has
KINDS = ("社区", "服务岗位", "志愿服务队", "活动", "典型案例")  # index = kind code in fragments
COMMUNITY, POST, TEAM, ACTIVITY, STORY = range(len(KINDS))

# BMP CJK ideographs (Extension A, URO, compatibility ideographs); search.js uses the same ranges.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FULLWIDTH = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_add = operator.add


class Entry(NamedTuple):
    kind: int  # index into KINDS
    url: str  # site path
    title: str
    shown: str  # text shown under the title (SHOWN_CHARS at most)
    short: str  # kind, title and the whole of the shown text: searched by characters and pairs
    text: str | Callable[[], str]  # the rest (a story's text, made only when its terms are not memoised):
    # searched by pairs, so a single character finds short text only
    key: bytes = b""  # what identifies short and text for the memo (a story: its digest); b"": their hash

    def memo_key(self) -> bytes:
        if self.key:
            return self.key
        return _text_key(self.short + "\0" + self.full_text())

    def full_text(self) -> str:
        return self.text() if callable(self.text) else self.text


# ---- terms (keep in step with termsOf() in theme/static/js/search.js) ----------------------------------

def normalise(text: str) -> str:
    """Lower case; full-width letters and digits (ＹＧ１２) as ASCII, as search.js does with the query."""
    text = text.lower()
    if _FULLWIDTH.search(text):
        text = _FULLWIDTH.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text).lower()
    return text


def terms(short: str, text: str = "") -> set[str]:
    """Every term of an entry: each CJK character of `short`, each pair of neighbouring CJK characters
    of both; Latin/digit runs and codes (yg-zc-01, and zc-01, 01 from it) with their prefixes."""
    short = normalise(short)
    whole = f"{short}\n{normalise(text)}"
    short_runs = _CJK.findall(short)
    runs = set(_CJK.findall(whole))  # a run repeated in the text is split once
    found = set("".join(short_runs))
    joined = "\0".join(runs)
    found.update(map(_add, joined, joined[1:]))
    found.difference_update([r[-1] + "\0" for r in runs], ["\0" + r[0] for r in runs])
    words = set(_WORD.findall(whole))
    found.update(chain.from_iterable(map(_prefixes, words)))
    for word in words:
        start = word.find("-") + 1
        while start:  # a code is also found from any of its parts on: zc-01 and 01 in yg-zc-01
            found.update(_prefixes(word[start:]))
            start = word.find("-", start) + 1
    return found


def _prefixes(word: str, known: dict[str, list[str]] = {}) -> list[str]:  # noqa: B006 (a cache on purpose)
    found = known.get(word)
    if found is None:
        found = [word[:n] for n in range(1, min(len(word), PREFIX_MAX) + 1) if word[n - 1] != "-"]
        if len(known) < 100_000:
            known[word] = found
    return found


def shard_of(term: str, shards: int) -> int:
    """The shard holding a term: crc32 of its UTF-8 bytes modulo the shard count (search.js: crc32)."""
    return zlib.crc32(term.encode("utf-8")) % shards


# ---- entries -------------------------------------------------------------------------------------------

def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _entry(kind: int, url: str, title: str, shown: str, more: str = "") -> Entry:
    shown = _clean(shown)
    return Entry(kind, url, title, shown[:SHOWN_CHARS], f"{KINDS[kind]} {title} {shown}", more)


def entries(content: Content, today: dt.date) -> tuple[list[Entry], list[Entry]]:
    """(other entries in listing order, stories oldest first): public content only."""
    others = [_entry(COMMUNITY, f"/communities/{c.id}/", c.name, f"{c.street} {c.description}", c.code)
              for c in content.communities.values()]
    for post in sorted(content.posts.values(), key=lambda p: p.code):
        community = content.communities[post.community].name
        category = content.categories[post.category].name
        others.append(_entry(POST, f"/posts/{post.code}/", post.title,
                             f"{post.code} {community} {category} {post.duties} {post.schedule} {post.place}",
                             post.role or ""))
    others += [_entry(TEAM, f"/teams/{t.id}/", t.name, f"{t.summary} {' '.join(s.name for s in t.services)}",
                      " ".join(s.description for s in t.services))
               for t in content.teams.values()]
    for activity in sorted(content.activities.values(), key=lambda a: (a.starts_at, a.id)):
        if activity.date >= today:
            when = f"{activity.date.month}月{activity.date.day}日"
            others.append(_entry(ACTIVITY, f"/activities/{activity.id}/", activity.title,
                                 f"{when} {activity.place} {activity.description}"))
    stories = [_story_entry(content, s) for s in story_order(content)]
    return others, stories


def story_order(content: Content) -> list:
    """The stories in the order of their entry ids: oldest first (a new story gets the next id)."""
    return sorted(content.stories.values(), key=lambda s: (s.date, s.slug))


def story_terms(story, body_html: str) -> set[str]:
    """The terms of a story's entry, given its body (what _block inverts; the quick edit compares them)."""
    entry = _story_entry(None, dataclasses.replace(story, digest="", body_html=body_html))  # type: ignore[arg-type]
    return terms(entry.short, entry.full_text())


def _story_entry(content: Content, story) -> Entry:
    """A story's entry; its text is made from its body only when the memo does not know its terms (a
    story with a digest is known by it: the build cache keeps bodies out of memory until asked)."""
    entry = _entry(STORY, f"/stories/{story.slug}/", story.title, f"{story.summary} {' '.join(story.tags)}")
    if story.digest:
        key = hashlib.blake2b(f"story:{story.digest}".encode(), digest_size=16).digest()
        return entry._replace(text=lambda: _story_text(story, content.body(story)), key=key)
    return entry._replace(text=_story_text(story, story.body_html))


def _story_text(story, body_html: str) -> str:
    """The story's text without markup, and without the names of members it names (they stay on its page)."""
    text = html.unescape(_TAG.sub(" ", body_html))
    for member in story.members:
        if member.name:
            text = text.replace(member.name, " ")
    return text


# ---- the pieces ----------------------------------------------------------------------------------------

def outputs(content: Content, today: dt.date, memo: MutableMapping | None = None) -> dict[str, bytes]:
    """{output path: bytes} of the manifest, the shards and the fragments. A pure function of the content
    and the day: the same input gives the same bytes. `memo` (any MutableMapping, kept by the caller
    between builds) maps a text's hash to its terms and a block's hash to its postings, so a rebuild
    splits and inverts only what changed; without it everything is computed afresh (same bytes)."""
    memo = {} if memo is None else memo
    collecting = gc.isenabled()
    gc.disable()  # a cold build makes ~10^6 small objects; the collector would rescan them many times
    try:
        return _outputs(content, today, memo)
    finally:
        if collecting:
            gc.enable()


def _outputs(content: Content, today: dt.date, memo: MutableMapping) -> dict[str, bytes]:
    others, stories = entries(content, today)
    first_story = max(BLOCK, -(-len(others) // BLOCK) * BLOCK)
    ids = {i: e for i, e in enumerate(others)}
    ids.update((first_story + i, e) for i, e in enumerate(stories))
    end = first_story + len(stories)
    shards = _shard_count(len(ids))

    postings: dict[str, list[str]] = defaultdict(list)
    for block_start in range(0, max(end, 1), BLOCK):
        members = [ids.get(i) for i in range(block_start, min(block_start + BLOCK, end))]
        if not any(members):
            continue
        pieces = _block(members, memo)
        prefix = _b36(block_start // BLOCK) + ":"
        for term, piece in pieces.items():
            postings[term].append(prefix + piece)

    by_shard: list[dict[str, str]] = [{} for _ in range(shards)]
    for term in sorted(postings):
        by_shard[shard_of(term, shards)][term] = ";".join(postings[term])
    files: dict[str, bytes] = {}
    shard_names = []
    for n, shard in enumerate(by_shard):
        data = _json(shard)
        shard_names.append(_hash(data))
        files[f"{SHARD_DIR}{n}.{shard_names[-1]}.json"] = data

    fragment_names: list[str] = []
    for group_start in range(0, end, GROUP):
        rows = [ids.get(i) for i in range(group_start, min(group_start + GROUP, end))]
        if not any(rows):
            fragment_names.append(NO_PIECE)
            continue
        data = _json([[e.kind, e.url, e.title, e.shown] if e else None for e in rows])
        fragment_names.append(_hash(data))
        files[f"{FRAGMENT_DIR}{group_start // GROUP}.{fragment_names[-1]}.json"] = data

    manifest = {
        "format": FORMAT, "base": content.site.base_path, "kinds": list(KINDS),
        "block": BLOCK, "group": GROUP, "prefix_max": PREFIX_MAX,
        "entries": len(ids), "stories": first_story, "end": end,
        "hash": HASH_CHARS, "shards": "".join(shard_names), "fragments": "".join(fragment_names),
    }
    files[MANIFEST] = _json(manifest) + b"\n"
    return files


def _block(members: list[Entry | None], memo: MutableMapping) -> dict[str, str]:
    """{term: postings of this block}; postings are positions within the block (see _piece)."""
    keys = [e.memo_key() if e else b"" for e in members]
    block_key = BLOCK_PREFIX + hashlib.blake2b(b"\0".join(keys) + len(keys).to_bytes(4, "big"), digest_size=16).hexdigest()
    cached = memo.get(block_key)
    if cached is not None:
        return cached
    masks: dict[str, int] = defaultdict(int)
    for position, (entry, key) in enumerate(zip(members, keys)):
        if entry is None:
            continue
        token_key = f"t{MEMO_VERSION}:" + key.hex()
        found = memo.get(token_key)
        if found is None:
            found = memo[token_key] = tuple(terms(entry.short, entry.full_text()))
        bit = 1 << position
        for term in found:
            masks[term] |= bit
    full = (1 << len(members)) - 1
    pieces = {term: _piece(mask, full) for term, mask in masks.items()}
    memo[block_key] = pieces
    return pieces


def _piece(mask: int, full: int) -> str:
    """One block's postings: "*" every position; "~" + base64url of the bitmap (little-endian bytes) when
    that is shorter; else base36 positions separated by ","."""
    if mask == full:
        return "*"
    count = mask.bit_count()
    if count > 12:
        return "~" + base64.urlsafe_b64encode(mask.to_bytes(BLOCK // 8, "little")).decode("ascii").rstrip("=")
    positions = []
    while mask:
        low = mask & -mask
        positions.append(_b36(low.bit_length() - 1))
        mask ^= low
    return ",".join(positions)


def _text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _shard_count(entries: int) -> int:
    shards = MIN_SHARDS
    while shards < MAX_SHARDS and shards * DOCS_PER_SHARD < entries:
        shards *= 2
    return shards


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n < 36:
        return digits[n]
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_CHARS]


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


# ---- the browser's side, in Python (tests and benchmarks/search_index.py; search.js is the real one) ----

def query_terms(query: str) -> list[str]:
    """The terms a query needs (every one, in the same entry). Mirrors queryTerms() in search.js."""
    text = normalise(query)
    needed: list[str] = []
    for run in _CJK.findall(text):
        needed += [run] if len(run) == 1 else [a + b for a, b in zip(run, run[1:])]
    needed += [word[:PREFIX_MAX].rstrip("-") for word in _WORD.findall(text)]
    return list(dict.fromkeys(needed))


def decode(postings: str, block: int, end: int) -> list[int]:
    """Entry ids of one term's postings string (see _piece)."""
    ids: list[int] = []
    for piece in postings.split(";"):
        number, _, body = piece.partition(":")
        start = int(number, 36) * block
        if body == "*":
            ids.extend(range(start, min(start + block, end)))
        elif body.startswith("~"):
            raw = base64.urlsafe_b64decode(body[1:] + "=" * (-len(body[1:]) % 4))
            mask = int.from_bytes(raw, "little")
            ids.extend(start + i for i in range(block) if mask >> i & 1)
        else:
            ids.extend(start + int(p, 36) for p in body.split(","))
    return ids


def run_query(files: dict[str, bytes], query: str, shown: int = 20) -> tuple[list[Entry], int, set[str]]:
    """(the first `shown` results as search.js lists them, how many there are, the files it fetches)."""
    manifest = json.loads(files[MANIFEST])
    fetched = {MANIFEST}
    width = manifest["hash"]
    names = lambda key, n: manifest[key][n * width:(n + 1) * width]  # noqa: E731
    count = len(manifest["shards"]) // width

    def shard(term: str) -> dict[str, str]:
        n = shard_of(term, count)
        path = f"{SHARD_DIR}{n}.{names('shards', n)}.json"
        fetched.add(path)
        return json.loads(files[path])

    found: set[int] | None = None
    for term in query_terms(query):
        postings = shard(term).get(term)
        ids = set(decode(postings, manifest["block"], manifest["end"])) if postings else set()
        found = ids if found is None else found & ids
    if not found:
        return [], 0, fetched
    first = manifest["stories"]
    ordered = sorted(found, key=lambda i: (i >= first, -i if i >= first else i))
    results = []
    for i in ordered[:shown]:
        n = i // manifest["group"]
        path = f"{FRAGMENT_DIR}{n}.{names('fragments', n)}.json"
        fetched.add(path)
        kind, url, title, text = json.loads(files[path])[i % manifest["group"]]
        results.append(Entry(kind, url, title, text, "", ""))
    return results, len(found), fetched
