"""Warnings and errors that name the file (and line) they are about.

A build collects warnings instead of printing them as they happen, so the end
of the build can summarize them and ``--strict`` can fail on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


class ConfigError(BriefgenError):
    """A usage or settings mistake (exit code 2), as opposed to a content problem."""
