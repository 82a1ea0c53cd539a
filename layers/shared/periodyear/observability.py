"""The one structured logger of the package (Powertools; service name from the environment)."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "periodyear"))
