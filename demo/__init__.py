"""The demo municipality: ``manage.py seed_demo`` fills a database with an organisation, staff and reports.

It sits on top of every app (it files reports, routes them and writes their messages);
no app imports it.
"""
