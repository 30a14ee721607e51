"""STUB: being written."""

HELP = "ledger (not yet available)"


def add_arguments(p) -> None:
    pass


def run(args) -> int:
    from site_builder.errors import SiteBuilderError

    raise SiteBuilderError("ledger: not yet available")
