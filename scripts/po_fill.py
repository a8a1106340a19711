"""Fill empty msgstrs of a .po file from a JSON dict {msgid: translation}; or --report the untranslated.

Handles plain and plural entries (for plurals the JSON value is a list of forms).
Removes the fuzzy flag on entries it fills.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any


def parse(text: str) -> list[dict]:
    entries: list[dict] = []
    cur: dict[str, Any] | None = None
    key: str | None = None
    for line in text.splitlines():
        if not line.strip():
            if cur:
                entries.append(cur)
            cur, key = None, None
            continue
        starts_entry = line.startswith("#") or line.startswith("msgid ") or line.startswith("msgctxt ")
        if cur is not None and starts_entry and any(k.startswith("msgstr") for k in cur["fields"]):
            entries.append(cur)
            cur, key = None, None
        if cur is None:
            cur = {"comments": [], "fields": {}, "order": []}
        if line.startswith("#"):
            cur["comments"].append(line)
            continue
        m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if m:
            key = m.group(1)
            cur["fields"][key] = m.group(2)
            cur["order"].append(key)
        elif line.startswith('"') and key:
            cur["fields"][key] += line[1:-1]
    if cur:
        entries.append(cur)
    return entries


def unescape(s: str) -> str:
    return s.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def dump(entries: list[dict]) -> str:
    out = []
    for e in entries:
        lines = list(e["comments"])
        for k in e["order"]:
            lines.append(f'{k} "{e["fields"][k]}"')
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if argv[0] == "--report":
        entries = parse(open(argv[1], encoding="utf-8").read())
        missing = [
            unescape(e["fields"]["msgid"])
            for e in entries
            if e["fields"].get("msgid")
            and not any(v for k, v in e["fields"].items() if k.startswith("msgstr"))
            or any("fuzzy" in c for c in e["comments"] if c.startswith("#,"))
        ]
        missing = [m for m in missing if m]
        print(f"{argv[1]}: {len(missing)} untranslated or fuzzy")
        for m in missing[:200]:
            print("  -", m.replace("\n", "\\n")[:120])
        return 0
    path, dict_path = argv
    table = json.load(open(dict_path, encoding="utf-8"))
    entries = parse(open(path, encoding="utf-8").read())
    filled = 0
    for e in entries:
        msgid = unescape(e["fields"].get("msgid", ""))
        if not msgid and "msgid" in e["fields"]:  # the header: no longer a draft
            e["comments"] = [c for c in e["comments"] if c.strip() != "#, fuzzy"]
            continue
        if msgid not in table:
            continue
        value = table[msgid]
        fuzzy = any(c.startswith("#,") and "fuzzy" in c for c in e["comments"])
        if "msgid_plural" in e["fields"]:
            forms = value if isinstance(value, list) else [value]
            for k in list(e["fields"]):
                if k.startswith("msgstr["):
                    i = int(k[7:-1])
                    if fuzzy or not e["fields"][k]:
                        e["fields"][k] = escape(forms[min(i, len(forms) - 1)])
                        filled += 1
        elif fuzzy or not e["fields"].get("msgstr"):
            e["fields"]["msgstr"] = escape(value if isinstance(value, str) else value[0])
            filled += 1
        if fuzzy:
            e["comments"] = [
                c if not c.startswith("#,") else c.replace(", fuzzy", "").replace("fuzzy, ", "").replace("fuzzy", "")
                for c in e["comments"]
            ]
            e["comments"] = [c for c in e["comments"] if c.strip() not in ("#,", "#, ")]
    open(path, "w", encoding="utf-8").write(dump(entries))
    print(f"{path}: filled {filled}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
