"""``python -m anchor_service.cli`` (used by ``dev`` to start its children)."""

import sys

from anchor_service.cli.main import main

sys.exit(main())
