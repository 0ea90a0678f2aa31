"""The terminal console: the chat commands, typed as one chosen person, on the same store.

`run_console` reads lines from any text stream and writes to any other, so the REPL is
driven by tests exactly as a person drives it; on a real terminal it reads through
`input()` (with readline history when the platform has it).
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import select

from bot.console.forms import Cancelled, fill_form
from bot.console.pictures import default_folder, save_picture
from bot.console.render import render_card, render_notice
from bot.edge import Clock, system_clock
from bot.normalise import clean_text
from handlers.core.desk import Desk, Inbound
from handlers.core.types import Notice, Outcome, Where
from storage.models import Person
from storage.regions import search_regions

PLATFORM = "console"
LEAVE = frozenset({"quit", "exit", "bye", ":q"})
CONSOLE_WHERE = Where(platform=PLATFORM, channel_id="console", channel_name="console")


class LineIO:
    """Prompts and answers over two streams; a real terminal gets `input()` and history."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.terminal = stdin is sys.stdin and stdout is sys.stdout and _isatty(stdin)
        if self.terminal:
            _enable_history()

    def ask(self, prompt: str) -> str | None:
        if self.terminal:
            try:
                return clean_text(input(prompt))
            except EOFError:
                self.say("")
                return None
        self.stdout.write(prompt)
        line = self.stdin.readline()
        if not line:
            self.say("")
            return None
        # piped input: echo it, so the transcript reads like a conversation
        self.stdout.write(line if line.endswith("\n") else line + "\n")
        return clean_text(line.rstrip("\r\n"))

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _enable_history() -> None:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (imported for its side effect on input())


def run_console(
    desk: Desk,
    person: str,
    stdin: TextIO,
    stdout: TextIO,
    *,
    clock: Clock = system_clock,
    width: int | None = None,
    pictures: Path | None = None,
) -> int:
    """Answer commands typed as the console identity `person` until quit or end of input.

    Charts are saved as PNG files in `pictures` (a folder in the temporary directory by
    default). Returns how many commands were run.
    """
    io = LineIO(stdin, stdout)
    width = width or min(shutil.get_terminal_size((100, 24)).columns, 140)
    session = _ConsoleSession(desk, person, io, clock, width, pictures or default_folder())
    return session.loop()


class _ConsoleSession:
    def __init__(self, desk: Desk, person: str, io: LineIO, clock: Clock, width: int,
                 pictures: Path) -> None:
        self.desk = desk
        self.person = person
        self.io = io
        self.clock = clock
        self.width = width
        self.pictures = pictures

    def loop(self) -> int:
        ran = 0
        while True:
            try:
                line = self.io.ask(f"{self.person}> ")
            except KeyboardInterrupt:
                # Ctrl-C drops the line being typed, as in a shell; Ctrl-D leaves
                self.io.say("")
                continue
            if line is None:
                return ran
            text = line.strip()
            if not text:
                continue
            if text.lower() in LEAVE:
                return ran
            ran += 1
            self.show(self.send(text))

    def send(self, text: str, form: dict[str, object] | None = None) -> Outcome:
        return self.desk.handle(Inbound(
            platform=PLATFORM, user_id=self.person, text=text, now=self._now(),
            where=CONSOLE_WHERE, form=form,
        ))

    def _now(self) -> datetime:
        return self.clock()

    def show(self, outcome: Outcome) -> None:
        while outcome.opens_form and outcome.reply.form is not None:
            form = outcome.reply.form
            if outcome.reply.text or outcome.reply.tone == "error":
                self.io.say(render_card(outcome.reply, self.width))
            try:
                values = fill_form(form, self.io, self._search_regions)
            except Cancelled:
                self.io.say("Form abandoned; nothing was sent.")
                return
            outcome = self.send(form.submit_command, values)
        self.io.say(render_card(outcome.reply, self.width))
        saved = save_picture(outcome.reply, self.pictures,
                             self._now().astimezone(self.desk.config.timezone))
        if saved is not None:
            self.io.say(f"  Chart saved to {saved}")
        self._show_notices(outcome.notices)
        self.io.say("")

    def _show_notices(self, notices: tuple[Notice, ...]) -> None:
        if not notices:
            return
        names = self._names({n.audience.person_id for n in notices if n.audience.person_id})
        for notice in notices:
            self.io.say(render_notice(notice, _whom(notice, names)))

    def _names(self, ids: set[int | None]) -> dict[int, str]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        with self.desk.db.read() as session:
            rows = session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted)))
            return {person_id: name for person_id, name in rows}

    def _search_regions(self, text: str) -> list[tuple[str, str]]:
        with self.desk.db.read() as session:
            return [(r.code, r.name) for r in search_regions(session, text)]


def _whom(notice: Notice, names: dict[int, str]) -> str:
    audience = notice.audience
    if audience.kind == "places":
        return f"#{audience.purpose}"
    if audience.kind == "person" and audience.person_id is not None:
        return f"@{names.get(audience.person_id, f'person {audience.person_id}')}"
    return "secretariat"

