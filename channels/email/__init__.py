"""E-mail intake: ``manage.py receive_email`` (a mail server's pipe) and the IMAP poller.

``parsing`` turns raw RFC 822 bytes into an ``InboundMail`` (any charset, RFC 2047 subjects,
HTML-only bodies, attachments) and says whether it is automatic mail that must never be
answered; ``services.email_receive`` files it (or adds it to the report it replies to);
``mailboxes`` reads a mailbox (IMAP, or a maildir folder for development and tests).
"""
