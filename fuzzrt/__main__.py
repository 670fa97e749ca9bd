"""``python -m fuzzrt``: the same CLI as the ``fuzzrt`` console script."""
import sys

from fuzzrt.cli import main

sys.exit(main())
