"""A person's own account: log-in throttling (throttle.py), password change and reset by email
(views.py, forms.py), and their history (services.py). Sessions and headers: core/security.py."""
