"""Docs that resolve: every relative link, cited repository file and cited § section exists.

A reader who follows a citation (``docs/reference/netsuite.md §9.8``, ``docs/mapping.md §4.6``,
``[runbook](runbook.md#error-classes)``, ``tests/unit/test_mapping.py``) must land on something.
The rules, checked over every text file of the repository:

- a relative markdown link names an existing file, and its ``#anchor`` a heading of that file
  (GitHub's anchor rules: lower case, punctuation dropped, spaces to hyphens, ``-1`` for repeats);
- a path that starts with a top-level folder of the repository (``docs/``, ``tests/`` ...), with
  ``closedwon/`` (the shared layer's package) or with ``reference/``, and every bare ``*.md``
  name, exists relative to the citing file or to the repository root;
- a ``§n``, ``§n.m`` or ``§A.n`` names a heading that starts with that number in the document it
  cites: the ``.md`` file cited last before it on the same line; else, in a markdown file, that
  file itself, and in any other file the ``.md`` file cited last above it (a module docstring
  names the document its later comments number from). A § after ``RFC nnnn`` cites that standard.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve()

#: Suffixes of the files whose text is searched for citations. JSON is data (the vendored NetSuite
#: schemas name files of another repository), except the state machine, whose comments cite docs.
TEXT_SUFFIXES = {".md", ".py", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".ini", ".xml", ".sh"}
TEXT_NAMES = {"Makefile"}
SKIPPED_DIRS = {"__pycache__", "node_modules", "build", "dist"}

#: The package of the shared layer is cited as ``closedwon/...``; it lives here.
PACKAGE_PARENT = ROOT / "layers" / "shared"

PATH_TOKEN = re.compile(
    r"(?<![\w./@:-])"
    r"((?:\.\./)*(?:[\w*.-]+/)+(?:[\w*.-]+\.(?:md|py|json|ya?ml|toml|txt|xml|sh)\b|(?=[\s`'\")\],;:]|$))"
    r"|[\w.-]+\.md\b)"
    r"(?![\w/-])"
)
#: ``§9.8``, and the lettered parts of a document (``§A``, ``§A.5``).
SECTION = re.compile(r"§\s?((?:[A-Z]|\d+)(?:\.\d+)*)\b")
#: Standards outside the repository whose sections are cited (``RFC 7519 §4.1.3``).
EXTERNAL_SPEC = re.compile(r"\bRFC\s?\d+")
NAMED_SPEC = re.compile(r"\b(MAPPING|ARCHITECTURE|STYLE)\s+§")
MARKDOWN_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
MARKDOWN_LINK_TARGET = re.compile(r"\]\([^)\s]+(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
NUMBERED_HEADING = re.compile(r"^(?:§\s?)?((?:[A-Z]|\d+)(?:\.\d+)*)\.?(?=\s|$)")
FENCE = re.compile(r"^\s*(```|~~~)")
#: Stands for a cited document that does not exist (or is outside the repository): the sections
#: cited after it on the line are not checked.
UNRESOLVED = Path("/nonexistent")


@dataclass(frozen=True)
class Dangling:
    """One reference that does not resolve: where it is, what it says and why it fails."""

    source: str
    line: int
    reference: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reference}: {self.reason}"


def text_files(root: Path) -> Iterator[Path]:
    """Every file of the repository a reader opens as text (hidden folders and builds excluded)."""
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in SKIPPED_DIRS and not d.endswith(".egg-info")
        )
        for name in sorted(names):
            path = Path(folder) / name
            if path.resolve() == THIS_FILE:
                continue
            if path.suffix in TEXT_SUFFIXES or name in TEXT_NAMES or name.endswith(".asl.json"):
                yield path


def top_level_dirs(root: Path) -> set[str]:
    """Folders a citation may start with: the repository's own, the package and ``reference``."""
    dirs = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return dirs | {"closedwon", "reference", ".."}


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (before ``-1``, ``-2`` are added to repeats)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").lower()
    kept = "".join(
        ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in ("L", "N", "M")
    )
    return kept.replace(" ", "-")


@functools.cache
def headings(path: Path) -> list[str]:
    """The heading texts of a markdown file, outside fenced code blocks, in order."""
    found: list[str] = []
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := HEADING.match(line)):
            found.append(match.group(2))
    return found


def anchors(path: Path) -> set[str]:
    """Every ``#anchor`` that lands on a heading of ``path``."""
    seen: dict[str, int] = {}
    result: set[str] = set()
    for heading in headings(path):
        slug = github_slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def section_numbers(path: Path) -> set[str]:
    """The numbers headings of ``path`` start with (``## 9.8 Quantities`` -> ``9.8``)."""
    return {m.group(1) for h in headings(path) if (m := NUMBERED_HEADING.match(h))}


def resolve(token: str, source: Path, root: Path) -> list[Path]:
    """The files ``token`` may name, relative to the citing file or the root (globs expanded)."""
    bases = [source.parent, root, root / PACKAGE_PARENT.relative_to(ROOT)]
    token = token.rstrip("/") or token
    if "*" in token:
        return [hit for base in bases for hit in base.glob(token)]
    hits = [base / token for base in bases if (base / token).exists()]
    if not hits and "/" not in token:
        hits = files_named(root).get(token, [])
    return hits


