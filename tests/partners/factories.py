"""factory_boy factories for the partners app (re-exported by tests/factories.py)."""
