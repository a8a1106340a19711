#!/usr/bin/env bash
# Refresh the Arabic and English catalogues from the source, keeping existing translations,
# then fill Arabic msgstrs from a JSON file of {"English msgid": "Arabic"} if one is given,
# and compile. Serialised with flock so several people can run it.
#   scripts/i18n_update.sh [translations.json ...]
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/balagh-i18n.lock
flock 9
PY=.venv/bin/python
$PY manage.py makemessages -l ar -l en --ignore=.venv --ignore=var --ignore=tests -v 0
$PY manage.py makemessages -d djangojs -l ar -l en --ignore=.venv --ignore=var --ignore=tests --ignore='static/vendor/*' -v 0 || true
for f in "$@"; do $PY scripts/po_fill.py locale/ar/LC_MESSAGES/django.po "$f"; done
$PY manage.py compilemessages -v 0 --ignore=.venv
$PY scripts/po_fill.py --report locale/ar/LC_MESSAGES/django.po
