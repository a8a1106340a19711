"""Intake channels: one folder per channel (whatsapp/, email/, x/, open311/).

Each turns what arrives into a call of the one submission service in ``complaints.services``,
idempotent by the channel's own message id, and answers through the outbox on the same channel.
This app sits above ``complaints``, ``routing`` and ``notifications``; nothing below imports it.
"""
