"""Building test e-mails the way real clients send them."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from pathlib import Path

from tests.factories import photo_file

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def mail(
    *,
    sender: str = "Sara <sara@example.org>",
    subject: str = "حفرة في الشارع",
    body: str = "توجد حفرة عميقة في شارع الملك فهد أمام المسجد.",
    message_id: str | None = "<m1@example.org>",
    headers: dict | None = None,
    photos: int = 0,
    files: Sequence[tuple[str, str, bytes]] = (),
    charset: str = "utf-8",
    html: str | None = None,
) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = "balagh@city.example"
    message["Subject"] = subject
    message["Date"] = "Sat, 05 Dec 2026 09:14:00 +0300"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html.encode(charset), maintype="text", subtype="html", params={"charset": charset})
    elif charset == "utf-8":
        message.set_content(body)
    else:
        message.set_content(body.encode(charset), maintype="text", subtype="plain", params={"charset": charset})
    for i in range(photos):
        message.add_attachment(photo_file().read(), maintype="image", subtype="jpeg", filename=f"photo-{i}.jpg")
    for filename, content_type, data in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def encoded_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="
