"""Changes the search index's pieces in place when only some stories' texts changed (owner: the quick edit).

search.py makes the index from every entry. When a story's text changed but nothing that gives it its
entry id or its row in a fragment did (its date, slug, title, summary and tags), the only thing that
changes is which terms its id is posted under: it gains the terms of its new text that the old lacked
and loses those the new text lacks. This module reads the shards holding those terms, flips the story's
bit in their postings, and names the new shards in the manifest; the fragments stay as they are. The
bytes are the bytes search.outputs() would make from scratch (tests/test_build_cache.py and
tests/test_searchpatch.py compare them); whatever does not look exactly like search.py's own output is
refused (`Unpatchable`), and the build then makes the index as usual.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from typing import Callable

from site_builder import search


class Unpatchable(Exception):
    """The pieces are not what this module can change in place (the caller builds the index as usual)."""


def patch(read: Callable[[str], bytes], edits: list[tuple[int, set[str], set[str]]]) -> tuple[dict[str, bytes], list[str]]:
    """(new or changed pieces, pieces no longer part of the index) after the given story edits, each
    (the story's place among the stories oldest first, its terms before, its terms now). `read(path)`:
    the bytes of a piece of the current index, as search.py wrote them (the caller checks)."""
    manifest_data = read(search.MANIFEST)
    manifest = _canonical(manifest_data, json.loads(manifest_data), b"\n")
    if (manifest.get("format") != search.FORMAT or manifest.get("block") != search.BLOCK
            or manifest.get("hash") != search.HASH_CHARS):
        raise Unpatchable("another index format")
    width, block, first, end = search.HASH_CHARS, manifest["block"], manifest["stories"], manifest["end"]
    names: str = manifest["shards"]
    shards = len(names) // width
    flips: dict[int, dict[str, list[tuple[int, bool]]]] = defaultdict(lambda: defaultdict(list))
    for rank, before, after in edits:
        entry = first + rank
        if not first <= entry < end:
            raise Unpatchable("a story outside the index")
        for term in after - before:
            flips[search.shard_of(term, shards)][term].append((entry, True))
        for term in before - after:
            flips[search.shard_of(term, shards)][term].append((entry, False))
    files: dict[str, bytes] = {}
    removed: list[str] = []
    for n in sorted(flips):
        old_name = f"{search.SHARD_DIR}{n}.{names[n * width:(n + 1) * width]}.json"
        old_data = read(old_name)  # (the bytes the last build wrote: read() checks their digest)
        shard = json.loads(old_data)
        if not isinstance(shard, dict):
            raise Unpatchable("a shard that is not a mapping")
        for term, changes in flips[n].items():
            postings = _flip(shard.get(term, ""), changes, block, end)
            if postings:
                shard[term] = postings
            else:
                shard.pop(term, None)
        data = search._json(shard)
        if data == old_data:
            continue
        digest = search._hash(data)
        files[f"{search.SHARD_DIR}{n}.{digest}.json"] = data
        removed.append(old_name)
        names = names[:n * width] + digest + names[(n + 1) * width:]
    if names != manifest["shards"]:
        files[search.MANIFEST] = search._json({**manifest, "shards": names}) + b"\n"
    return files, removed


def _canonical(data: bytes, value, end: bytes = b"") -> dict:
    """A piece read back, if search.py would write it with these very bytes."""
    if not isinstance(value, dict) or search._json(value) + end != data:
        raise Unpatchable("a piece not as search.py writes it")
    return value


def _flip(postings: str, changes: list[tuple[int, bool]], block: int, end: int) -> str:
    """One term's postings ("block:piece;…", blocks in order) with the given entry ids set or cleared."""
    pieces: dict[int, str] = {}
    for piece in postings.split(";") if postings else ():
        prefix, _, body = piece.partition(":")
        pieces[int(prefix, 36)] = body
    for entry, add in changes:
        number, position = divmod(entry, block)
        full = (1 << min(block, end - number * block)) - 1
        mask = _mask(pieces.get(number), full)
        mask = mask | (1 << position) if add else mask & ~(1 << position)
        if mask:
            pieces[number] = search._piece(mask, full)
        else:
            pieces.pop(number, None)
    return ";".join(f"{search._b36(number)}:{pieces[number]}" for number in sorted(pieces))


def _mask(piece: str | None, full: int) -> int:
    """The bitmap of one block's postings (search._piece, read back)."""
    if not piece:
        return 0
    if piece == "*":
        return full
    if piece.startswith("~"):
        return int.from_bytes(base64.urlsafe_b64decode(piece[1:] + "=" * (-len(piece[1:]) % 4)), "little")
    return sum(1 << int(position, 36) for position in piece.split(","))
