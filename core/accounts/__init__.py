"""A person's own account: log-in throttling (throttle.py) and its history (services.py)."""
