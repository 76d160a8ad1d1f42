"""The comment step against a loopback fake of GitHub's REST API (tests/action/fake_github.py): one comment per
pull request and job, found again by its hidden marker and edited, only on pull_request events, only when the pull
request changes a lockfile (comment: true) or always; the token only ever sent to the API host."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.action.conftest import STUB_INSTALL
from tests.action.fake_github import BOT, FakeGitHub, serve_github
from tests.action.runner import Result, run_action
from tests.release_servers import Host, serve

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- pyslsa-action: verify -->"
PR = 7
EVENT = {"action": "synchronize", "number": PR, "pull_request": {"number": PR}}


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with serve_github(FakeGitHub()) as gh:
        yield gh


def run(tmp_path: Path, env: dict[str, str], api: FakeGitHub, *, tag: str = "v14", event_name: str = "pull_request",
        run_id: str = "1", real: bool = False, **inputs: str) -> Result:
    """The action on the README's verify-artifact example (tag v14 passes, v13 fails). ``real``: pyslsa runs;
    else the run step is stubbed with a report of the same verdict (the comment step is what is under test)."""
    work = tmp_path / f"run{run_id}"
    (work / "workspace").mkdir(parents=True)
    stubs = dict(STUB_INSTALL)
    if real:
        for name in ("binary-linux-amd64", "binary-linux-amd64-push-v14.intoto.jsonl"):
            shutil.copy(ROOT / "examples" / name, work / "workspace" / name)
    else:
        ok = tag == "v14"
        report = work / "report.md"
        report.write_text(f"### pyslsa verify-artifact: {'✅ verified' if ok else '❌ verification failed'}\n\n"
                          f"| `binary-linux-amd64` | {'✅ verified' if ok else '❌ `mismatch-tag`'} |\n")
        stubs["run"] = {"verified": "true" if ok else "false", "exit-code": "0" if ok else "1",
                        "markdown-path": str(report), "report-path": str(report), "sarif-path": ""}
    args = ("--provenance-path binary-linux-amd64-push-v14.intoto.jsonl --source-uri "
            f"github.com/slsa-framework/example-package --source-tag {tag} binary-linux-amd64")
    return run_action(inputs={"command": "verify-artifact", "args": args, **inputs}, work=work, env=env,
                      event_name=event_name, event=EVENT, stubs=stubs,
                      github={"api_url": api.base, "repository": api.repo})


def writes(api: FakeGitHub) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in api.requests if r["method"] != "GET"]


def test_posts_then_edits_one_comment(tmp_path: Path, clean_env: dict[str, str], api: FakeGitHub) -> None:
    api.pr_files[PR] = ["src/app.py", "requirements.txt"]
    first = run(tmp_path, clean_env, api, comment="true", real=True)
    assert first.status == 0, first.log
    (posted,) = api.comments_on(PR)
    assert posted["body"].startswith(MARKER + "\n### pyslsa verify-artifact: ✅ verified")
    assert writes(api) == [("POST", f"/repos/{api.repo}/issues/{PR}/comments")]
    assert f"comment: posted comment {posted['id']} on pull request #{PR}" in first.log
    # the next push: the report changed (now failing); the same comment is edited, the action still fails
    second = run(tmp_path, clean_env, api, comment="true", tag="v13", run_id="2", real=True)
    assert second.status == 1
    (edited,) = api.comments_on(PR)
    assert edited["id"] == posted["id"]
    assert "❌ `mismatch-tag`" in edited["body"] and edited["body"].startswith(MARKER + "\n")
    assert writes(api)[1:] == [("PATCH", f"/repos/{api.repo}/issues/comments/{posted['id']}")]
    # every request carried the token, to the API host only; the token never reached the log
    assert {r["authorization"] for r in api.requests} == {f"Bearer {api.token}"}
    assert api.token not in first.log + second.log


def test_lockfile_in_a_subdirectory_and_on_a_later_page(tmp_path: Path, clean_env: dict[str, str],
                                                        api: FakeGitHub) -> None:
    api.pr_files[PR] = [f"docs/page{i}.md" for i in range(150)] + ["services/api/uv.lock"]
    api.comments.extend({"id": i, "issue": PR, "body": f"chatter {i}", "user": {"login": "someone"}}
                        for i in range(130))
    ours = api.add_comment(PR, f"{MARKER}\nold report", BOT)
    result = run(tmp_path, clean_env, api, comment="true")
    assert result.status == 0, result.log
    assert writes(api) == [("PATCH", f"/repos/{api.repo}/issues/comments/{ours['id']}")]
    pages = [r["query"] for r in api.requests if r["path"].endswith("/files")]
    assert pages == ["per_page=100", "per_page=100&page=2"]


@pytest.mark.parametrize("changed", [["README.md"], ["requirements.txt.bak", "notrequirements/x.md"], []])
def test_no_comment_without_a_lockfile_change(tmp_path: Path, clean_env: dict[str, str], api: FakeGitHub,
                                              changed: list[str]) -> None:
    api.pr_files[PR] = changed
    result = run(tmp_path, clean_env, api, comment="true")
    assert result.status == 0
    assert writes(api) == [] and api.comments == []
    assert "the pull request changes no lockfile or requirements file: no comment" in result.log


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt", "requirements/prod.txt",
                                  "pylock.toml", "pylock.dev.toml", "uv.lock", "a/b/poetry.lock"])
def test_each_lockfile_kind_counts(tmp_path: Path, clean_env: dict[str, str], api: FakeGitHub, name: str) -> None:
    api.pr_files[PR] = [name]
    assert run(tmp_path, clean_env, api, comment="true").status == 0
    assert len(api.comments_on(PR)) == 1


def test_always_comments_without_asking_for_the_files(tmp_path: Path, clean_env: dict[str, str],
                                                      api: FakeGitHub) -> None:
    run(tmp_path, clean_env, api, comment="always")
    assert len(api.comments_on(PR)) == 1
    assert not [r for r in api.requests if r["path"].endswith("/files")]


@pytest.mark.parametrize(("event_name", "mode"), [("push", "true"), ("schedule", "always"),
                                                  ("pull_request", "false")])
def test_no_request_outside_pull_requests_or_when_off(tmp_path: Path, clean_env: dict[str, str], api: FakeGitHub,
                                                      event_name: str, mode: str) -> None:
    api.pr_files[PR] = ["uv.lock"]
    result = run(tmp_path, clean_env, api, comment=mode, event_name=event_name)
    assert result.status == 0
    assert api.requests == []


def test_marker_pasted_by_someone_else_is_not_ours(tmp_path: Path, clean_env: dict[str, str],
                                                   api: FakeGitHub) -> None:
    """Anyone can paste the marker; their comment cannot be edited (403), so a comment of our own is posted, and
    the next run edits ours, not theirs."""
    api.pr_files[PR] = ["uv.lock"]
    theirs = api.add_comment(PR, f"{MARKER}\nfake green report", "mallory")
    run(tmp_path, clean_env, api, comment="true")
    assert writes(api) == [("PATCH", f"/repos/{api.repo}/issues/comments/{theirs['id']}"),
                           ("POST", f"/repos/{api.repo}/issues/{PR}/comments")]
    ours = [c for c in api.comments_on(PR) if c["user"]["login"] == BOT]
    assert len(ours) == 1 and theirs["body"] == f"{MARKER}\nfake green report"
    run(tmp_path, clean_env, api, comment="true", run_id="2")
    assert writes(api)[2:] == [("PATCH", f"/repos/{api.repo}/issues/comments/{ours[0]['id']}")]
    assert len(api.comments_on(PR)) == 2


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_api_refusal_is_a_warning_and_the_verdict_stands(tmp_path: Path, clean_env: dict[str, str],
                                                         api: FakeGitHub, method: str) -> None:
    """A pull request from a fork gets a read-only token: the comment fails, the gate's status is unchanged."""
    api.pr_files[PR] = ["uv.lock"]
    api.fail[method] = 403
    result = run(tmp_path, clean_env, api, comment="true", tag="v13")
    assert result.status == 1 and result.outputs["exit-code"] == "1"
    assert ("::warning title=pyslsa::comment: the GitHub API answered 403 Forbidden (a pull request from a fork "
            "gets a read-only token): no comment") in result.log
    assert api.comments == []


