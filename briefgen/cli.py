"""The ``briefgen`` command line: parses arguments, calls the library, prints.

No pipeline logic lives here. Exit codes: 0 ok, 1 content problems (broken
briefing YAML, or any warning under ``--strict``), 2 usage or configuration
error. A user mistake never ends in a Python traceback.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Sequence

from . import __version__
from .config import Project, Settings, load_settings
from .diagnostics import BriefgenError, ConfigError, Diagnostics, Problem

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2

EPILOG = """\
examples:
  briefgen init my-desk              start a project in ./my-desk
  briefgen import saved-page.html    bring articles into content/articles/
  briefgen build                     build ./site from ./content
  briefgen serve                     preview on http://127.0.0.1:8000/ with reload
  briefgen check                     validate briefgen.yaml and content/briefings/*.yaml

exit codes: 0 ok, 1 content problems (or warnings with --strict), 2 usage or configuration error
"""


class _Output:
    """Prints according to -q / -v; errors always reach stderr."""

    def __init__(self, verbosity: int):
        self.verbosity = verbosity

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            print(message)

    def detail(self, message: str) -> None:
        if self.verbosity > 0:
            print(message)

    def error(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)

    def warning(self, message: str) -> None:
        if self.verbosity >= 0:
            print(f"warning: {message}", file=sys.stderr)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-p", "--project", metavar="DIR", default=".",
                        help="project folder (default: the current directory)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="count", default=0, help="say more")
    group.add_argument("-q", "--quiet", action="store_true", help="print errors only")


def _add_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site-url", metavar="URL",
                        help="override site_url from briefgen.yaml (also: BRIEFGEN_SITE_URL)")
    parser.add_argument("-j", "--jobs", type=int, metavar="N",
                        help="worker processes (default: one per core)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefgen",
        description="Turn news reports about a conflict into a cited briefing website.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"briefgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, summary: str, examples: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary,
                                  epilog="examples:\n" + textwrap.indent(examples, "  "),
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        return sub

    init = command("init", "create a new project folder",
                   "briefgen init my-desk\nbriefgen init .   # in an empty folder\n")
    init.add_argument("directory", metavar="DIR", help="folder to create (may exist if empty)")
    init.add_argument("-q", "--quiet", action="store_true", help="print errors only")

    imp = command("import", "bring articles into content/articles/ as Markdown files",
                  "briefgen import saved/*.html\nbriefgen import export.csv feed.xml\n"
                  "curl -s https://example.org/feed.xml | briefgen import - --format rss\n")
    imp.add_argument("files", nargs="+", metavar="FILE",
                     help="HTML pages, .jsonl/.csv exports, RSS/Atom feeds; '-' reads standard input")
    imp.add_argument("--format", choices=["html", "jsonl", "csv", "rss", "atom", "md", "txt"],
                     help="input format when it cannot be told from the file name")
    _add_common(imp)

    build = command("build", "build the site from content/ into site/",
                    "briefgen build\nbriefgen build --project ../desk --strict\n"
                    "BRIEFGEN_SITE_URL=https://me.github.io/desk/ briefgen build\n")
    _add_common(build)
    _add_overrides(build)
    build.add_argument("--strict", action="store_true",
                       help="exit with 1 when the build had warnings (for CI)")
    build.add_argument("--force", action="store_true",
                       help="redo every stage even when no input changed since the last build")

    check = command("check", "validate settings and briefing files without building",
                    "briefgen check\nbriefgen check --project ../desk\n")
    _add_common(check)

    serve = command("serve", "build, serve on localhost and rebuild on changes",
                    "briefgen serve\nbriefgen serve --port 8080\n")
    _add_common(serve)
    _add_overrides(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")

    clean = command("clean", "remove site/ and the build cache",
                    "briefgen clean\n")
    _add_common(clean)
    return parser


def _project(args: argparse.Namespace) -> Project:
    root = Path(args.project).resolve()
    if not root.is_dir():
        raise ConfigError(Problem(str(args.project), "no such project folder"))
    return Project(root)


def _require_articles(project: Project) -> None:
    if not project.articles_dir.is_dir():
        raise ConfigError(Problem(
            str(project.root),
            "not a briefgen project: content/articles/ is missing "
            "(run 'briefgen init DIR' to start one, or pass --project DIR)"))


def _settings(args: argparse.Namespace, project: Project) -> Settings:
    overrides = {"site_url": getattr(args, "site_url", None), "jobs": getattr(args, "jobs", None)}
    return load_settings(project, overrides)


def _cmd_init(args: argparse.Namespace, out: _Output) -> int:
    from .scaffold import create_project

    created = create_project(Path(args.directory))
    out.info(f"created project in {created}")
    out.info(f"next: cd {args.directory} && briefgen serve")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace, out: _Output) -> int:
    from .importer import import_files

    project = _project(args)
    diagnostics = Diagnostics()
    report = import_files(args.files, project, diagnostics, stdin=sys.stdin, fmt=args.format)
    for path in report.written:
        out.detail(f"wrote {path}")
    for skipped in report.skipped:
        out.info(f"skipped {skipped}")
    for warning in diagnostics.warnings:
        out.warning(str(warning))
    out.info(f"imported {len(report.written)} article(s), skipped {len(report.skipped)}")
    return EXIT_OK


def _cmd_build(args: argparse.Namespace, out: _Output) -> int:
    from .build import build

    project = _project(args)
    _require_articles(project)
    settings = _settings(args, project)
    report = build(project, settings, jobs=args.jobs, progress=out.verbosity >= 0,
                   force=args.force)
    for notice in report.notices:
        out.info(f"note: {notice}")
    for warning in report.warnings:
        out.warning(str(warning))
    out.info(report.summary())
    if args.strict and report.warnings:
        out.error(f"{len(report.warnings)} warning(s) with --strict")
        return EXIT_CONTENT
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, out: _Output) -> int:
    from .check import check_project

    project = _project(args)
    _require_articles(project)
    problems, stale_quotes = check_project(project)
    for problem in problems:
        out.error(str(problem))
    for problem in stale_quotes:
        out.warning(str(problem))
    if problems:
        out.info(f"{len(problems)} problem(s) found")
        return EXIT_CONTENT
    out.info(f"ok: settings and briefings are valid"
             + (f"; {len(stale_quotes)} quote(s) no longer match their article" if stale_quotes else ""))
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, out: _Output) -> int:
    from .build import build
    from .serve import serve

    project = _project(args)
    _require_articles(project)
    settings = _settings(args, project)
    serve(project, settings, host=args.host, port=args.port,
          build=lambda proj, sett: build(proj, sett, jobs=args.jobs, progress=False),
          log=out.info, reload_settings=lambda: _settings(args, project))
    return EXIT_OK


def _cmd_clean(args: argparse.Namespace, out: _Output) -> int:
    from .build import clean

    project = _project(args)
    for removed in clean(project):
        out.info(f"removed {removed}")
    return EXIT_OK


COMMANDS = {"init": _cmd_init, "import": _cmd_import, "build": _cmd_build,
            "check": _cmd_check, "serve": _cmd_serve, "clean": _cmd_clean}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    verbosity = -1 if getattr(args, "quiet", False) else getattr(args, "verbose", 0)
    out = _Output(verbosity)
    try:
        return COMMANDS[args.command](args, out)
    except BriefgenError as exc:
        for problem in exc.problems:
            out.error(str(problem))
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_CONTENT
    except KeyboardInterrupt:
        out.error("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
