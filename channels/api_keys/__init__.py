"""API keys for integrating systems (an Open311 client, a partner's back-office).

A key is shown once, when it is made (``manage.py create_api_key``); only its SHA-256 is
stored, with a short visible prefix to find the row. Keys are scoped to channels,
revoked (never deleted, so the timeline's "filed through key X" stays readable) and
throttled per key. The citizens' mobile API stays key-less.
"""
