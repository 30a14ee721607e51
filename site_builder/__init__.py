"""三送三促 site builder: content/ -> build/site/, export files -> ledger -> reports."""

__version__ = "0.1.0"
