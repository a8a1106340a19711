"""Open311 GeoReport v2 at ``/open311/v2/`` (XML and JSON), shaped like FixMyStreet's Open311 controller.

- ``statuses.py``: the status map (Balagh status → Open311 open/closed and FixMyStreet's extended status);
- ``params.py``: reading the query and the form body, and the filter table of ``GET requests``;
- ``selectors.py``: what the calls read (no personal data leaves through them);
- ``services.py``: ``POST requests`` through the one submission service;
- ``formatters.py``: one formatter for both XML and JSON;
- ``views.py``, ``urls.py``: thin views; every refusal is an Open311 error list.
"""
