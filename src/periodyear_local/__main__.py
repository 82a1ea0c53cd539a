import sys

from periodyear_local.cli import main

sys.exit(main())
