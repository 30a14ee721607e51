"""Private reports for the organisation department (written to build/reports/, never build/site/).

facts.py turns a ledger snapshot into per-member facts that both the public figures (aggregates.py)
and the private reports read; the other modules each build one report from those facts.
"""
