"""Adapters: the only code that knows AWS item keys and shapes."""
