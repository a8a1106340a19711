"""WhatsApp Cloud API: the webhook, the guided conversation, media, outbound messages.

- ``views.py`` / ``urls.py``: ``/webhooks/whatsapp/`` (verification GET, signed POSTs stored at once).
- ``services.py``: storing what arrives (idempotent by wamid) and processing one stored message.
- ``conversation.py``: the guided conversation (description, location, type, confirmation).
- ``media.py``: media fetchers (a folder on disk, the Graph API); ``transport.py``: signatures and
  the outbound backends the outbox uses (console, file, Graph API).
- ``tasks.py``: processing on the worker, the pick-up of stored messages, abandoned conversations.
"""