@functools.cache
def files_named(root: Path) -> dict[str, list[Path]]:
    """Every file of the repository by its name (a bare ``runbook.md`` is found wherever it is)."""
    index: dict[str, list[Path]] = {}
    for path in text_files(root):
        index.setdefault(path.name, []).append(path)
    return index


def check_file(source: Path, root: Path) -> list[Dangling]:
    """Every link, cited file and cited section of ``source`` that does not resolve."""
    rel = source.relative_to(root).as_posix()
    is_markdown = source.suffix == ".md"
    roots = top_level_dirs(root)
    problems: list[Dangling] = []
    document: Path | None = source if is_markdown else None
    in_fence = False
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):

        def report(reference: str, reason: str, line_no: int = number) -> None:
            problems.append(Dangling(rel, line_no, reference, reason))

        if is_markdown and FENCE.match(line):
            in_fence = not in_fence
        if is_markdown and not in_fence:
            for target in MARKDOWN_LINK.findall(line):
                problems.extend(check_link(target, source, root, rel, number))
        for match in NAMED_SPEC.finditer(line):
            report(match.group(0), "no such document in the repository")

        if is_markdown:
            line = MARKDOWN_LINK_TARGET.sub("]", line)
        line_document = document if is_markdown else None
        events = sorted(
            [(m.start(), "path", m.group(1)) for m in PATH_TOKEN.finditer(line)]
            + [(m.start(), "section", m.group(1)) for m in SECTION.finditer(line)]
            + [(m.start(), "external", m.group(0)) for m in EXTERNAL_SPEC.finditer(line)]
        )
        for _, kind, value in events:
            if kind == "external":
                line_document = UNRESOLVED
            elif kind == "path":
                first = value.split("/", 1)[0]
                if "/" in value and first not in roots:
                    continue
                hits = resolve(value, source, root)
                if not hits:
                    report(value, "no such file in the repository")
                    line_document = UNRESOLVED
                    continue
                if value.endswith(".md") and hits[0].is_file():
                    line_document = hits[0]
                    if not is_markdown:
                        document = hits[0]
            elif line_document is not UNRESOLVED:
                cited = line_document if line_document is not None else document
                if cited is None:
                    if not is_markdown:
                        report(f"§{value}", "names no document (cite the .md file before it)")
                    continue
                if value not in section_numbers(cited):
                    cited_rel = cited.relative_to(root).as_posix()
                    report(f"§{value}", f"{cited_rel} has no heading numbered {value}")
    return problems


def check_link(target: str, source: Path, root: Path, rel: str, number: int) -> list[Dangling]:
    """A relative markdown link ``target`` (``file``, ``file#anchor`` or ``#anchor``)."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
        return []
    path_part, _, anchor = target.partition("#")
    linked = (source.parent / path_part).resolve() if path_part else source
    if not linked.exists():
        return [Dangling(rel, number, target, "the link's file does not exist")]
    if anchor and linked.suffix == ".md" and anchor not in anchors(linked):
        return [Dangling(rel, number, target, f"no heading with the anchor #{anchor}")]
    return []


def dangling_references(root: Path) -> list[Dangling]:
    """Every reference of the repository at ``root`` that does not resolve."""
    return [problem for path in text_files(root) for problem in check_file(path, root)]


# ------------------------------------------------------------------------------ the repository


def test_given_the_repository_then_every_link_citation_and_section_resolves() -> None:
    problems = dangling_references(ROOT)
    assert not problems, f"{len(problems)} references do not resolve:\n" + "\n".join(
        map(str, problems)
    )


def test_given_the_mapping_config_doc_then_every_unverified_item_cites_the_netsuite_reference() -> (
    None
):
    doc = ROOT / "docs" / "mapping-config.md"
    unverified = [line for line in doc.read_text(encoding="utf-8").splitlines() if "❓" in line]
    assert unverified, "docs/mapping-config.md lists the unverified NetSuite behaviour with ❓"
    for line in unverified:
        # The change-order questions are in the amendments reference's part B.
        pattern = r"reference/(netsuite\.md §9(\.\d+)?|amendments-and-custom-fields\.md §B\.\d+)"
        assert re.search(pattern, line), line


# ------------------------------------------------------------------------------ the checker itself


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A tiny repository: a reference document with numbered sections, and a module."""
    (tmp_path / "docs" / "reference").mkdir(parents=True)
    (tmp_path / "docs" / "reference" / "netsuite.md").write_text(
        "# NetSuite\n\n## 9. Unverified\n\n## 9.8 Quantities on create\n\n## Error `codes`\n\n"
        "```\n## 9.9 not a heading\n```\n",
        encoding="utf-8",
    )
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\n## 1. Start\n", encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    return tmp_path


def write(repo: Path, rel: str, text: str) -> list[str]:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [f"{p.reference}: {p.reason}" for p in check_file(path, repo)]


