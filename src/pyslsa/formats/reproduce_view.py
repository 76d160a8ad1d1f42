"""The view of :class:`~pyslsa.report.ReproduceReport` (``reproduce``): the verdict, the inferred build, every
attempt and the diff (text), or one JSON object."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pyslsa.core.reproduce import (
    CONTENT_IDENTICAL,
    COULD_NOT_BUILD,
    DIFFERENT,
    NOT_APPLICABLE,
    REPRODUCIBLE,
    Attempt,
    Comparison,
    Inference,
    WheelOutcome,
)
from pyslsa.formats import printable

if TYPE_CHECKING:
    from pyslsa.report import ReproduceReport, SourceFile

_HEADLINE = {
    REPRODUCIBLE: "REPRODUCIBLE",
    CONTENT_IDENTICAL: "CONTENT-IDENTICAL",
    DIFFERENT: "DIFFERENT",
    COULD_NOT_BUILD: "COULD-NOT-BUILD",
    NOT_APPLICABLE: "NOT-APPLICABLE",
}
_SUMMARY = {
    REPRODUCIBLE: "the rebuilt wheel is byte for byte the published one",
    CONTENT_IDENTICAL: "same files and contents, different zip metadata",
    DIFFERENT: "the rebuilt wheel differs from the published one",
    COULD_NOT_BUILD: "the wheel could not be rebuilt from the sdist",
    NOT_APPLICABLE: "nothing could be rebuilt",
}


def _source(s: SourceFile | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"filename": s.filename, "sha256": s.sha256, "origin": s.origin, "url": s.url,
            "upload_time": s.upload_time.isoformat() if s.upload_time else None}


def _comparison(c: Comparison | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "verdict": c.verdict,
        "published_sha256": c.published_sha256,
        "rebuilt_sha256": c.rebuilt_sha256,
        "added": c.added,
        "removed": c.removed,
        "changed": [{"name": f.name, "published_size": f.published_size, "rebuilt_size": f.rebuilt_size,
                     "published_sha256": f.published_sha256, "rebuilt_sha256": f.rebuilt_sha256,
                     "binary": f.binary, "diff": "".join(f.diff), "diff_truncated": f.diff_truncated}
                    for f in c.changed],
        "duplicated": [{"name": n, "published_count": c.duplicate_counts[n][0],
                        "rebuilt_count": c.duplicate_counts[n][1]} for n in c.duplicated],
        "metadata": c.metadata,
        "entries_with_other_metadata": c.entries_differing,
        "diff_truncated": c.diff_truncated,
    }


def _inference(i: Inference | None) -> dict[str, Any] | None:
    if i is None:
        return None
    return {
        "generator": i.generator,
        "build_backend": i.backend,
        "build_requires": i.build_requires,
        "backend_path": i.backend_path,
        "pinned_as_of": i.pinned_as_of.isoformat() if i.pinned_as_of else None,
        "pins": [{"requirement": p.requirement, "why": p.why, "dependency": p.dependency,
                  "required_by": list(p.required_by),
                  "uploaded": p.uploaded.isoformat() if p.uploaded else None} for p in i.pins],
        "source_date_epoch": i.source_date_epoch,
        "source_date_epoch_why": i.source_date_epoch_why,
        "tz": i.tz,
        "tz_why": i.tz_why,
        "notes": i.notes,
    }


def _attempt(a: Attempt) -> dict[str, Any]:
    return {
        "number": a.number,
        "label": a.label,
        "explanation": a.explain(),
        "pins": a.pins,
        "dependency_pins": a.dependency_pins,
        "env": a.env,
        "verdict": a.verdict,
        "seconds": a.seconds,
        "rebuilt_filename": a.rebuilt_filename,
        "rebuilt_sha256": a.comparison.rebuilt_sha256 if a.comparison else None,
        "reason": a.reason or None,
        "log_tail": a.log_tail,
        "diff": _comparison(a.comparison) if a.comparison and a.verdict != REPRODUCIBLE else None,
    }


def _wheel(w: WheelOutcome) -> dict[str, Any]:
    best = w.best
    return {
        "filename": w.filename,
        "sha256": w.sha256,
        "verdict": w.verdict,
        "reason": w.reason or None,
        "inferred": _inference(w.inference),
        "attempts": [_attempt(a) for a in w.attempts],
        "best_attempt": best.number if best else None,
    }


def json_doc(report: ReproduceReport) -> dict[str, Any]:
    err = report.error
    return {
        "command": "reproduce",
        "verdict": report.verdict if err is None else None,
        "reproducible": err is None and report.verdict == REPRODUCIBLE,
        "release": report.requirement,
        "index_url": report.index_url,
        "sdist": _source(report.sdist),
        "wheels": [_wheel(w) for w in report.wheels],
        "python": report.python,
        "seconds": report.seconds,
        "kept": report.kept,
        "notes": report.notes,
        "error": err.to_json() if err is not None else None,
    }


def _diff_lines(c: Comparison) -> list[str]:
    out: list[str] = []
    for name in c.added:
        out.append(f"    only in the published wheel: {name}")
    for name in c.removed:
        out.append(f"    only in the rebuilt wheel:   {name}")
    for f in c.changed:
        kind = "binary, " if f.binary else ""
        out.append(f"    changed: {f.name} ({kind}{f.rebuilt_size} bytes rebuilt, {f.published_size} published)")
        out.extend("      " + ln.rstrip("\n") for ln in f.diff)
        if f.diff_truncated:
            out.append("      [diff truncated]")
    for name in c.duplicated:
        pub, reb = c.duplicate_counts[name]
        out.append(f"    duplicated: {name} ({pub} times in the published wheel, {reb} in the rebuilt, with other "
                   f"contents: which one a reader of the zip sees depends on the reader)")
    for m in c.metadata:
        out.append(f"    zip metadata: {m}")
    return out


def _utc(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _inference_lines(i: Inference) -> list[str]:
    out = [f"  generator: {i.generator or '(none)'}; build-backend {i.backend}, requires "
           f"{', '.join(i.build_requires) or '(nothing)'}" + (f", backend-path {i.backend_path}" if i.backend_path
                                                              else "")]
    if i.pinned_as_of is not None:
        deps = sum(1 for p in i.pins if p.dependency)
        noun = "dependency" if deps == 1 else "dependencies"
        pulled = f" (the build requirements and what they pull in: {deps} {noun})"
        out.append(f"  pinned as of the wheel's upload: {_utc(i.pinned_as_of)}" + (pulled if deps else ""))
    for p in i.pins:
        uploaded = f"; uploaded {_utc(p.uploaded)}" if p.uploaded else ""
        out.append(f"  pin: {p.requirement} ({p.why}{uploaded})")
    sde = f"SOURCE_DATE_EPOCH={i.source_date_epoch}" if i.source_date_epoch is not None else "no SOURCE_DATE_EPOCH"
    out.append(f"  {sde}: {i.source_date_epoch_why}")
    out.append(f"  time zone: {f'TZ={i.tz}' if i.tz else 'UTC'}: {i.tz_why}")
    for note in i.notes:
        out.append(f"  note: {note}")
    return out


def text(report: ReproduceReport) -> tuple[str, str]:
    if report.error is not None:
        return "", printable(f"FAILED [{report.error.code}]: {report.error.message}") + "\n"
    what = report.requirement or (report.sdist.filename if report.sdist else "?")
    out: list[str] = []
    if report.sdist is not None:
        origin = f"from {report.index_url}" if report.sdist.origin == "index" else "(local)"
        out.append(f"sdist: {report.sdist.filename} {origin} sha256:{report.sdist.sha256}")
    for w in report.wheels:
        out.append(f"{w.filename}: {w.verdict}" + (f" ({w.reason})" if w.reason else ""))
        if w.inference is not None:
            out.extend(_inference_lines(w.inference))
        for a in w.attempts:
            out.append(f"  attempt {a.number} ({a.label}): {a.explain()} -> {a.verdict} in {a.seconds:.1f} s")
            if a.verdict == COULD_NOT_BUILD:
                out.append(f"    {a.reason}; last lines of the build log:")
                out.extend(f"    | {ln}" for ln in a.log_tail)
        best = w.best
        if best is not None and best.comparison is not None and best.verdict != REPRODUCIBLE:
            out.append(f"  attempt {best.number} compared (rebuilt -> published):")
            out.extend(_diff_lines(best.comparison))
    for note in report.notes:
        out.append(f"note: {note}")
    if report.kept:
        out.append(f"kept: {report.kept}")
    verdict = report.verdict
    tail = f"{_HEADLINE[verdict]}: {what}: {_SUMMARY[verdict]}"
    repro = [w for w in report.wheels if w.verdict == REPRODUCIBLE and w.best is not None]
    if verdict == REPRODUCIBLE and repro:
        b = repro[0].best
        assert b is not None
        tail += f" ({b.explain()}; builds run with TZ=UTC unless a TZ is named)"
    out.append(f"{tail} [{report.seconds:.1f} s]")
    return "\n".join(printable(line) for line in out) + "\n", ""


__all__ = ["json_doc", "text"]
