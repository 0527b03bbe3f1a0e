"""Fixed demo values. PLACEHOLDER until dev-vault/README.md lands."""