def test_given_a_cited_section_that_exists_then_nothing_is_reported(repo: Path) -> None:
    assert (
        write(repo, "pkg/a.py", '"""Quantities (docs/reference/netsuite.md §9.8, §9)."""\n') == []
    )


def test_given_a_cited_section_that_is_missing_then_it_is_reported(repo: Path) -> None:
    problems = write(repo, "pkg/a.py", "# docs/reference/netsuite.md §9.7\n")
    assert problems == ["§9.7: docs/reference/netsuite.md has no heading numbered 9.7"]


def test_given_a_heading_inside_a_code_fence_then_it_is_not_a_section(repo: Path) -> None:
    assert write(repo, "pkg/a.py", "# docs/reference/netsuite.md §9.9\n") == [
        "§9.9: docs/reference/netsuite.md has no heading numbered 9.9"
    ]


def test_given_a_file_that_does_not_exist_then_the_citation_is_reported(repo: Path) -> None:
    problems = write(
        repo, "pkg/a.py", '"""See reference/netsuite.md §9.8 and docs/mapping.md §4."""\n'
    )
    assert problems == [
        "reference/netsuite.md: no such file in the repository",
        "docs/mapping.md: no such file in the repository",
    ]


def test_given_a_spec_named_without_a_file_then_it_is_reported(repo: Path) -> None:
    assert write(repo, "pkg/a.py", "# price per period (MAPPING §4.6)\n") == [
        "MAPPING §: no such document in the repository",
        "§4.6: names no document (cite the .md file before it)",
    ]


def test_given_a_bare_section_in_code_then_it_numbers_from_the_document_cited_above(
    repo: Path,
) -> None:
    text = '"""Client (docs/reference/netsuite.md §9)."""\n\n# §9.8 holds\n# §4 does not\n'
    assert write(repo, "pkg/a.py", text) == [
        "§4: docs/reference/netsuite.md has no heading numbered 4"
    ]


def test_given_a_bare_section_in_markdown_then_it_numbers_from_that_file(repo: Path) -> None:
    text = "# Doc\n\n## 1. One\n\nSee §1, and reference/netsuite.md §9.8, then §2.\n"
    assert write(repo, "docs/other.md", text) == [
        "§2: docs/reference/netsuite.md has no heading numbered 2"
    ]
    assert write(repo, "docs/third.md", "# T\n\nSee §1.\n") == [
        "§1: docs/third.md has no heading numbered 1"
    ]


def test_given_lettered_sections_then_they_are_checked_like_numbered_ones(repo: Path) -> None:
    (repo / "docs" / "reference" / "amendments.md").write_text(
        "# Amendments\n\n## A. CPQ\n\n### A.5 Changes\n", encoding="utf-8"
    )
    text = "# docs/reference/amendments.md §A, §A.5 and §B.2\n"
    assert write(repo, "pkg/a.py", text) == [
        "§B.2: docs/reference/amendments.md has no heading numbered B.2"
    ]


def test_given_a_section_of_an_rfc_then_it_is_not_a_repository_citation(repo: Path) -> None:
    assert write(repo, "pkg/a.py", '"""``aud`` is a string or a list (RFC 7519 §4.1.3)."""\n') == []


def test_given_relative_links_then_missing_files_and_anchors_are_reported(repo: Path) -> None:
    text = (
        "# Doc\n\n## Why it is safe\n\n[ok](guide.md#1-start) [ok](#why-it-is-safe) "
        "[ok](reference/netsuite.md#error-codes) [web](https://example.com/x.md)\n"
        "[gone](missing.md) [bad anchor](guide.md#2-stop)\n"
    )
    assert write(repo, "docs/links.md", text) == [
        "missing.md: the link's file does not exist",
        "guide.md#2-stop: no heading with the anchor #2-stop",
    ]


def test_given_repeated_headings_then_github_numbers_their_anchors(repo: Path) -> None:
    (repo / "docs" / "twice.md").write_text("# T\n\n## Notes\n\n## Notes\n", encoding="utf-8")
    assert anchors(repo / "docs" / "twice.md") == {"t", "notes", "notes-1"}


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        (
            "8. AWS: associate the partner event source with an event bus",
            "8-aws-associate-the-partner-event-source-with-an-event-bus",
        ),
        (
            "5. Try single functions locally (`sam local invoke`, needs Docker)",
            "5-try-single-functions-locally-sam-local-invoke-needs-docker",
        ),
        ("IAM permissions for the operator", "iam-permissions-for-the-operator"),
        ("500 deals, offline", "500-deals-offline"),
    ],
)
def test_given_a_heading_then_its_anchor_is_githubs(heading: str, anchor: str) -> None:
    assert github_slug(heading) == anchor


def test_given_paths_outside_the_repository_then_they_are_not_citations(repo: Path) -> None:
    text = (
        "# write STATE/dlq.json and /tmp/x/report.json; see https://github.com/o/r/blob/main/docs/x.md\n"
        "# other.md is fine when it exists: guide.md\n"
    )
    assert write(repo, "docs/notes.py", text) == ["other.md: no such file in the repository"]
