"""Errors a command answers with a clear message (and the usage line), never a traceback."""

from __future__ import annotations


class CommandError(Exception):
    """The request cannot be done as asked; `message` says why. Nothing is changed."""

    def __init__(self, message: str, *, show_usage: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.show_usage = show_usage


class NotAllowed(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, show_usage=False)


class NotFound(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, show_usage=False)
