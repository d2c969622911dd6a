"""python -m measuresearch.cli: the measuresearch command."""

import sys

from measuresearch.cli.main import main

sys.exit(main())
