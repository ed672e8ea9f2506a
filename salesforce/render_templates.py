#!/usr/bin/env python3
"""Render the org-specific Salesforce metadata from salesforce/templates/.

A few metadata files carry values only the installer knows: the AWS account and region the
Event Relay sends to (named credential ``NetSuiteSyncRelay``) and, for the CDC trigger, the
integration user whose own writes must never re-trigger a sync (filter of the channel member
``OppCdc_chn_OpportunityChangeEvent``). A file with ``{{PLACEHOLDER}}`` in it cannot be deployed,
so those files live in ``templates/`` and this script writes the filled-in copies into the package
directories, at the same relative path (``templates/force-app/...`` -> ``force-app/...``).

    python salesforce/render_templates.py --region us-west-2 --account 123456789012
    python salesforce/render_templates.py --region us-west-2 --account 123456789012 \\
        --integration-user-id 005xx0000012345AAA

Without ``--integration-user-id`` the CDC channel member is not rendered (the platform-event
trigger does not need it). Every value is validated before anything is written. Standard library
only, Python 3.11+.
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")

# Every placeholder the templates may use; a template using any other name is a bug.
KNOWN_PLACEHOLDERS = frozenset({"AWS_REGION_UPPER", "AWS_ACCOUNT_ID", "INTEGRATION_USER_ID"})
# Placeholders that may be left unset: templates needing them are skipped, not rendered.
OPTIONAL_PLACEHOLDERS = frozenset({"INTEGRATION_USER_ID"})

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
_ACCOUNT = re.compile(r"^\d{12}$")
# ChangeEventHeader.commitUser is the 18-character user id (prefix 005).
_USER_ID = re.compile(r"^005[a-zA-Z0-9]{15}$")


class RenderError(ValueError):
    """A value or template that cannot be rendered; the message says what to fix."""


def aws_region_upper(region: str) -> str:
    """The region in the capital letters the Event Relay named credential requires."""
    value = region.strip().lower()
    if not _REGION.match(value):
        raise RenderError(
            f"--region {region!r} is not an AWS region such as us-west-2 or eu-central-1"
        )
    return value.upper()


def aws_account_id(account: str) -> str:
    value = account.strip()
    if not _ACCOUNT.match(value):
        raise RenderError(f"--account {account!r} is not a 12-digit AWS account id")
    return value


def integration_user_id(user_id: str) -> str:
    value = user_id.strip()
    if not _USER_ID.match(value):
        raise RenderError(
            f"--integration-user-id {user_id!r} is not an 18-character Salesforce user id "
            "(starts with 005; copy the 18-character id, ChangeEventHeader.commitUser uses it)"
        )
    return value


def build_values(region: str, account: str, user_id: str | None = None) -> dict[str, str]:
    """Validate the installer's inputs (reporting every bad one) and key them by placeholder."""
    checks = [
        ("AWS_REGION_UPPER", aws_region_upper, region),
        ("AWS_ACCOUNT_ID", aws_account_id, account),
    ]
    if user_id is not None:
        checks.append(("INTEGRATION_USER_ID", integration_user_id, user_id))
    values: dict[str, str] = {}
    problems: list[str] = []
    for key, check, raw in checks:
        try:
            values[key] = check(raw)
        except RenderError as exc:
            problems.append(str(exc))
    if problems:
        raise RenderError("; ".join(problems))
    return values


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def render_text(text: str, values: Mapping[str, str], *, name: str = "template") -> str:
    """Fill every placeholder of ``text``; the result must still be well-formed XML."""
    unknown = placeholders(text) - KNOWN_PLACEHOLDERS
    if unknown:
        raise RenderError(f"{name}: unknown placeholder(s) {sorted(unknown)}")
    missing = placeholders(text) - values.keys()
    if missing:
        raise RenderError(f"{name}: no value for {sorted(missing)}")
    rendered = PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
    try:
        ET.fromstring(rendered.encode("utf-8"))  # noqa: S314 - our own template, not input
    except ET.ParseError as exc:
        raise RenderError(f"{name}: rendered file is not well-formed XML: {exc}") from None
    return rendered


@dataclass(frozen=True)
class Result:
    written: tuple[Path, ...]
    skipped: tuple[tuple[Path, tuple[str, ...]], ...]


def render_tree(templates: Path, out: Path, values: Mapping[str, str]) -> Result:
    """Render every ``*.xml`` under ``templates`` into ``out`` at the same relative path.

    Templates are all checked before the first file is written, so a bad value or template
    leaves the package directories untouched.
    """
    planned: list[tuple[Path, str]] = []
    skipped: list[tuple[Path, tuple[str, ...]]] = []
    sources = sorted(templates.rglob("*.xml"))
    if not sources:
        raise RenderError(f"no templates found under {templates}")
    for src in sources:
        rel = src.relative_to(templates)
        text = src.read_text(encoding="utf-8")
        unset = (placeholders(text) & OPTIONAL_PLACEHOLDERS) - values.keys()
        if unset:
            skipped.append((rel, tuple(sorted(unset))))
            continue
        planned.append((out / rel, render_text(text, values, name=str(rel))))
    for dest, rendered in planned:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(rendered, encoding="utf-8")
    return Result(tuple(dest for dest, _ in planned), tuple(skipped))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Render salesforce/templates/ into the Salesforce DX package directories."
    )
    parser.add_argument("--region", required=True, help="AWS region of the bus, e.g. us-west-2")
    parser.add_argument("--account", required=True, help="12-digit AWS account id")
    parser.add_argument(
        "--integration-user-id",
        help="18-character id of the integration user (only for the CDC trigger, cdc-app)",
    )
    parser.add_argument(
        "--templates", type=Path, default=HERE / "templates", help=argparse.SUPPRESS
    )
    parser.add_argument("--out", type=Path, default=HERE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        values = build_values(args.region, args.account, args.integration_user_id)
    except RenderError as exc:
        parser.error(str(exc))
    try:
        result = render_tree(args.templates, args.out, values)
    except RenderError as exc:
        print(f"render_templates: {exc}", file=sys.stderr)
        return 1
    for path in result.written:
        print(f"wrote   {path}")
    for rel, unset in result.skipped:
        print(f"skipped {rel} (needs --{unset[0].lower().replace('_', '-')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
