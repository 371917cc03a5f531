"""``python -m sim`` runs the ``govsim`` command."""

from .cli import main

main()
