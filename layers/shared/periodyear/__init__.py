"""Periode & År: billing and migration for the standalone service.

Shipped as the Lambda layer ``layers/shared`` (``/opt/python`` in Lambda).
"""
