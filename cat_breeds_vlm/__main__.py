"""``python -m cat_breeds_vlm ...`` runs the command line."""

from .cli import main

main()
