"""One date format for every page, list, export and message (docs/languages.md).

``FORMAT_MODULE_PATH`` points here: ``{{ value }}``, ``|date`` with no argument, ``|date:"DATE_FORMAT"``
and the admin all write ``2026-11-25`` and ``2026-11-25 14:20`` in Arabic and in English, in
Western digits, the same as the tracking number, the SMS and the exports.
"""
