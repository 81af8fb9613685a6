"""``python -m worldsmith``: the same command line as the ``worldsmith`` script."""
import sys

from .cli import main

sys.exit(main())