def test_redirect_is_not_followed_with_the_token(tmp_path: Path, clean_env: dict[str, str], api: FakeGitHub) -> None:
    with serve(Host()) as elsewhere:
        api.redirect = f"{elsewhere.base}/steal"
        result = run(tmp_path, clean_env, api, comment="always")
        assert result.status == 0
        assert elsewhere.requests == []
    assert "::warning title=pyslsa::comment: the GitHub API answered 302" in result.log


def test_unreachable_api_is_a_warning(tmp_path: Path, clean_env: dict[str, str], api: FakeGitHub) -> None:
    with serve(Host()) as gone:
        base = gone.base
    result = run_action(inputs={"command": "verify-artifact", "args": "x", "comment": "always"},
                        work=tmp_path / "w", env=clean_env, event_name="pull_request", event=EVENT,
                        stubs=STUB_INSTALL, github={"api_url": base, "repository": api.repo})
    assert result.status == 2  # the command's own usage error, unchanged by the comment's failure
    assert "::warning title=pyslsa::comment: the GitHub API could not be reached" in result.log


@pytest.mark.parametrize("event", [{}, {"pull_request": {"number": "x"}}, {"pull_request": None}])
def test_unreadable_event_is_a_warning(tmp_path: Path, clean_env: dict[str, str], api: FakeGitHub,
                                       event: dict[str, Any]) -> None:
    work = tmp_path / "w"
    result = run_action(inputs={"command": "verify-artifact", "args": "x", "comment": "always"}, work=work,
                        env=clean_env, event_name="pull_request", event=event, stubs=STUB_INSTALL,
                        github={"api_url": api.base, "repository": api.repo})
    assert "::warning title=pyslsa::comment: cannot read the pull request from the event" in result.log
    assert api.requests == []


def test_long_report_is_cut_to_fit_a_comment(tmp_path: Path, clean_env: dict[str, str], api: FakeGitHub) -> None:
    """A 70,000-character report: the comment stays under GitHub's 65,536 and says where the rest is."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("pyslsa_action", ROOT / "action" / "pyslsa_action.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.truncate("x" * 70000, mod.COMMENT_LIMIT, "see the job summary")
    assert len(text) <= 65536 and text.endswith("… truncated: see the job summary\n")
    assert mod.truncate("short", mod.COMMENT_LIMIT, "why") == "short"
