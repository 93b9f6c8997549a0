"""A progress line for long runs, on stderr, only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from changzhi_stats.report.cli_messages import message


class TerminalProgress:
    """Callable as ``progress(rows, bytes_done, bytes_total)``; redraws at most 4 times a second."""

    def __init__(
        self, stream: TextIO | None = None, interval: float = 0.25, lang: str = "en"
    ) -> None:
        self.lang = lang
        self.stream = stream or sys.stderr
        self.interval = interval
        self.started = time.monotonic()
        self.last = 0.0
        self.drawn = False

    @classmethod
    def for_terminal(cls, lang: str = "en") -> TerminalProgress | None:
        return cls(lang=lang) if sys.stderr.isatty() else None

    def __call__(self, rows: int, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        elapsed = now - self.started
        line = message("progress.rows", self.lang, rows=f"{rows:,}")
        if total and done:
            share = min(done / total, 1.0)
            left = elapsed * (1 - share) / share if share else 0
            line += message(
                "progress.share",
                self.lang,
                share=f"{share:.0%}",
                total=f"{total / 1e6:,.1f}",
                left=f"{left:,.0f}",
            )
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
