"""Talking to X, chosen by ``X_BACKEND`` like the SMS backends.

- ``api``: the X API v2 over HTTPS (``X_API_URL``) with ``X_BEARER_TOKEN``, a user-context token of
  the municipality's account (scopes ``tweet.read users.read tweet.write``): ``GET
  /users/{X_ACCOUNT_ID}/mentions`` and ``POST /tweets``.
- ``fake``: development and tests. Mentions come from ``X_FAKE_MENTIONS_FILE``, a JSON document in
  the same shape as the API's answer (``data``, ``includes.users``); replies are appended to
  ``X_FAKE_REPLIES_FILE`` as JSON lines.

Both read the same document shape through ``mentions_from_payload``, so the fake exercises the
parsing the API needs.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils.dateparse import parse_datetime

MAX_PAGES = 5  # 500 mentions per poll; the rest come on the next poll


class XError(Exception):
    """X did not answer as expected; the poll or the reply is tried again later."""


@dataclass
class Mention:
    id: str
    text: str
    author_id: str
    username: str = ""
    created_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    in_reply_to: str = ""  # the tweet this one answers, if any
    is_retweet: bool = False
    lang: str = ""
    extra: dict = field(default_factory=dict)


def _point(tweet: dict) -> tuple[float, float] | tuple[None, None]:
    """The exact geotag (GeoJSON ``[lon, lat]``); a tagged place (a whole town) is no pin."""
    try:
        coordinates = tweet["geo"]["coordinates"]["coordinates"]
        lon, lat = float(coordinates[0]), float(coordinates[1])
    except (TypeError, ValueError, IndexError, KeyError):
        return None, None
    return lat, lon


def mentions_from_payload(payload: dict) -> list[Mention]:
    """The mentions of one API answer (or the fake's file), oldest first; malformed entries are skipped."""
    users = {u.get("id"): u.get("username", "") for u in (payload.get("includes") or {}).get("users", []) if isinstance(u, dict)}
    out = []
    for tweet in payload.get("data") or []:
        if not isinstance(tweet, dict) or not str(tweet.get("id", "")).isdigit() or not isinstance(tweet.get("text"), str):
            continue
        references = {r.get("type"): str(r.get("id", "")) for r in tweet.get("referenced_tweets") or [] if isinstance(r, dict)}
        created = parse_datetime(tweet["created_at"]) if isinstance(tweet.get("created_at"), str) else None
        lat, lon = _point(tweet)
        author = str(tweet.get("author_id", ""))
        out.append(
            Mention(
                id=str(tweet["id"]),
                text=tweet["text"],
                author_id=author,
                username=users.get(author, "") or "",
                created_at=created,
                lat=lat,
                lon=lon,
                in_reply_to=references.get("replied_to", ""),
                is_retweet="retweeted" in references,
                lang=str(tweet.get("lang", "")),
                extra={"place_id": (tweet.get("geo") or {}).get("place_id", "")} if tweet.get("geo") else {},
            )
        )
    out.sort(key=lambda m: int(m.id))
    return out


class BaseXBackend:
    def mentions(self, *, since_id: str = "") -> list[Mention]:  # pragma: no cover - interface
        raise NotImplementedError

    def reply(self, *, in_reply_to: str, text: str, key: str) -> str:  # pragma: no cover - interface
        """Post ``text`` as a public reply; return our tweet's id."""
        raise NotImplementedError


class FakeXBackend(BaseXBackend):
    _lock = threading.Lock()

    def __init__(self, mentions_file: str | None = None, replies_file: str | None = None):
        self.mentions_file = Path(mentions_file or settings.X_FAKE_MENTIONS_FILE)
        self.replies_file = Path(replies_file or settings.X_FAKE_REPLIES_FILE)

    def mentions(self, *, since_id: str = "") -> list[Mention]:
        if not self.mentions_file.exists():
            return []
        try:
            payload = json.loads(self.mentions_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise XError(f"{self.mentions_file}: {exc}") from exc
        if not isinstance(payload, dict):
            raise XError(f"{self.mentions_file}: expected a JSON object with a data list")
        found = mentions_from_payload(payload)
        return [m for m in found if not since_id or int(m.id) > int(since_id)]

    def replies(self) -> list[dict]:
        if not self.replies_file.exists():
            return []
        return [json.loads(line) for line in self.replies_file.read_text(encoding="utf-8").splitlines() if line.strip()]

    def reply(self, *, in_reply_to: str, text: str, key: str) -> str:
        with self._lock:
            for sent in self.replies():
                if sent.get("key") == key:  # already posted: the same answer, not a second one
                    return sent["id"]
            reply_id = str(9_000_000_000_000_000_000 + len(self.replies()) + 1)
            self.replies_file.parent.mkdir(parents=True, exist_ok=True)
            line = {"id": reply_id, "in_reply_to_tweet_id": in_reply_to, "text": text, "key": key}
            with self.replies_file.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return reply_id


class APIXBackend(BaseXBackend):
    def __init__(self, *, base_url: str | None = None, token: str | None = None, account_id: str | None = None, timeout=None):
        self.base_url = (base_url or settings.X_API_URL).rstrip("/")
        self.token = token or settings.X_BEARER_TOKEN
        self.account_id = account_id or settings.X_ACCOUNT_ID
        self.timeout = timeout if timeout is not None else settings.X_API_TIMEOUT

    def _call(self, method: str, path: str, *, query: dict | None = None, body: dict | None = None) -> dict:
        url = f"{self.base_url}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(5 * 1024 * 1024)
        except urllib.error.HTTPError as exc:
            raise XError(f"X answered HTTP {exc.code} to {method} {path}") from exc
        except (TimeoutError, OSError) as exc:
            raise XError(f"X unreachable or timed out after {self.timeout:g} s: {getattr(exc, 'reason', exc)}") from exc
        try:
            payload = json.loads(raw or b"{}")
        except ValueError as exc:
            raise XError(f"X answered something that is not JSON to {method} {path}") from exc
        if not isinstance(payload, dict):
            raise XError(f"X answered an unexpected document to {method} {path}")
        return payload

    def mentions(self, *, since_id: str = "") -> list[Mention]:
        query = {
            "max_results": "100",
            "tweet.fields": "created_at,author_id,geo,lang,referenced_tweets",
            "expansions": "author_id",
            "user.fields": "username",
        }
        if since_id:
            query["since_id"] = since_id
        found: list[Mention] = []
        for _page in range(MAX_PAGES):
            payload = self._call("GET", f"/users/{self.account_id}/mentions", query=query)
            found += mentions_from_payload(payload)
            token = (payload.get("meta") or {}).get("next_token")
            if not token:
                break
            query["pagination_token"] = token
        found.sort(key=lambda m: int(m.id))
        return found

    def reply(self, *, in_reply_to: str, text: str, key: str) -> str:
        payload = self._call("POST", "/tweets", body={"text": text, "reply": {"in_reply_to_tweet_id": in_reply_to}})
        reply_id = str((payload.get("data") or {}).get("id", ""))
        if not reply_id:
            raise XError("X accepted the reply but gave no id")
        return reply_id


def get_x_backend() -> BaseXBackend:
    return APIXBackend() if settings.X_BACKEND == "api" else FakeXBackend()
