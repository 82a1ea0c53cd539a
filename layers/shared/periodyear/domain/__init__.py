"""The pure domain: no AWS, no clock. Every function takes what it needs as arguments."""
