"""Shared by every test.

Layout: tests mirror the modules they test (test_<module>.py); fixture content trees named for their
case are in tests/fixtures/content/ (content_trees.py loads them); helpers that write export files and
ledgers are tests/fixtures/exports/exportkit.py and tests/fixtures/ledgers/kit.py, importable by name
(pyproject.toml: [tool.pytest.ini_options] pythonpath); browser tests are in tests/browser/. No test
sleeps for a fixed time: they poll for a condition with a deadline (tests/browser/helpers.poll).
"""

from __future__ import annotations

import pytest

import exportkit


@pytest.fixture
def fixed_clock(monkeypatch):
    """The ledger's clock (when a file was received) fixed, so ingest results are the same every run."""
    monkeypatch.setenv("SITE_BUILDER_NOW", exportkit.NOW)
