"""Command line: parses arguments and hands them to one command module. No work is done here.

Each command lives in site_builder/commands/<name>.py and exposes HELP (one Chinese-free line for
--help), add_arguments(parser) and run(args) -> exit status. Every command runs inside
site_builder.guard.protect(): errors of the project's own kind (SiteBuilderError) are printed without a
traceback and exit with status 1; an OSError or any unexpected exception becomes one Chinese line (the
traceback goes to data/logs/site-builder.log), exit 1; Ctrl+C exits 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from site_builder import __version__, guard

# name -> module under site_builder.commands; order is the order of `site-builder --help`.
COMMANDS = ["build", "serve", "check", "new", "ingest", "codes", "ledger", "report", "keys", "collect", "desk"]


class Parser(argparse.ArgumentParser):
    """Malformed command lines exit 1 (argparse's usual 2 means "needs attention" for ingest)."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `only`, just that command's module is imported (a build starts faster)."""
    top = Parser(prog="site-builder", description="三送三促: build the public site, ingest returned records, write private reports.")
    top.add_argument("--version", action="version", version=f"site-builder {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)
    for name in COMMANDS:
        if only is not None and name != only:
            sub.add_parser(name)
            continue
        module = importlib.import_module(f"site_builder.commands.{name}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return top


def chosen(argv: list[str]) -> str | None:
    """The command named on the command line, if it names one."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return guard.protect(argv, _run)


def _run(run: guard.Run) -> int:
    args = parser(chosen(run.argv)).parse_args(run.argv)
    run.args = args
    guard.crash_hook()
    return int(args.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
