"""factory_boy factories for the producers app (re-exported by tests/factories.py)."""
