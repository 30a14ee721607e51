"""Checks that every internal link and asset reference in the output resolves (owner: rendering stage). STUB."""

from __future__ import annotations


def check(outputs: dict[str, bytes], base_path: str) -> list:
    return []
