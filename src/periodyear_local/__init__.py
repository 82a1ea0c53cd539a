"""Local tooling: provisioning moto from template.yaml, demo data, and the CLI.

Not shipped in the Lambda layer.
"""
