"""Pins: identity tables in PEP 740's shape, matching, the pins file, and the byte-keeping pylock edit on real
locks written by uv and pip."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyslsa.core.audit.identity import GITHUB, Identity, VerifiedIdentity
from pyslsa.core.audit.pins import (
    PINS_SCHEMA,
    check_pins,
    compare_pins,
    identities_to_pin,
    identity_from_table,
    identity_table,
    matches,
    parse_pins_file,
    pins_file_bytes,
    pins_from_pylock,
    pylock_with_identities,
)
from pyslsa.core.audit.toml import loads_toml
from pyslsa.core.github import GITHUB_ACTIONS_ISSUER as GITHUB_ISSUER
from pyslsa.errors import AttestationLostError, PublisherChangedError, UsageError

AUDIT = Path(__file__).resolve().parents[2] / "data" / "audit"
ATTRS = Identity(GITHUB, "python-attrs/attrs", "pypi-package.yml", "release-pypi")
RFC = Identity(GITHUB, "trailofbits/rfc8785.py", "release.yml")
ATTRS_BLOCK = ('[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "python-attrs/attrs"\n'
               'workflow = "pypi-package.yml"\nenvironment = "release-pypi"\n')


def read(path: Path) -> bytes:
    if not path.is_file():
        pytest.fail(f"test data missing: {path}")
    return path.read_bytes()


def verified(evidence: str = "pep740", repository: str = "python-attrs/attrs", workflow: str | None =
             "pypi-package.yml", environment: str | None = "release-pypi", issuer: str = GITHUB_ISSUER,
             kind: str = GITHUB) -> VerifiedIdentity:
    return VerifiedIdentity(evidence, "https://x", issuer, repository, workflow, "refs/tags/25.1.0",  # type: ignore[arg-type]
                            environment, False, kind)


def other(kind: str = "Google", issuer: str = "https://accounts.google.com",
          extra: tuple[tuple[str, str], ...] = ()) -> VerifiedIdentity:
    """A verified identity of a publisher kind without repository or workflow (Google, CircleCI)."""
    return VerifiedIdentity("pep740", "https://x", issuer, "", None, None, None, None, kind, extra)


# -- identity tables ------------------------------------------------------------------------------------------------


def test_identity_tables_in_pep740_shape() -> None:
    table = {"kind": "GitHub", "repository": "python-attrs/attrs", "workflow": "pypi-package.yml",
             "environment": "release-pypi"}
    assert identity_from_table(table, "t") == ATTRS and identity_table(ATTRS) == table
    assert identity_from_table({"kind": "GitHub", "repository": "o/r", "workflow": ".github/workflows/x.yml"},
                               "t").workflow == "x.yml"
    gl_table = {"kind": "GitLab", "repository": "g/s/p", "workflow_filepath": "ci/release.yml", "environment": "pypi"}
    gitlab = identity_from_table(gl_table, "t")
    assert gitlab == Identity("GitLab", "g/s/p", "ci/release.yml", "pypi") and identity_table(gitlab) == gl_table
    google = identity_from_table({"kind": "Google", "email": "a@b.test"}, "t")
    assert google == Identity("Google", "", extra=(("email", "a@b.test"),))
    assert identity_table(google) == {"kind": "Google", "email": "a@b.test"}


@pytest.mark.parametrize(("table", "needle"), [
    ({"repository": "o/r"}, "needs a 'kind'"),
    ({"kind": 3}, "needs a 'kind'"),
    ({"kind": "GitHub", "repository": "o/r", "claims": "x"}, "unknown key 'claims'"),
    ({"kind": "GitHub", "repository": "github.com/o/r"}, "must be ORG/REPO"),
    ({"kind": "GitHub"}, "must be ORG/REPO"),
    ({"kind": "GitHub", "repository": "o/r", "workflow": "x.yml@main"}, "not a workflow file"),
    ({"kind": "GitHub", "repository": "o/r", "environment": 1}, "printable text"),
    ({"kind": "GitHub", "repository": "o/r", "environment": "a\nb"}, "printable text"),
    ({"kind": "GitLab", "repository": "p", "workflow_filepath": ".gitlab-ci.yml"}, "must be NAMESPACE/PROJECT"),
    ({"kind": "GitLab", "repository": "g/p", "workflow": ".gitlab-ci.yml"}, "unknown key 'workflow'"),
    ({"kind": "GitLab", "repository": "g/p", "workflow_filepath": "../x.yml"}, "not a CI configuration path"),
    ("GitHub", "must be a table"),
])
def test_bad_identity_tables(table: object, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        identity_from_table(table, "t")


# -- matching -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("pin", "got", "want"), [
    (ATTRS, verified(), True),
    (ATTRS, verified(repository="evil/attrs"), False),
    (ATTRS, verified(workflow="other.yml"), False),
    (ATTRS, verified(workflow=None), False),
    (ATTRS, verified(environment="other"), False),
    (ATTRS, verified(environment=None), False),  # the publisher dropped its environment
    (ATTRS, verified(evidence="github-attestation", environment=None), True),  # a certificate cannot say
    (ATTRS, verified(issuer="https://gitlab.com"), False),
    (ATTRS, verified(kind="GitLab"), False),
    (Identity(GITHUB, "python-attrs/attrs"), verified(workflow="any.yml", environment=None), True),
    (Identity(GITHUB, "python-attrs/attrs"), verified(environment="new"), False),
    (Identity("GitLab", "python-attrs/attrs", "pypi-package.yml", "release-pypi"), verified(kind="GitLab"), False),
    (Identity("GitLab", "python-attrs/attrs", "pypi-package.yml", "release-pypi"),
     verified(kind="GitLab", issuer="https://gitlab.com"), True),
    (Identity("GitLab", "python-attrs/attrs", "other.yml", "release-pypi"),
     verified(kind="GitLab", issuer="https://gitlab.com"), False),
    (Identity("Google", extra=(("email", "a@b.test"),)), other(extra=(("email", "a@b.test"),)), True),
    (Identity("Google", extra=(("email", "a@b.test"),)), other(extra=(("email", "b@b.test"),)), False),
    (Identity("Google", extra=(("email", "a@b.test"),)), other(extra=()), False),
    (Identity("Google"), other(extra=(("email", "a@b.test"),)), False),  # a pin naming no account is no wildcard
])
def test_matching(pin: Identity, got: VerifiedIdentity, want: bool) -> None:
    assert matches(pin, got) is want


def test_comparing_pins() -> None:
    assert compare_pins((), [verified()])[0] == "unpinned" and check_pins((), [verified()]) is None
    assert compare_pins((ATTRS,), [verified()])[0] == "ok" and check_pins((ATTRS,), [verified()]) is None
    status, message = compare_pins((ATTRS,), [verified(), verified(repository="evil/attrs")])
    assert status == "publisher-changed" and "evil/attrs" in message and "pinned GitHub python-attrs/attrs" in message
    assert isinstance(check_pins((ATTRS,), [verified(workflow="x.yml")]), PublisherChangedError)
    err = check_pins((ATTRS,), [])
    assert isinstance(err, AttestationLostError) and err.code == "attestation-lost"
    # either of two pinned identities will do
    assert compare_pins((ATTRS, RFC), [verified()])[0] == "ok"


def test_what_update_pins_records_for_other_kinds() -> None:
    a, b = other(extra=(("email", "a@b.test"),)), other(extra=(("email", "b@b.test"),))
    got = identities_to_pin([a, b, a])
    assert got == (Identity("Google", extra=(("email", "a@b.test"),)),
                   Identity("Google", extra=(("email", "b@b.test"),)))
    assert check_pins(got[:1], [a]) is None and isinstance(check_pins(got[:1], [b]), PublisherChangedError)
    data = pins_file_bytes({"pkg": got})
    assert parse_pins_file(data, "p") == {"pkg": got}


def test_what_update_pins_records() -> None:
    got = identities_to_pin([verified(evidence="github-attestation", environment=None), verified(),
                             verified(evidence="local", environment=None)])
    assert got == (ATTRS,)  # the certificate evidence adds no environment; PEP 740 states it
    only_certs = identities_to_pin([verified(evidence="github-attestation", environment=None)])
    assert only_certs == (Identity(GITHUB, "python-attrs/attrs", "pypi-package.yml", None),)
    two = identities_to_pin([verified(), verified(workflow="other.yml")])
    assert [i.workflow for i in two] == ["other.yml", "pypi-package.yml"]
    # a recorded identity matches what it was recorded from
    for v in (verified(), verified(evidence="github-attestation", environment=None)):
        assert check_pins(got, [v]) is None


# -- the pins file --------------------------------------------------------------------------------------------------


def test_the_pins_file_round_trips_and_is_deterministic() -> None:
    pins = {"rfc8785": (RFC,), "attrs": (ATTRS, Identity(GITHUB, "python-attrs/attrs", "other.yml"))}
    data = pins_file_bytes(pins)
    assert data == pins_file_bytes(dict(reversed(list(pins.items()))))
    assert parse_pins_file(data, "pyslsa.pins.toml") == {"attrs": tuple(sorted(pins["attrs"], key=lambda i: (
        i.workflow or ""))), "rfc8785": (RFC,)}
    doc = loads_toml(data.decode(), "x")
    assert doc["schema"] == PINS_SCHEMA == "pyslsa-pins/1"
    assert [p["name"] for p in doc["packages"]] == ["attrs", "rfc8785"]
    assert parse_pins_file(pins_file_bytes({}), "p") == {}


@pytest.mark.parametrize(("text", "needle"), [
    ('schema = "pyslsa-pins/2"\n', "'schema' must be"),
    ("", "'schema' must be"),
    (f'schema = "{PINS_SCHEMA}"\nextra = 1\n', "unknown key 'extra'"),
    (f'schema = "{PINS_SCHEMA}"\n[[packages]]\nname = "a"\nnote = "x"\n', "unknown key 'note'"),
    (f'schema = "{PINS_SCHEMA}"\n[[packages]]\nname = "A"\n[[packages]]\nname = "a"\n', "pinned twice"),
    (f'schema = "{PINS_SCHEMA}"\n[[packages]]\nname = "a b"\n', "invalid package name"),
    (f'schema = "{PINS_SCHEMA}"\npackages = 1\n', "must be an array"),
    (f'schema = "{PINS_SCHEMA}"\n[[packages]]\nname = "a"\nattestation-identities = 1\n', "must be an array"),
    (f'schema = "{PINS_SCHEMA}"\n[[packages]\n', "line 2, column"),
])
def test_a_bad_pins_file(text: str, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        parse_pins_file(text.encode(), "pyslsa.pins.toml")


# -- pins in a pylock -----------------------------------------------------------------------------------------------


def test_reading_the_pep_example_identity() -> None:
    pins = pins_from_pylock(read(AUDIT / "handwritten" / "pylock-direct" / "pylock.toml"), "pylock.toml")
    assert pins == {"attrs": (ATTRS,)}
    assert pins_from_pylock(read(AUDIT / "uv-project" / "pylock.toml"), "pylock.toml") == {}


def test_inserting_into_uv_export_adds_only_the_tables() -> None:
    data = read(AUDIT / "uv-project" / "pylock.toml")
    out = pylock_with_identities(data, {"attrs": (ATTRS,)}, "pylock.toml")
    text = data.decode()
    anchor = text.index("\n", text.index("attrs-25.1.0-py3-none-any.whl")) + 1  # the end of attrs' wheels line
    assert out.decode() == text[:anchor] + "\n" + ATTRS_BLOCK + text[anchor:]
    assert pins_from_pylock(out, "p") == {"attrs": (ATTRS,)}
    assert pylock_with_identities(out, {"attrs": (ATTRS,)}, "p") == out  # the same pins: the same bytes


def test_every_entry_of_a_name_gets_them_and_table_layouts_work() -> None:
    data = read(AUDIT / "uv-project" / "pylock.toml")
    out = pylock_with_identities(data, {"PyCParser": (RFC,)}, "p")
    doc = loads_toml(out.decode(), "p")
    assert [len(p.get("attestation-identities", [])) for p in doc["packages"] if p["name"] == "pycparser"] == [1, 1]
    pip = read(AUDIT / "pip-lock" / "pylock.toml")  # [[packages.wheels]] and [packages.wheels.hashes] tables
    out = pylock_with_identities(pip, {"attrs": (ATTRS,), "sampleproject": (RFC,)}, "p")
    removed = out.decode().replace("\n" + ATTRS_BLOCK, "", 1)
    rfc_block = ('\n[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "trailofbits/rfc8785.py"\n'
                 'workflow = "release.yml"\n')
    assert removed.endswith(rfc_block) and removed[:-len(rfc_block)] == pip.decode()


def test_replacing_and_removing_identities_in_place() -> None:
    data = read(AUDIT / "handwritten" / "pylock-direct" / "pylock.toml")
    text = data.decode()
    replaced = pylock_with_identities(data, {"attrs": (RFC,)}, "p").decode()
    new_block = '[[packages.attestation-identities]]\nkind = "GitHub"\nrepository = "trailofbits/rfc8785.py"\n' \
                'workflow = "release.yml"\n'
    assert replaced == text.replace(ATTRS_BLOCK, new_block)
    removed = pylock_with_identities(data, {"attrs": ()}, "p").decode()
    assert removed == text.replace(ATTRS_BLOCK, "")
    assert pins_from_pylock(removed.encode(), "p") == {}


def test_line_endings_bom_and_a_missing_final_newline_are_kept() -> None:
    text = read(AUDIT / "pip-lock" / "pylock.toml").decode().rstrip("\n")
    crlf = ("\ufeff" + text.replace("\n", "\r\n")).encode()
    out = pylock_with_identities(crlf, {"sampleproject": (RFC,)}, "p")
    assert out.startswith(b"\xef\xbb\xbf") and out.startswith(crlf)
    assert b"\n" not in out.replace(b"\r\n", b"")
    assert out.endswith(b'workflow = "release.yml"\r\n')


@pytest.mark.parametrize(("text", "updates", "needle"), [
    ('lock-version = "1.0"\ncreated-by = "t"\npackages = [{ name = "attrs", version = "1" }]\n', {"attrs": (RFC,)},
     "does not write each package"),
    ('lock-version = "1.0"\ncreated-by = "t"\n[[packages]]\nname = "attrs"\n'
     'attestation-identities = [{ kind = "GitHub", repository = "o/r" }]\n', {"attrs": (RFC,)},
     "cannot insert attestation identities into this layout"),
    ('lock-version = "1.0"\ncreated-by = "t"\n[[packages]]\nname = "attrs"\n', {"six": (RFC,)}, "no package 'six'"),
    ('lock-version = "1.0"\n[[packages]\n', {"attrs": (RFC,)}, "line 2, column"),
    ('lock-version = "1.0"\npackages = 3\n', {"attrs": (RFC,)}, "array of tables"),
])
def test_layouts_the_edit_refuses(text: str, updates: dict[str, tuple[Identity, ...]], needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        pylock_with_identities(text.encode(), updates, "pylock.toml")


def test_a_multiline_string_that_looks_like_a_header_is_caught_by_the_reparse() -> None:
    text = ('lock-version = "1.0"\ncreated-by = "t"\n[[packages]]\nname = "attrs"\n[packages.tool]\nnote = """\n'
            '[[packages]]\n"""\n[[packages]]\nname = "six"\n')
    with pytest.raises(UsageError):
        pylock_with_identities(text.encode(), {"attrs": (RFC,)}, "pylock.toml")
