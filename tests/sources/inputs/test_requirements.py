"""requirements files: real ones written by uv (export, pip compile with and without hashes), a hand-written one
with every syntax pip accepts, includes, loops, constraints and hostile lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyslsa.errors import UsageError
from pyslsa.sources.inputs import MAX_INPUT_BYTES, Location, collect_pins, open_input
from pyslsa.sources.inputs.requirements import OptionLine, RequirementsInput
from pyslsa.sources.inputs.uvlock import parse_uv_lock
from tests.sources.inputs.conftest import AUDIT, HANDWRITTEN, UV_PROJECT, data, usage_error

REQS = HANDWRITTEN / "requirements"


def pins_of(path: Path | str) -> list:
    return collect_pins(RequirementsInput(str(path)))


def write(tmp_path: Path, text: str, name: str = "requirements.txt") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- real files -----------------------------------------------------------------------------------------------------


def test_uv_export_with_hashes_agrees_with_the_lock_it_came_from() -> None:
    path = data(UV_PROJECT / "requirements.txt")
    pins = pins_of(path)
    lock = parse_uv_lock(data(UV_PROJECT / "uv.lock").read_text(), "uv.lock")
    lock_digests: dict[tuple[str, str | None], set[str]] = {}
    for p in lock:
        lock_digests.setdefault((p.name, p.version), set()).update(p.sha256)
    assert [p.name for p in pins] == ["attrs", "cffi", "cryptography", "peppercorn", "pycparser", "pycparser",
                                      "rfc8785", "sampleproject", "tomli"]
    lines = path.read_text().splitlines()
    for p in pins:
        # one pin per requirement, every hash of every file of that release, located where the requirement starts
        assert p.kind == "requirements" and p.origin == "index" and p.filename is None
        assert p.version is not None and p.sha256 == lock_digests[(p.name, p.version)], p.name
        assert lines[p.pinned_at.line - 1].lower().startswith(f"{p.name}=="), p
        assert p.pinned_at.path == str(path)
    cffi = next(p for p in pins if p.name == "cffi")
    assert cffi.marker == 'platform_python_implementation != "PyPy"' and len(cffi.sha256) > 50


def test_uv_pip_compile_with_and_without_hashes() -> None:
    hashed = pins_of(data(AUDIT / "uv-pip-compile" / "requirements-hashes.txt"))
    bare = pins_of(data(AUDIT / "uv-pip-compile" / "requirements-nohash.txt"))
    assert [(p.name, p.version, p.marker) for p in hashed] == [(p.name, p.version, p.marker) for p in bare]
    assert all(p.sha256 for p in hashed) and not any(p.sha256 for p in bare)
    assert {p.name for p in bare} == {"attrs", "cffi", "cryptography", "peppercorn", "pycparser", "rfc8785",
                                      "sampleproject"}
    # the "# via" comments between requirements are not requirements
    assert len(bare) == 7


def test_the_hand_written_file_reads_as_pip_reads_it() -> None:
    src = RequirementsInput(str(data(REQS / "requirements.txt")))
    pins = collect_pins(src)
    by = {p.name: p for p in pins}
    top, base, more, cons = (str(REQS / "requirements.txt"), os.path.normpath(REQS / "base" / "common.txt"),
                             os.path.normpath(REQS / "more.txt"), os.path.normpath(REQS / "constraints.txt"))
    # includes are followed where they stand, relative to the including file (base/common.txt includes ../more.txt)
    assert [p.name for p in pins[:2]] == ["six", "idna"]
    assert by["six"].pinned_at == Location(more, 1) and by["idna"].pinned_at == Location(base, 3)
    assert by["idna"].sha256 == {"ab7ae7122974553370f0bdb919e1a960b2cd1bc1ef0276416d896db81c14582c"}
    # a continued line keeps the number of its first line, and every --hash on it
    assert by["attrs"].pinned_at == Location(top, 7) and len(by["attrs"].sha256) == 2
    assert by["rfc8785"].version == "0.1.2" and by["rfc8785"].marker == 'python_version >= "3.8"'
    assert by["sample-project"].version == "4.0.0" and by["sample-project"].extras == {"extra1", "extra2"}
    # not one exact version: pinned to none (the audit fails them as not-pinned)
    assert by["unpinned-lib"].version is None and by["wildcard-lib"].version is None
    # a constraint pins an unpinned requirement, with its hashes, at its own line; it installs nothing itself
    assert by["constrained-lib"].version == "2.0" and by["constrained-lib"].pinned_at == Location(cons, 2)
    assert by["constrained-lib"].sha256 == {"6" * 64}
    assert "not-required" not in by
    # direct references are kept, marked as not from an index
    assert by["./src/member"].origin == "editable" and by["./src/member"].version is None
    assert by["from-git"].origin == "vcs" and by["from-git"].url is not None
    assert by["peppercorn"].origin == "url" and by["peppercorn"].filename == "peppercorn-0.6-py3-none-any.whl"
    assert by["peppercorn"].version == "0.6"
    assert by["peppercorn"].sha256 == {"46125cad688a9cf3b08e463bcb797891ee73ece93602a8ea6f14e40d1042d454"}
    assert by["local-wheel"].origin == "local" and by["local-wheel"].filename == "local_wheel-2.0-py3-none-any.whl"
    assert by["named-url"].origin == "url" and by["named-url"].url == \
        "https://example.org/downloads/named_url-1.5.tar.gz" and by["named-url"].version == "1.5"
    assert not any(p.from_index for p in pins if p.name in ("./src/member", "from-git", "peppercorn", "local-wheel",
                                                             "named-url"))
    # options are recorded, not acted upon
    assert src.options == [OptionLine("--index-url", "https://pypi.org/simple", Location(top, 2)),
                           OptionLine("--extra-index-url", "https://pypi.internal.example/simple", Location(top, 3))]
    assert len(pins) == 13


# -- includes -------------------------------------------------------------------------------------------------------


def test_an_include_loop_is_an_input_error_naming_the_chain() -> None:
    with pytest.raises(UsageError) as exc:
        pins_of(data(REQS / "loop" / "a.txt"))
    msg = usage_error(exc)
    assert "include loop" in msg and msg.count("a.txt") == 2 and "b.txt" in msg


def test_a_file_including_itself(tmp_path: Path) -> None:
    path = write(tmp_path, "foo==1.0\n-r requirements.txt\n")
    with pytest.raises(UsageError, match="include loop"):
        pins_of(path)


def test_a_diamond_is_not_a_loop_and_yields_each_pin_once(tmp_path: Path) -> None:
    write(tmp_path, "shared==1.0\n", "d.txt")
    write(tmp_path, "-r d.txt\nb==1\n", "b.txt")
    write(tmp_path, "-r d.txt\nc==1\n", "c.txt")
    top = write(tmp_path, "-r b.txt\n-r c.txt\n")
    assert [p.name for p in pins_of(top)] == ["shared", "b", "c"]


@pytest.mark.parametrize(("line", "needle"), [
    ("-r https://example.org/reqs.txt", "remote requirements file"),
    ("-r missing.txt", "not found"),
    ("-c missing.txt", "constraints file not found"),
    ("--frobnicate", "unknown option"),
    ("-r", "needs a value"),
    ("--pre=yes", "takes no value"),
    ("foo==1.0 --hash=md5:0123456789abcdef0123456789abcdef", "strong algorithm"),
    ("foo==1.0 --hash=sha256:xyz", "invalid SHA-256"),
    ("foo==1.0 --hash", "needs a value"),
    ("foo ==", "invalid requirement"),
    ("foo==${VERSION}", "invalid requirement"),
    ("foo==1.0 --hash 'unterminated", "cannot split"),
    ("foo==3.0#no-space-so-no-comment", "invalid requirement"),
    ("foo==1.0 extra-arg --hash=sha256:" + "a" * 64, "invalid requirement"),
])
def test_bad_lines_are_input_errors_with_their_line(tmp_path: Path, line: str, needle: str) -> None:
    path = write(tmp_path, f"# first\n{line}\n")
    with pytest.raises(UsageError) as exc:
        pins_of(path)
    msg = usage_error(exc)
    assert needle in msg, msg
    if "not found" not in msg:
        assert f"{path}:2" in msg


def test_includes_nested_too_deep(tmp_path: Path) -> None:
    for i in range(40):
        write(tmp_path, f"-r r{i + 1}.txt\n", f"r{i}.txt")
    write(tmp_path, "x==1\n", "r40.txt")
    with pytest.raises(UsageError, match="nested deeper"):
        pins_of(tmp_path / "r0.txt")


# -- constraints ----------------------------------------------------------------------------------------------------


def test_constraints_under_markers_give_one_pin_each(tmp_path: Path) -> None:
    write(tmp_path, 'lib==1.0 ; python_version < "3.11"\nlib==2.0 ; python_version >= "3.11"\n', "c.txt")
    path = write(tmp_path, "-c c.txt\nlib\n")
    pins = pins_of(path)
    assert [(p.version, p.marker, p.pinned_at.line) for p in pins] == [
        ("1.0", 'python_version < "3.11"', 1), ("2.0", 'python_version >= "3.11"', 2)]


def test_a_pinned_requirement_keeps_its_own_pin_over_a_constraint(tmp_path: Path) -> None:
    write(tmp_path, "lib==2.0\n", "c.txt")
    pins = pins_of(write(tmp_path, "-c c.txt\nlib==1.0 --hash=sha256:" + "1" * 64 + "\n"))
    assert [(p.version, p.pinned_at.line, p.sha256) for p in pins] == [("1.0", 2, frozenset({"1" * 64}))]


def test_constraint_and_requirement_hashes_intersect(tmp_path: Path) -> None:
    write(tmp_path, f"lib==2.0 --hash=sha256:{'1' * 64} --hash=sha256:{'2' * 64}\n", "c.txt")
    pins = pins_of(write(tmp_path, f"-c c.txt\nlib --hash=sha256:{'2' * 64} --hash=sha256:{'3' * 64}\n"))
    assert pins[0].version == "2.0" and pins[0].sha256 == {"2" * 64}


def test_requirements_included_from_a_constraints_file_are_requirements(tmp_path: Path) -> None:
    """As in pip: -r inside a constraints file includes requirements."""
    write(tmp_path, "real==1.0\n", "r.txt")
    write(tmp_path, "-r r.txt\nonly-constraint==1.0\n", "c.txt")
    assert [p.name for p in pins_of(write(tmp_path, "-c c.txt\n"))] == ["real"]


def test_editable_constraint_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "-e ./src\n", "c.txt")
    with pytest.raises(UsageError, match="not allowed as constraints"):
        pins_of(write(tmp_path, "-c c.txt\n"))


# -- line syntax ----------------------------------------------------------------------------------------------------


def test_comments_continuations_and_equal_signs(tmp_path: Path) -> None:
    path = write(tmp_path, "\n".join([
        "# a comment \\",
        "a==1.0 # trailing comment",
        "b==2.0 \\",
        "  --hash=sha256:" + "b" * 64 + " \\",
        "  --hash sha256:" + "c" * 64,
        "\\",
        "d===weird.version-1",
        "-e git+https://example.org/r.git#egg=e-pkg[extra]",
        "--requirement=sub.txt",
    ]) + "\n")
    write(tmp_path, "f==1\n", "sub.txt")
    pins = pins_of(path)
    by = {p.name: p for p in pins}
    assert by["a"].pinned_at.line == 2
    assert by["b"].pinned_at.line == 3 and by["b"].sha256 == {"b" * 64, "c" * 64}
    # a lone backslash line continues into the next one, which keeps the backslash line's number
    assert by["d"].pinned_at.line == 6
    assert by["d"].version == "weird.version-1"
    assert by["e-pkg"].origin == "editable"
    assert by["f"].pinned_at.path == os.path.normpath(tmp_path / "sub.txt")


def test_hash_without_requirement_is_ignored_like_pip(tmp_path: Path) -> None:
    assert pins_of(write(tmp_path, "--hash=sha256:" + "a" * 64 + "\nx==1\n"))[0].sha256 == frozenset()


# -- hostile input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "f\u00f6\u00f6==1.0\n",  # non-ASCII name
    "foo\x1b[31m==1.0\n",  # an escape sequence
    "foo==1.0\u202e\n",  # a bidi override
    "foo==" + "1" * 200 + "\n",  # an absurd version
    "a" * 300 + "==1.0\n",  # an absurd name
])
def test_odd_names_and_versions_are_input_errors_shown_escaped(tmp_path: Path, text: str) -> None:
    with pytest.raises(UsageError) as exc:
        pins_of(write(tmp_path, text))
    msg = usage_error(exc)
    assert "\x1b" not in msg and "\u202e" not in msg


def test_binary_and_non_utf8_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "nul.txt").write_bytes(b"foo==1.0\x00\n")
    (tmp_path / "latin1.txt").write_bytes("f\xf6\xf6==1.0\n".encode("latin-1"))
    with pytest.raises(UsageError, match="NUL"):
        pins_of(tmp_path / "nul.txt")
    with pytest.raises(UsageError, match="not UTF-8"):
        pins_of(tmp_path / "latin1.txt")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    with path.open("wb") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(UsageError, match="over the limit"):
        pins_of(path)


def test_too_many_requirements(tmp_path: Path) -> None:
    path = write(tmp_path, "".join(f"p{i}==1.0\n" for i in range(20)))
    with pytest.raises(UsageError, match="more than 10 entries"):
        collect_pins(open_input(str(path)), limit=10)


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_bytes(b"\xef\xbb\xbffoo==1.0\n")
    assert [(p.name, p.version) for p in pins_of(tmp_path / "r.txt")] == [("foo", "1.0")]
