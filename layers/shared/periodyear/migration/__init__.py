"""The migration: notice, move, verify, wave planning."""
