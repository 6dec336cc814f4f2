"""`python -m moderation` runs the console script."""

from .cli import main

main()
