"""Provider-side commands: python -m portal_app.cli COMMAND --help."""

from portal_app.cli.main import Parser, main

__all__ = ["Parser", "main"]
