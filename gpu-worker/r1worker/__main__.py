"""`python -m r1worker …`; see `r1worker.cli`."""

import sys

from r1worker.cli import main

if __name__ == "__main__":
    sys.exit(main())
