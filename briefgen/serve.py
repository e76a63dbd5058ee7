"""``briefgen serve``: build, serve site/ on localhost, rebuild and reload on changes.

No extra dependencies: a polling watcher (file mtimes and sizes under content/,
briefgen.yaml and the themes) and the standard library's HTTP server. Served HTML
pages get a tiny script that polls ``/__briefgen_reload`` and reloads the page
when a rebuild finishes; the files on disk never contain it, so site/ stays
exactly what ``briefgen build`` would deploy.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .config import Project, Settings
from .diagnostics import BriefgenError, ChangedMeanwhile
from .render import DEFAULT_THEMES_DIR

RELOAD_PATH = "/__briefgen_reload"
RELOAD_SCRIPT = (
    "<script>(function(){var seen=null;function poll(){fetch('" + RELOAD_PATH + "',{cache:'no-store'})"
    ".then(function(r){return r.text()}).then(function(v){if(seen!==null&&v!==seen){location.reload();return}"
    "seen=v;setTimeout(poll,700)}).catch(function(){setTimeout(poll,2000)})}poll()})();</script>"
).encode("utf-8")


def snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file under ``paths``: cheap enough to poll twice a second."""
    state: dict[str, tuple[int, int]] = {}
    for root in paths:
        if root.is_file():
            stat = root.stat()
            state[str(root)] = (stat.st_mtime_ns, stat.st_size)
            continue
        if not root.is_dir():
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                state[path] = (stat.st_mtime_ns, stat.st_size)
    return state


class _Handler(SimpleHTTPRequestHandler):
    """Serves site/; injects the reload script into HTML; 404.html for missing pages."""

    server_state: PreviewServer

    def log_message(self, format: str, *args) -> None:  # quiet: the terminal shows rebuilds
        pass

    def do_GET(self) -> None:
        if self.path.split("?")[0] == RELOAD_PATH:
            self._send(HTTPStatus.OK, str(self.server_state.generation).encode(), "text/plain")
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                super().do_GET()  # redirects to the slash form
                return
            path = path / "index.html"
        if path.suffix == ".html" or not path.exists():
            status = HTTPStatus.OK
            if not path.is_file():
                status, path = HTTPStatus.NOT_FOUND, Path(self.directory) / "404.html"
                if not path.is_file():
                    self._send(status, b"Not found", "text/plain")
                    return
            body = path.read_bytes()
            marker = body.rfind(b"</body>")
            body = body[:marker] + RELOAD_SCRIPT + body[marker:] if marker >= 0 else body + RELOAD_SCRIPT
            self._send(status, body, "text/html; charset=utf-8")
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PreviewServer:
    """The build-watch-serve loop, startable and stoppable (tests run it in a thread)."""

    def __init__(
        self,
        project: Project,
        settings: Settings,
        build: Callable[[Project, Settings], object],
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        log: Callable[[str], None] = print,
        reload_settings: Callable[[], Settings] | None = None,
        poll_interval: float = 0.5,
    ):
        self.project = project
        self.settings = settings
        self.build = build
        self.log = log
        self.reload_settings = reload_settings
        self.poll_interval = poll_interval
        self.generation = 0
        self.watched = [project.content_dir, project.config_file, project.themes_dir, DEFAULT_THEMES_DIR]
        handler = partial(_Handler, directory=str(project.site_dir))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        _Handler.server_state = self  # one preview server per process
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._state: dict[str, tuple[int, int]] = {}

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def _state_after(self, before: dict[str, tuple[int, int]], report: object) -> dict[str, tuple[int, int]]:
        """What to watch from once a build is done: the files as they are now (the
        build's own writes are not changes), unless the build saw a file saved while
        it ran; then the files as they were before it, so that the next look finds
        the save and builds again."""
        return before if getattr(report, "changed_meanwhile", None) else snapshot(self.watched)

    def rebuild(self) -> bool:
        """Build once; a failed rebuild is reported and the previous site keeps being served."""
        before = snapshot(self.watched)
        try:
            if self.reload_settings is not None:
                self.settings = self.reload_settings()
            report = self.build(self.project, self.settings)
        except ChangedMeanwhile as exc:  # nothing written: build again from the save
            self.log(f"{exc}\nbuilding again")
            self._state = before
            return False
        except BriefgenError as exc:
            self.log(f"build failed, still serving the previous site:\n{exc}")
            self._state = snapshot(self.watched)
            return False
        except Exception as exc:  # noqa: BLE001 -- a crash must not end the preview: show it, keep serving
            self.log(f"build crashed, still serving the previous site: {type(exc).__name__}: {exc}")
            self._state = snapshot(self.watched)
            return False
        self._state = self._state_after(before, report)
        self.generation += 1
        return True

    def start(self) -> None:
        """Build (errors of this first build propagate, but one that stopped for a file
        saved while it ran is simply done again), then serve and watch in threads."""
        self.project.site_dir.mkdir(parents=True, exist_ok=True)
        while True:
            before = snapshot(self.watched)
            try:
                report = self.build(self.project, self.settings)
                break
            except ChangedMeanwhile as exc:
                self.log(f"{exc}\nbuilding again")
        self._state = self._state_after(before, report)
        self.generation = 1
        for target in (self.httpd.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_interval):
            current = snapshot(self.watched)
            if current != self._state:
                changed = sorted(p for p in current.keys() | self._state.keys()
                                 if current.get(p) != self._state.get(p))
                more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
                self.log(f"changed: {changed[0]}{more}; rebuilding")
                if self.rebuild():
                    self.log(f"rebuilt; reloading pages at {self.url}")

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


def serve(
    project: Project,
    settings: Settings,
    *,
    build: Callable[[Project, Settings], object],
    host: str = "127.0.0.1",
    port: int = 8000,
    log: Callable[[str], None] = print,
    reload_settings: Callable[[], Settings] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C). ``build(project, settings)`` rebuilds site/."""
    server = PreviewServer(project, settings, build, host=host, port=port, log=log,
                           reload_settings=reload_settings)
    server.start()
    log(f"serving {project.site_dir} at {server.url} (Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        log("stopped")
    finally:
        server.stop()
