"""python -m portal_app.cli."""

import sys

from portal_app.cli.main import main

sys.exit(main())
