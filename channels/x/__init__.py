"""X (Twitter) intake: a beat task polls the mentions of the municipality's account and files each.

``backends`` talks to X (the API v2 over HTTP, or a fake fed from a JSON file for development and
tests); ``services`` files a mention to triage and replies publicly with the tracking number only.
"""
