"""Entry point for ``python -m azint``."""

from azint.cli import main

main()
