"""A small stand-in for the GitHub Actions runner: runs the ``run:`` steps of a composite action (action.yml) with
bash, as the runner does, in a temporary directory.

What it provides, as the runner does: the per-step files GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV and
GITHUB_PATH (read back after each step: outputs into the ``steps`` context, the summaries concatenated into the
job summary, env and path carried to later steps), GITHUB_EVENT_PATH (the event payload), GITHUB_ACTION_PATH,
GITHUB_WORKSPACE (the working directory), RUNNER_TEMP; ``shell: bash`` as ``bash --noprofile --norc -eo pipefail
FILE``; a failing step stops the action (later steps are skipped, as without ``if: always()``).

The expressions it evaluates are exactly the forms action.yml uses: ``inputs.NAME``, ``github.NAME``,
``steps.ID.outputs.NAME`` and ``X == 'literal'`` / ``X != 'literal'`` in ``if:``; any other expression is an
error, so a change of action.yml that needs more is noticed here. ``uses:`` steps (actions/setup-python) are
skipped: the test's PATH supplies Python. A step can be stubbed: its outputs given instead of running it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

ROOT = Path(__file__).resolve().parents[2]
NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
REFERENCE = re.compile(rf"^(inputs\.{NAME}|github\.{NAME}|steps\.{NAME}\.outputs\.{NAME})$")
COMPARISON = re.compile(r"^(?P<ref>\S+)\s*(?P<op>==|!=)\s*'(?P<lit>[^']*)'$")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


class ExpressionError(Exception):
    """An expression outside the forms this runner knows."""


@dataclass
class Context:
    inputs: dict[str, str]
    github: dict[str, str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)

    def reference(self, ref: str) -> str:
        if not REFERENCE.match(ref):
            raise ExpressionError(f"unsupported expression: {ref!r}")
        parts = ref.split(".")
        if parts[0] == "inputs":
            if parts[1] not in self.inputs:
                raise ExpressionError(f"no input {parts[1]!r} in action.yml")
            return self.inputs[parts[1]]
        if parts[0] == "github":
            if parts[1] not in self.github:
                raise ExpressionError(f"github.{parts[1]} is not provided by this runner")
            return self.github[parts[1]]
        return self.steps.get(parts[1], {}).get(parts[3], "")  # an output never set is '' on GitHub too

    def evaluate(self, expr: str) -> str | bool:
        expr = expr.strip()
        found = COMPARISON.match(expr)
        if found:
            value = self.reference(found["ref"])
            return (value == found["lit"]) if found["op"] == "==" else (value != found["lit"])
        return self.reference(expr)

    def interpolate(self, text: str) -> str:
        def one(m: re.Match[str]) -> str:
            value = self.evaluate(m.group(1))
            if isinstance(value, bool):
                raise ExpressionError(f"a comparison inside a string: {m.group(0)!r}")
            return value

        return EXPRESSION.sub(one, text)

    def condition(self, text: str) -> bool:
        inner = EXPRESSION.fullmatch(text.strip())
        value = self.evaluate(inner.group(1) if inner else text)
        if not isinstance(value, bool):
            raise ExpressionError(f"if: needs a comparison here, got {text!r}")
        return value


@dataclass
class Result:
    status: int
    outputs: dict[str, str]
    steps: dict[str, dict[str, str]]
    summary: str
    log: str
    ran: list[str]
    skipped: list[str]


def read_kv_file(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV syntax: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    out: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            while i < len(lines) and lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ValueError(f"{path.name}: unterminated {name}<<{delimiter}")
            i += 1
            out[name] = "\n".join(value)
        else:
            name, sep, val = line.partition("=")
            if not sep:
                raise ValueError(f"{path.name}: bad line {line!r}")
            out[name] = val
    return out


def load(action_dir: Path = ROOT) -> dict[str, Any]:
    doc = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    assert doc["runs"]["using"] == "composite"
    return doc  # type: ignore[no-any-return]


def run_action(*, inputs: dict[str, str], work: Path, action_dir: Path = ROOT, env: dict[str, str] | None = None,
               event_name: str = "push", event: dict[str, Any] | None = None,
               stubs: dict[str, dict[str, str]] | None = None, github: dict[str, str] | None = None,
               timeout: float = 600.0) -> Result:
    """Run the action in ``work`` (created: workspace/, temp/, files/). ``env`` is the whole base environment."""
    doc = load(action_dir)
    declared = doc.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    if unknown:
        raise ExpressionError(f"inputs not declared in action.yml: {sorted(unknown)}")
    workspace, temp, files = work / "workspace", work / "temp", work / "files"
    for d in (workspace, temp, files):
        d.mkdir(parents=True, exist_ok=True)
    event_path = files / "event.json"
    event_path.write_text(json.dumps(event or {}), encoding="utf-8")
    gh = {"token": "ghs_fake-token-for-tests", "event_name": event_name, "action_path": str(action_dir),
          "workspace": str(workspace), **(github or {})}
    ctx = Context(inputs={}, github=gh)
    for name, spec in declared.items():
        default = str((spec or {}).get("default", ""))
        ctx.inputs[name] = inputs[name] if name in inputs else ctx.interpolate(default)
    base_env = dict(os.environ if env is None else env)
    base_env.update({
        "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "RUNNER_TEMP": str(temp),
        "GITHUB_WORKSPACE": str(workspace), "GITHUB_ACTION_PATH": str(action_dir),
        "GITHUB_EVENT_PATH": str(event_path), "GITHUB_EVENT_NAME": event_name,
        "GITHUB_REPOSITORY": gh.get("repository", "octo-org/octo-repo"), "GITHUB_JOB": "verify",
        "GITHUB_API_URL": gh.get("api_url", "https://api.github.invalid"),
    })
    summary: list[str] = []
    log: list[str] = []
    ran: list[str] = []
    skipped: list[str] = []
    extra_env: dict[str, str] = {}
    extra_path: list[str] = []
    status = 0
    for index, step in enumerate(doc["runs"]["steps"]):
        sid = step.get("id", f"__step{index}")
        label = step.get("id") or step.get("name") or sid
        if "if" in step and not ctx.condition(str(step["if"])):
            skipped.append(f"{label} (if: false)")
            continue
        if "uses" in step:
            for value in (step.get("with") or {}).values():
                ctx.interpolate(str(value))  # the expressions must still be ones this runner understands
            skipped.append(f"{label} (uses: {step['uses']})")
            continue
        step_env = {k: ctx.interpolate(str(v)) for k, v in (step.get("env") or {}).items()}
        if sid in (stubs or {}):
            ctx.steps[sid] = dict((stubs or {})[sid])
            ran.append(f"{label} (stub)")
            continue
        assert step.get("shell") == "bash", f"step {label}: only shell: bash is run here"
        script = ctx.interpolate(str(step["run"]))
        per_step = {n: files / f"{n.lower()}_{index}" for n in
                    ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH")}
        for p in per_step.values():
            p.write_text("", encoding="utf-8")
        script_path = temp / f"step_{index}.sh"
        script_path.write_text(script, encoding="utf-8")
        full_env = {**base_env, **extra_env, **step_env, **{k: str(v) for k, v in per_step.items()}}
        if extra_path:
            full_env["PATH"] = os.pathsep.join([*reversed(extra_path), full_env.get("PATH", "")])
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_path)],
                              cwd=workspace, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout, check=False)  # one log, as on a runner
        ran.append(label)
        log.append(f"--- step {label}: exit {proc.returncode}\n{proc.stdout}")
        ctx.steps[sid] = read_kv_file(per_step["GITHUB_OUTPUT"])
        summary.append(per_step["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))
        extra_env.update(read_kv_file(per_step["GITHUB_ENV"]))
        extra_path.extend(line for line in per_step["GITHUB_PATH"].read_text(encoding="utf-8").splitlines() if line)
        if proc.returncode != 0:
            status = proc.returncode
            break
    outputs = {name: ctx.interpolate(str(spec.get("value", ""))) for name, spec in (doc.get("outputs") or {}).items()}
    return Result(status=status, outputs=outputs, steps=ctx.steps, summary="".join(summary), log="".join(log),
                  ran=ran, skipped=skipped)
