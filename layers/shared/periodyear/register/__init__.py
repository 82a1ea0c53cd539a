"""The client register's API services (CONTRACT §9): who calls, and what the register allows."""
