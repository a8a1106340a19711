"""A tiny IMAP4rev1 server on localhost, enough for imapclient: LOGIN, SELECT, UID SEARCH UNSEEN,
UID FETCH BODY.PEEK[], UID STORE +FLAGS (\\Seen), LOGOUT. One folder, messages kept in memory."""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class FakeMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class FakeIMAPState:
    def __init__(self, user: str = "intake", password: str = "secret"):
        self.user, self.password = user, password
        self.messages: list[FakeMessage] = []
        self.commands: list[str] = []
        self.lock = threading.Lock()

    def add(self, raw: bytes) -> int:
        with self.lock:
            uid = len(self.messages) + 1
            self.messages.append(FakeMessage(uid, raw))
            return uid

    def seen(self) -> list[int]:
        return [m.uid for m in self.messages if "\\Seen" in m.flags]


def _args(text: str) -> list[str]:
    return [a if a is not None and a != "" else b for a, b in re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', text)]


class _Handler(socketserver.StreamRequestHandler):
    def send(self, line: bytes | str) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self):
        state: FakeIMAPState = self.server.state
        authed = False
        self.send("* OK [CAPABILITY IMAP4rev1] fake IMAP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            command, _, arguments = rest.partition(" ")
            command = command.upper()
            state.commands.append(command if command != "UID" else "UID " + arguments.split(" ")[0].upper())
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "LOGIN":
                user, password = _args(arguments)[:2]
                if user == state.user and password == state.password:
                    authed = True
                    self.send(f"{tag} OK LOGIN completed")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif not authed:
                self.send(f"{tag} BAD log in first")
            elif command in ("SELECT", "EXAMINE"):
                self.send(f"* {len(state.messages)} EXISTS")
                self.send("* 0 RECENT")
                self.send("* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
                self.send("* OK [UIDVALIDITY 1] UIDs valid")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif command == "UID":
                self.uid_command(tag, arguments, state)
            else:
                self.send(f"{tag} BAD unknown command {command}")

    def uid_command(self, tag: str, arguments: str, state: FakeIMAPState) -> None:
        sub, _, rest = arguments.partition(" ")
        sub = sub.upper()
        with state.lock:
            messages = list(state.messages)
        if sub == "SEARCH":
            wanted = [m.uid for m in messages if "UNSEEN" not in rest.upper() or "\\Seen" not in m.flags]
            self.send("* SEARCH" + "".join(f" {uid}" for uid in wanted))
            self.send(f"{tag} OK SEARCH completed")
            return
        uid_set, _, items = rest.partition(" ")
        uids = {int(u) for u in uid_set.split(",") if u.isdigit()}
        chosen = [(seq, m) for seq, m in enumerate(messages, 1) if m.uid in uids]
        if sub == "FETCH":
            for seq, m in chosen:
                if "PEEK" not in items.upper():
                    m.flags.add("\\Seen")
                self.wfile.write(f"* {seq} FETCH (UID {m.uid} BODY[] {{{len(m.raw)}}}\r\n".encode() + m.raw + b")\r\n")
            self.send(f"{tag} OK FETCH completed")
        elif sub == "STORE":
            for seq, m in chosen:
                if "\\SEEN" in items.upper():
                    m.flags.add("\\Seen")
                self.send(f"* {seq} FETCH (UID {m.uid} FLAGS ({' '.join(sorted(m.flags))}))")
            self.send(f"{tag} OK STORE completed")
        else:
            self.send(f"{tag} BAD unknown UID command")


class FakeIMAPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: FakeIMAPState):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
