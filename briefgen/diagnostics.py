"""What a build tells its user: warnings and errors that name the file (and
line) they are about, and how far a long stage has got.

A build collects warnings instead of printing them as they happen, so the end
of the build can summarize them and ``--strict`` can fail on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """Something wrong with one file, located as precisely as the reader knows."""

    path: str
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass
class Diagnostics:
    """Collects the warnings of one run."""

    warnings: list[Problem] = field(default_factory=list)

    def warn(self, path: str, message: str, line: int | None = None, column: int | None = None) -> None:
        self.warnings.append(Problem(str(path), message, line, column))


class BriefgenError(Exception):
    """A user-facing failure: bad configuration or content that stops the run.

    Carries every problem found, so the user can fix them all in one go.
    """

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem("briefgen", p) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # raised in a worker process, it arrives whole in the parent
        return type(self), (self.problems,)


class ConfigError(BriefgenError):
    """A usage or settings mistake (exit code 2), as opposed to a content problem."""


class ChangedMeanwhile(BriefgenError):
    """A file the build had read was saved again before the build could write it:
    nothing was written, and building again takes the save in."""


def collect(results: Iterable[T], total: int, progress: Callable[[int, int], None] | None) -> list[T]:
    """``results`` as a list, telling ``progress(done, total)`` as each one arrives."""
    done: list[T] = []
    for result in results:
        done.append(result)
        if progress is not None:
            progress(len(done), total)
    return done
