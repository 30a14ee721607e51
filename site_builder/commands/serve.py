"""STUB: being written."""

HELP = "serve (not yet available)"


def add_arguments(p) -> None:
    pass


def run(args) -> int:
    from site_builder.errors import SiteBuilderError

    raise SiteBuilderError("serve: not yet available")
