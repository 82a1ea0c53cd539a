"""The register API's routes, one ``Router`` per resource (``periodyear.register.api`` joins them)."""
