"""site-builder serve: build, serve on 127.0.0.1, rebuild and reload on every change (site_builder/serve.py)."""

from __future__ import annotations

from site_builder.commands.common import add_content_arguments, options_from

HELP = "build and serve the site on 127.0.0.1 with live reload on every change to content or theme"


def add_arguments(p) -> None:
    add_content_arguments(p, out_default=None)
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this computer only)")


def run(args) -> int:
    from site_builder.serve import serve

    serve(options_from(args), host=args.host, port=args.port)
    return 0
