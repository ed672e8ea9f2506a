"""The Salesforce metadata users deploy (salesforce/) is well-formed and agrees with itself and
with the names the Python code uses.

No org is needed: these tests read the XML with the standard library. What they cannot prove
(that an org accepts a deploy) is listed in docs/salesforce-setup.md.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from closedwon import events
from closedwon.config import WritebackFields

ROOT = Path(__file__).resolve().parents[2]
SF = ROOT / "salesforce"
TEMPLATES = SF / "templates"
FORCE_APP = SF / "force-app" / "main" / "default"
MD = "http://soap.sforce.com/2006/04/metadata"
NS = f"{{{MD}}}"

# File suffix -> (root element, folder the file must sit in) for every metadata type we ship.
METADATA_TYPES = {
    ".object-meta.xml": ("CustomObject", None),
    ".field-meta.xml": ("CustomField", "fields"),
    ".fieldSet-meta.xml": ("FieldSet", "fieldSets"),
    ".flow-meta.xml": ("Flow", "flows"),
    ".permissionset-meta.xml": ("PermissionSet", "permissionsets"),
    ".platformEventChannel-meta.xml": ("PlatformEventChannel", "platformEventChannels"),
    ".platformEventChannelMember-meta.xml": (
        "PlatformEventChannelMember",
        "platformEventChannelMembers",
    ),
    ".eventRelay-meta.xml": ("EventRelayConfig", "eventRelays"),
    ".namedCredential-meta.xml": ("NamedCredential", "namedCredentials"),
}

# Opportunity fields the CDC filter and enrichment may name: standard fields (object reference)
# plus the CPQ lookup. Our own custom fields are read from the metadata.
STANDARD_OPPORTUNITY_FIELDS = {
    "Id",
    "AccountId",
    "Amount",
    "CloseDate",
    "CreatedById",
    "CreatedDate",
    "ForecastCategoryName",
    "IsClosed",
    "IsWon",
    "LastModifiedById",
    "LastModifiedDate",
    "Name",
    "OwnerId",
    "Probability",
    "StageName",
    "Type",
}
CPQ_OPPORTUNITY_FIELDS = {"SBQQ__PrimaryQuote__c", "SBQQ__Contracted__c", "SBQQ__Ordered__c"}
# ChangeEventHeader: the array fields exist but cannot be used in a filter expression.
HEADER_SCALAR_FIELDS = {
    "entityName",
    "changeType",
    "changeOrigin",
    "transactionKey",
    "sequenceNumber",
    "commitTimestamp",
    "commitNumber",
    "commitUser",
}
FILTER_KEYWORDS = {
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "NULL",
    "TRUE",
    "FALSE",
    "INCLUDES",
    "EXCLUDES",
}

# The event contract (docs/reference/salesforce.md §7.1): name -> (type, length, required).
EVENT_FIELD_SPEC = {
    "Opportunity_Id__c": ("Text", "18", "true"),
    "Account_Id__c": ("Text", "18", "true"),
    "Primary_Quote_Id__c": ("Text", "18", "false"),
    "Closed_Won_At__c": ("DateTime", None, "true"),
    "Schema_Version__c": ("Text", "10", "true"),
    "Source_Org_Id__c": ("Text", "18", "false"),
}
# Where each event field comes from in the flow: (kind of value, value).
FLOW_EVENT_SOURCES = {
    "Opportunity_Id__c": ("elementReference", "$Record.Id"),
    "Account_Id__c": ("elementReference", "$Record.AccountId"),
    "Primary_Quote_Id__c": ("elementReference", "$Record.SBQQ__PrimaryQuote__c"),
    "Closed_Won_At__c": ("elementReference", "$Record.LastModifiedDate"),
    "Schema_Version__c": ("stringValue", "1"),
}
WRITEBACK_OBJECTS = {
    "opportunity_status": "Opportunity",
    "opportunity_error": "Opportunity",
    "opportunity_last_sync": "Opportunity",
    "opportunity_subscriptions": "Opportunity",
    "account_id": "Account",
    "contact_id": "Contact",
}
STATUS_VALUES = {"Pending", "Synced", "Error", "Skipped", "Drift"}


# ---------------------------------------------------------------- helpers


def parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def _ns(path: str) -> str:
    return "/".join(f"{NS}{part}" for part in path.split("/"))


def text(el: ET.Element, path: str) -> str | None:
    found = el.find(_ns(path))
    return None if found is None else (found.text or "")


def texts(el: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in el.findall(_ns(path))]


def metadata_files() -> list[Path]:
    return sorted(
        p for p in SF.rglob("*.xml") if not {".sf", ".sfdx"} & set(p.relative_to(SF).parts)
    )


def suffix_of(path: Path) -> str | None:
    return next((s for s in METADATA_TYPES if path.name.endswith(s)), None)


def package_dirs() -> list[Path]:
    project = json.loads((SF / "sfdx-project.json").read_text())
    return [SF / d["path"] for d in project["packageDirectories"]]


def files_of_type(suffix: str, *, templates: bool = True) -> list[Path]:
    roots = [*package_dirs(), *([TEMPLATES] if templates else [])]
    return sorted(p for root in roots for p in root.rglob(f"*{suffix}"))


def name_of(path: Path) -> str:
    suffix = suffix_of(path)
    assert suffix is not None, path
    return path.name[: -len(suffix)]


def fields_of(sobject: str) -> dict[str, ET.Element]:
    return {
        name_of(p): parse(p)
        for root in package_dirs()
        for p in (root / "main" / "default" / "objects" / sobject / "fields").glob(
            "*.field-meta.xml"
        )
    }


def custom_objects() -> set[str]:
    return {name_of(p) for p in files_of_type(".object-meta.xml")}


def channels() -> dict[str, ET.Element]:
    return {name_of(p): parse(p) for p in files_of_type(".platformEventChannel-meta.xml")}


def channel_members() -> dict[str, ET.Element]:
    return {name_of(p): parse(p) for p in files_of_type(".platformEventChannelMember-meta.xml")}


def relays() -> dict[str, ET.Element]:
    return {name_of(p): parse(p) for p in files_of_type(".eventRelay-meta.xml")}


def flow() -> ET.Element:
    return parse(FORCE_APP / "flows" / "Opportunity_Closed_Won_Publish.flow-meta.xml")


def permission_set(name: str) -> ET.Element:
    return parse(FORCE_APP / "permissionsets" / f"{name}.permissionset-meta.xml")


def cdc_member() -> ET.Element:
    members = [
        m
        for m in channel_members().values()
        if text(m, "selectedEntity") == "OpportunityChangeEvent"
    ]
    assert len(members) == 1, "exactly one OpportunityChangeEvent channel member (the CDC trigger)"
    return members[0]


def filter_identifiers(expression: str) -> set[str]:
    """Field names a channel filter expression refers to (string literals removed)."""
    without_literals = re.sub(r"'(?:[^'\\]|\\.)*'", "''", expression)
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", without_literals)
    return {w for w in words if w.upper() not in FILTER_KEYWORDS}


def load_renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_templates", SF / "render_templates.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


render = load_renderer()
USER_ID = "0055f000005mc66AAA"


# ---------------------------------------------------------------- every file


@pytest.mark.parametrize("path", metadata_files(), ids=lambda p: str(p.relative_to(SF)))
def test_every_xml_file_is_metadata_of_the_type_its_name_says(path: Path) -> None:
    root = parse(path)
    suffix = suffix_of(path)
    assert suffix is not None, f"{path.name}: unknown metadata suffix (add it to METADATA_TYPES)"
    element, folder = METADATA_TYPES[suffix]
    assert root.tag == f"{NS}{element}", f"{path.name}: root is {root.tag}, expected {element}"
    if folder is not None:
        assert path.parent.name == folder, f"{path.name} must sit in a {folder}/ folder"
    else:
        assert path.parent.parent.name == "objects" and path.parent.name == name_of(path)


def test_metadata_files_exist() -> None:
    assert len(metadata_files()) >= 20


@pytest.mark.parametrize("path", metadata_files(), ids=lambda p: str(p.relative_to(SF)))
def test_text_stays_within_salesforce_length_limits(path: Path) -> None:
    root = parse(path)
    limit = 1000 if root.tag in (f"{NS}CustomField", f"{NS}CustomObject") else 255
    for description in texts(root, "description"):
        assert len(description) <= limit, f"{path.name}: description over {limit} characters"
    for label in texts(root, "label"):
        assert len(label) <= 80, f"{path.name}: label over 80 characters"
    for help_text in texts(root, "inlineHelpText"):
        assert len(help_text) <= 510, f"{path.name}: help text over 510 characters"


def test_sfdx_project_lists_existing_package_directories_with_force_app_the_default() -> None:
    project = json.loads((SF / "sfdx-project.json").read_text())
    assert project["sourceApiVersion"] == "62.0"
    dirs = project["packageDirectories"]
    for entry in dirs:
        assert (SF / entry["path"] / "main" / "default").is_dir(), entry["path"]
    assert [d["path"] for d in dirs if d.get("default")] == ["force-app"]
    assert {d["path"]: d.get("default") for d in dirs}["cdc-app"] is False


def test_templates_sit_outside_every_package_directory() -> None:
    # sf deploys package directories only; a file with {{...}} in it must never be among them.
    for pkg in package_dirs():
        assert TEMPLATES not in pkg.parents and pkg != TEMPLATES
        for path in pkg.rglob("*.xml"):
            assert "{{" not in path.read_text(), f"{path}: unrendered placeholder in a package"


# ---------------------------------------------------------------- platform event


def test_platform_event_is_high_volume_and_published_after_commit() -> None:
    obj = parse(
        FORCE_APP
        / "objects"
        / events.PLATFORM_EVENT_NAME
        / f"{events.PLATFORM_EVENT_NAME}.object-meta.xml"
    )
    assert events.PLATFORM_EVENT_NAME == "Opportunity_Closed_Won__e"
    assert text(obj, "eventType") == "HighVolume"
    assert text(obj, "publishBehavior") == "PublishAfterCommit"
    assert text(obj, "deploymentStatus") == "Deployed"


@pytest.mark.parametrize("field", sorted(EVENT_FIELD_SPEC))
def test_platform_event_field_matches_the_contract(field: str) -> None:
    fields = fields_of(events.PLATFORM_EVENT_NAME)
    assert field in fields, f"{field} missing on {events.PLATFORM_EVENT_NAME}"
    kind, length, required = EVENT_FIELD_SPEC[field]
    assert text(fields[field], "fullName") == field
    assert text(fields[field], "type") == kind
    assert text(fields[field], "length") == length
    assert text(fields[field], "required") == required


def test_platform_event_has_exactly_the_contract_fields() -> None:
    assert set(fields_of(events.PLATFORM_EVENT_NAME)) == set(EVENT_FIELD_SPEC)


def test_every_field_the_normaliser_reads_exists_on_the_platform_event() -> None:
    fields = fields_of(events.PLATFORM_EVENT_NAME)
    missing = [f for f in events.PLATFORM_EVENT_FIELDS if f not in fields]
    assert not missing, f"closedwon.events.PLATFORM_EVENT_FIELDS not on the event: {missing}"
    assert events.PLATFORM_EVENT_NAME in custom_objects()


# ---------------------------------------------------------------- flow


def test_flow_runs_after_save_on_opportunity_only_when_it_becomes_won() -> None:
    start = flow().find(f"{NS}start")
    assert start is not None
    assert text(start, "object") == "Opportunity"
    assert text(start, "triggerType") == "RecordAfterSave"
    assert text(start, "recordTriggerType") == "CreateAndUpdate"
    assert text(start, "doesRequireRecordChangedToMeetCriteria") == "true"
    filters = start.findall(f"{NS}filters")
    assert [
        (text(f, "field"), text(f, "operator"), text(f, "value/booleanValue")) for f in filters
    ] == [("IsWon", "EqualTo", "true")]
    assert text(flow(), "status") == "Active"
    assert text(flow(), "processType") == "AutoLaunchedFlow"


def _flow_assignments() -> dict[str, tuple[str, str]]:
    creates = flow().findall(f"{NS}recordCreates")
    assert [text(c, "object") for c in creates] == [events.PLATFORM_EVENT_NAME]
    assignments: dict[str, tuple[str, str]] = {}
    for item in creates[0].findall(f"{NS}inputAssignments"):
        value = item.find(f"{NS}value")
        assert value is not None and len(value) == 1
        field = text(item, "field")
        assert field is not None and field not in assignments, f"{field} assigned twice"
        assignments[field] = (value[0].tag.removeprefix(NS), value[0].text or "")
    return assignments


def test_flow_assigns_every_platform_event_field_and_nothing_else() -> None:
    assigned = set(_flow_assignments())
    event_fields = set(fields_of(events.PLATFORM_EVENT_NAME))
    assert event_fields - assigned == set(), "event fields the flow leaves empty"
    assert assigned - event_fields == set(), "flow assigns fields the event does not have"


@pytest.mark.parametrize("field", sorted(FLOW_EVENT_SOURCES))
def test_flow_fills_event_field_from_the_opportunity(field: str) -> None:
    assert _flow_assignments()[field] == FLOW_EVENT_SOURCES[field]


def test_flow_publishes_the_schema_version_the_normaliser_accepts() -> None:
    kind, version = _flow_assignments()["Schema_Version__c"]
    assert kind == "stringValue"
    assert version.split(".")[0] == events.SUPPORTED_SCHEMA_MAJOR


def test_flow_fills_source_org_id_with_the_18_character_org_id() -> None:
    kind, ref = _flow_assignments()["Source_Org_Id__c"]
    assert kind == "elementReference"
    formulas = {text(f, "name"): f for f in flow().findall(f"{NS}formulas")}
    assert ref in formulas, f"{ref} is not a formula of the flow"
    assert text(formulas[ref], "dataType") == "String"
    assert text(formulas[ref], "expression") == "CASESAFEID({!$Organization.Id})"


def test_flow_references_resolve() -> None:
    root = flow()
    names = {text(e, "name") for e in root if e.find(f"{NS}name") is not None}
    refs = texts(root, "start/connector/targetReference") + [
        r
        for r in (e.text or "" for e in root.iter(f"{NS}elementReference"))
        if not r.startswith("$")
    ]
    assert refs, "the flow references nothing"
    assert [r for r in refs if r not in names] == []


# ---------------------------------------------------------------- write-back fields


@pytest.mark.parametrize("key", sorted(WRITEBACK_OBJECTS))
def test_writeback_field_from_config_exists_on_its_object(key: str) -> None:
    assert set(WritebackFields.model_fields) == set(WRITEBACK_OBJECTS)
    field = getattr(WritebackFields(), key)
    sobject = WRITEBACK_OBJECTS[key]
    assert field in fields_of(sobject), f"{sobject}.{field} (salesforce.writeback.{key}) missing"


def test_status_picklist_is_restricted_to_the_values_the_sync_writes() -> None:
    status = fields_of("Opportunity")[WritebackFields().opportunity_status]
    assert text(status, "type") == "Picklist"
    assert text(status, "valueSet/restricted") == "true"
    values = texts(status, "valueSet/valueSetDefinition/value/fullName")
    assert set(values) == STATUS_VALUES
    assert len(values) == len(STATUS_VALUES)


def test_every_status_the_code_writes_is_a_picklist_value() -> None:
    # The picklist is restricted: Salesforce refuses any other value, and with it the write-back.
    package = ROOT / "layers" / "shared" / "closedwon"
    written = {
        value
        for source in package.rglob("*.py")
        for value in re.findall(r"opportunity_status:\s*\"([^\"]+)\"", source.read_text())
    }
    assert written, "found no status the sync writes (did the write-back code move?)"
    status = fields_of("Opportunity")[WritebackFields().opportunity_status]
    picklist = set(texts(status, "valueSet/valueSetDefinition/value/fullName"))
    assert written <= picklist, f"not in the picklist: {sorted(written - picklist)}"


def test_opportunity_result_fields_have_room_for_what_the_sync_writes() -> None:
    wb = WritebackFields()
    opp = fields_of("Opportunity")
    # docs/mapping.md §5: errors are truncated at 32,000 characters; subscription ids are never cut.
    for name in (wb.opportunity_error, wb.opportunity_subscriptions):
        assert text(opp[name], "type") == "LongTextArea"
        assert int(text(opp[name], "length") or 0) == 32768
    assert text(opp[wb.opportunity_last_sync], "type") == "DateTime"


@pytest.mark.parametrize("sobject,key", [("Account", "account_id"), ("Contact", "contact_id")])
def test_netsuite_id_is_a_unique_external_id(sobject: str, key: str) -> None:
    field = fields_of(sobject)[getattr(WritebackFields(), key)]
    assert text(field, "type") == "Text"
    assert text(field, "length") == "30"
    assert text(field, "externalId") == "true"
    assert text(field, "unique") == "true"


def test_field_set_shows_the_sync_result_fields_of_opportunity() -> None:
    fs = parse(
        FORCE_APP / "objects" / "Opportunity" / "fieldSets" / "NetSuite_Sync.fieldSet-meta.xml"
    )
    shown = texts(fs, "displayedFields/field")
    assert shown and shown[0] == WritebackFields().opportunity_status
    assert [f for f in shown if f not in fields_of("Opportunity")] == []
    assert text(fs, "description"), "a field set needs a description"


def test_no_page_layout_is_shipped() -> None:
    # Deploying a Layout replaces the org's whole layout; the field set is added by hand instead.
    assert not [p for root in package_dirs() for p in root.rglob("*.layout-meta.xml")]


# ---------------------------------------------------------------- permission sets


def _field_permissions(name: str) -> dict[str, tuple[str | None, str | None]]:
    ps = permission_set(name)
    return {
        text(fp, "field") or "": (text(fp, "readable"), text(fp, "editable"))
        for fp in ps.findall(f"{NS}fieldPermissions")
    }


def _object_permissions(name: str) -> dict[str, dict[str, str]]:
    ps = permission_set(name)
    return {
        text(op, "object") or "": {child.tag.removeprefix(NS): child.text or "" for child in op}
        for op in ps.findall(f"{NS}objectPermissions")
    }


def _writeback_field_paths() -> set[str]:
    wb = WritebackFields()
    return {f"{WRITEBACK_OBJECTS[key]}.{getattr(wb, key)}" for key in WRITEBACK_OBJECTS}


def test_integration_user_can_edit_every_writeback_field() -> None:
    perms = _field_permissions("NetSuite_Integration")
    for path in _writeback_field_paths():
        assert perms.get(path) == ("true", "true"), f"{path} not editable by the integration user"


def test_integration_user_reads_the_deal_and_edits_only_what_it_writes_back() -> None:
    objects = _object_permissions("NetSuite_Integration")
    readable = {
        "Opportunity",
        "Account",
        "Contact",
        "Product2",
        "SBQQ__Quote__c",
        "SBQQ__QuoteLine__c",
        events.PLATFORM_EVENT_NAME,
    }
    assert set(objects) == readable
    assert all(p["allowRead"] == "true" for p in objects.values())
    editable = {o for o, p in objects.items() if p["allowEdit"] == "true"}
    assert editable == {WRITEBACK_OBJECTS[key] for key in WRITEBACK_OBJECTS}
    for obj, p in objects.items():
        assert p["allowCreate"] == p["allowDelete"] == p["modifyAllRecords"] == "false", obj


def test_integration_user_is_api_enabled() -> None:
    ps = permission_set("NetSuite_Integration")
    enabled = {
        text(up, "name")
        for up in ps.findall(f"{NS}userPermissions")
        if text(up, "enabled") == "true"
    }
    assert "ApiEnabled" in enabled


def test_status_viewer_reads_the_result_fields_without_editing_them() -> None:
    perms = _field_permissions("NetSuite_Sync_Status_Viewer")
    assert set(perms) == _writeback_field_paths()
    assert set(perms.values()) == {("true", "false")}
    assert not permission_set("NetSuite_Sync_Status_Viewer").findall(f"{NS}userPermissions")


@pytest.mark.parametrize("name", ["NetSuite_Integration", "NetSuite_Sync_Status_Viewer"])
def test_permission_sets_name_only_fields_shipped_here(name: str) -> None:
    # A permission set naming a missing or a required field fails the whole deploy.
    for path in _field_permissions(name):
        sobject, field = path.split(".", 1)
        fields = fields_of(sobject)
        assert field in fields, f"{path} is not defined in salesforce/"
        assert text(fields[field], "required") != "true", f"{path} is required: no FLS possible"


# ---------------------------------------------------------------- channels and relays


def test_channel_members_reference_existing_channels_and_events() -> None:
    chans = channels()
    members = channel_members()
    assert members
    for name, member in members.items():
        channel = text(member, "eventChannel")
        entity = text(member, "selectedEntity") or ""
        assert channel in chans, f"{name}: channel {channel} is not defined"
        channel_type = text(chans[channel], "channelType")
        if channel_type == "event":
            assert entity in custom_objects(), f"{name}: platform event {entity} is not defined"
            assert member.find(f"{NS}enrichedFields") is None, "enrichment is for CDC only"
        else:
            assert channel_type == "data" and entity.endswith("ChangeEvent"), name
        # Developer name rule: ChannelName_EventName with no double underscores.
        expected = f"{channel.replace('__', '_')}_{entity.replace('__', '_')}"
        assert name == expected, f"{name}: expected file name {expected}"
        assert "__" not in name


def test_platform_event_channel_carries_the_closed_won_event() -> None:
    chan = channels()["OppClosedWon__chn"]
    assert text(chan, "channelType") == "event"
    entities = [
        text(m, "selectedEntity")
        for m in channel_members().values()
        if text(m, "eventChannel") == "OppClosedWon__chn"
    ]
    assert entities == [events.PLATFORM_EVENT_NAME]


def _named_credentials() -> set[str]:
    return {name_of(p) for p in files_of_type(".namedCredential-meta.xml")}


def test_relays_reference_existing_channels_and_the_named_credential() -> None:
    rels = relays()
    assert set(rels) == {"OppClosedWonRelay", "OppCdcRelay"}
    used = [text(r, "eventChannel") for r in rels.values()]
    assert len(set(used)) == len(used), "a channel must not be shared by two relays"
    for name, relay in rels.items():
        assert text(relay, "eventChannel") in channels(), name
        destination = text(relay, "destinationResourceName") or ""
        assert destination.startswith("callout:"), f"{name}: needs the callout: prefix"
        assert destination.removeprefix("callout:") in _named_credentials(), name


def test_relays_are_created_stopped_and_resume_from_latest() -> None:
    for name, relay in relays().items():
        assert text(relay, "state") == "STOP", f"{name}: STOP is the only state allowed on create"
        assert json.loads(text(relay, "relayOption") or "") == {"ReplayRecovery": "LATEST"}


def test_relays_stay_out_of_the_routinely_deployed_packages() -> None:
    # Deploying a relay file sets its state; a relay riding along with every deploy of
    # force-app or cdc-app would be STOPped by it, losing the events published meanwhile.
    for path in files_of_type(".eventRelay-meta.xml"):
        assert path.relative_to(SF).parts[0] == "relay-app", path


def test_named_credential_template_points_at_the_aws_account_and_region() -> None:
    nc = parse(
        TEMPLATES
        / "force-app/main/default/namedCredentials/NetSuiteSyncRelay.namedCredential-meta.xml"
    )
    assert text(nc, "endpoint") == "arn:aws:{{AWS_REGION_UPPER}}:{{AWS_ACCOUNT_ID}}"
    assert text(nc, "namedCredentialType") == "Legacy"
    assert text(nc, "principalType") == "Anonymous"
    assert text(nc, "protocol") == "NoAuthentication"


# ---------------------------------------------------------------- CDC variant


def test_cdc_channel_is_a_data_channel_in_its_own_package() -> None:
    chan = channels()["OppCdc__chn"]
    assert text(chan, "channelType") == "data"
    assert (
        SF / "cdc-app/main/default/platformEventChannels/OppCdc__chn.platformEventChannel-meta.xml"
    ).is_file()
    assert text(cdc_member(), "eventChannel") == "OppCdc__chn"


def test_cdc_filter_names_only_opportunity_fields_and_scalar_header_fields() -> None:
    expression = text(cdc_member(), "filterExpression") or ""
    opportunity = (
        STANDARD_OPPORTUNITY_FIELDS | CPQ_OPPORTUNITY_FIELDS | set(fields_of("Opportunity"))
    )
    names = filter_identifiers(expression)
    assert names, "the filter names no field"
    for name in names:
        if name.startswith("ChangeEventHeader."):
            header_field = name.removeprefix("ChangeEventHeader.")
            assert header_field in HEADER_SCALAR_FIELDS, f"{name} cannot be used in a filter"
        else:
            assert name in opportunity, f"{name} is not an Opportunity field"


def test_cdc_filter_ignores_the_integration_users_own_writes() -> None:
    expression = text(cdc_member(), "filterExpression") or ""
    assert "ChangeEventHeader.commitUser != '{{INTEGRATION_USER_ID}}'" in expression
    assert re.search(
        r"\(ChangeEventHeader\.changeType = 'UPDATE' OR ChangeEventHeader\.changeType = 'CREATE'\)",
        expression,
    )


def test_cdc_filter_uses_the_won_stage_the_normaliser_checks() -> None:
    expression = text(cdc_member(), "filterExpression") or ""
    assert f"StageName = '{events.WON_STAGE}'" in expression


def test_cdc_enriched_fields_exist_on_opportunity() -> None:
    enriched = texts(cdc_member(), "enrichedFields/name")
    assert set(enriched) == {"AccountId", "SBQQ__PrimaryQuote__c", "IsWon"}
    opportunity = (
        STANDARD_OPPORTUNITY_FIELDS | CPQ_OPPORTUNITY_FIELDS | set(fields_of("Opportunity"))
    )
    assert set(enriched) <= opportunity


def test_filter_identifiers_ignores_literals_and_keywords() -> None:
    assert filter_identifiers("A__c = 'x AND y.z' OR NOT B IN ('C')") == {"A__c", "B"}


# ---------------------------------------------------------------- render_templates.py


def _render(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SF / "render_templates.py"), "--out", str(tmp_path), *extra],
        capture_output=True,
        text=True,
        check=False,
    )


def _args(
    region: str = "us-west-2", account: str = "123456789012", user: str | None = None
) -> list[str]:
    return [
        "--region",
        region,
        "--account",
        account,
        *(["--integration-user-id", user] if user else []),
    ]


def test_render_substitutes_every_placeholder_of_every_template(tmp_path: Path) -> None:
    result = _render(tmp_path, *_args(user=USER_ID))
    assert result.returncode == 0, result.stderr
    templates = sorted(p.relative_to(TEMPLATES) for p in TEMPLATES.rglob("*.xml"))
    rendered = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.xml"))
    assert rendered == templates
    for rel in rendered:
        content = (tmp_path / rel).read_text()
        assert "{{" not in content and "}}" not in content, rel
        parse(tmp_path / rel)
    nc = parse(
        tmp_path
        / "force-app/main/default/namedCredentials/NetSuiteSyncRelay.namedCredential-meta.xml"
    )
    assert text(nc, "endpoint") == "arn:aws:US-WEST-2:123456789012"
    member = parse(
        tmp_path
        / "cdc-app/main/default/platformEventChannelMembers"
        / "OppCdc_chn_OpportunityChangeEvent.platformEventChannelMember-meta.xml"
    )
    assert f"ChangeEventHeader.commitUser != '{USER_ID}'" in (
        text(member, "filterExpression") or ""
    )


def test_every_template_placeholder_is_one_the_renderer_knows() -> None:
    used = {name for p in TEMPLATES.rglob("*.xml") for name in render.placeholders(p.read_text())}
    assert used == set(render.KNOWN_PLACEHOLDERS)


def test_render_without_integration_user_skips_only_the_cdc_member(tmp_path: Path) -> None:
    result = _render(tmp_path, *_args(region="eu-central-1"))
    assert result.returncode == 0, result.stderr
    rendered = [p.name for p in tmp_path.rglob("*.xml")]
    assert rendered == ["NetSuiteSyncRelay.namedCredential-meta.xml"]
    assert "needs --integration-user-id" in result.stdout


@pytest.mark.parametrize(
    "args, complaint",
    [
        (_args(region="us_west_2"), "--region"),
        (_args(region="arn:aws:us-west-2"), "--region"),
        (_args(account="12345678901"), "--account"),
        (_args(account="1234567890123"), "--account"),
        (_args(account="12345678901a"), "--account"),
        (_args(user="0055f000005mc66"), "--integration-user-id"),  # 15-character id
        (_args(user="0015f000005mc66AAA"), "--integration-user-id"),  # an Account id
        (_args(user="005' OR 'x'='x--AA"), "--integration-user-id"),  # filter injection
    ],
)
def test_render_refuses_malformed_values_and_writes_nothing(
    tmp_path: Path, args: list[str], complaint: str
) -> None:
    result = _render(tmp_path, *args)
    assert result.returncode == 2
    assert complaint in result.stderr
    assert not list(tmp_path.rglob("*"))


def test_render_reports_every_bad_value_at_once(tmp_path: Path) -> None:
    result = _render(tmp_path, *_args(region="nowhere", account="42"))
    assert result.returncode == 2
    assert "--region" in result.stderr and "--account" in result.stderr


def test_render_upper_cases_the_region_as_event_relay_requires() -> None:
    assert (
        render.build_values("us-gov-west-1", "123456789012")["AWS_REGION_UPPER"] == "US-GOV-WEST-1"
    )
    assert render.build_values("EU-WEST-1", "123456789012")["AWS_REGION_UPPER"] == "EU-WEST-1"


def test_render_refuses_a_template_with_an_unknown_placeholder(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "force-app").mkdir(parents=True)
    (templates / "force-app" / "x.namedCredential-meta.xml").write_text(
        f'<NamedCredential xmlns="{MD}"><endpoint>{{{{AWS_REGON}}}}</endpoint></NamedCredential>'
    )
    out = tmp_path / "out"
    result = _render(out, "--templates", str(templates), *_args())
    assert result.returncode == 1
    assert "unknown placeholder(s) ['AWS_REGON']" in result.stderr
    assert not out.exists()


def test_rendered_files_are_git_ignored() -> None:
    # They hold an AWS account and a user id of one org: never committed by accident.
    ignored = set((SF / ".gitignore").read_text().split())
    for template in TEMPLATES.rglob("*.xml"):
        assert str(template.relative_to(TEMPLATES)) in ignored, template


# ---------------------------------------------------------------- Resync to NetSuite
RESYNC_FIELD = "NetSuite_Resync__c"


def resync_flow() -> ET.Element:
    return parse(FORCE_APP / "flows" / "Opportunity_Resync_To_NetSuite.flow-meta.xml")


def _assignments(create: ET.Element) -> dict[str, str]:
    found = {}
    for item in create.findall(f"{NS}inputAssignments"):
        value = item.find(f"{NS}value")
        assert value is not None
        found[text(item, "field") or ""] = ET.tostring(value).decode()
    return found


def test_resync_flow_starts_after_save_only_when_the_box_becomes_checked() -> None:
    start = resync_flow().find(f"{NS}start")
    assert start is not None
    assert (text(start, "object"), text(start, "triggerType")) == ("Opportunity", "RecordAfterSave")
    assert text(start, "recordTriggerType") == "Update"
    assert text(start, "doesRequireRecordChangedToMeetCriteria") == "true"
    filters = start.findall(f"{NS}filters")
    assert [
        (text(f, "field"), text(f, "operator"), text(f, "value/booleanValue")) for f in filters
    ] == [(RESYNC_FIELD, "EqualTo", "true")]
    assert text(resync_flow(), "status") == "Active"


def test_resync_flow_publishes_the_same_event_as_the_closed_won_flow_only_when_won() -> None:
    root = resync_flow()
    creates = root.findall(f"{NS}recordCreates")
    assert [text(c, "object") for c in creates] == [events.PLATFORM_EVENT_NAME]
    original = flow().findall(f"{NS}recordCreates")[0]
    assert _assignments(creates[0]) == _assignments(original)
    decision = root.find(f"{NS}decisions")
    assert decision is not None
    rule = decision.find(f"{NS}rules")
    assert rule is not None
    assert text(rule, "conditions/leftValueReference") == "$Record.IsWon"
    assert text(rule, "conditions/rightValue/booleanValue") == "true"
    assert text(rule, "connector/targetReference") == text(creates[0], "name")
    assert text(decision, "defaultConnector/targetReference") == "Clear_Resync"


def test_resync_flow_clears_the_box_on_every_path_so_it_cannot_loop() -> None:
    root = resync_flow()
    create = root.findall(f"{NS}recordCreates")[0]
    assert text(create, "connector/targetReference") == "Clear_Resync"
    clear = root.find(f"{NS}recordUpdates")
    assert clear is not None and text(clear, "name") == "Clear_Resync"
    assert text(clear, "inputReference") == "$Record"
    assert [
        (text(a, "field"), text(a, "value/booleanValue"))
        for a in clear.findall(f"{NS}inputAssignments")
    ] == [(RESYNC_FIELD, "false")]
    # Clearing the box does not make the Closed Won flow run again: it starts on IsWon only.
    closed_won = flow().find(f"{NS}start")
    assert closed_won is not None
    assert {text(f, "field") for f in closed_won.findall(f"{NS}filters")} == {"IsWon"}


def test_resync_box_is_a_checkbox_off_by_default_editable_through_the_resync_permission_set() -> (
    None
):
    field = parse(
        FORCE_APP / "objects" / "Opportunity" / "fields" / f"{RESYNC_FIELD}.field-meta.xml"
    )
    assert (text(field, "type"), text(field, "defaultValue")) == ("Checkbox", "false")
    grants = {
        text(p, "field"): (text(p, "readable"), text(p, "editable"))
        for p in permission_set("NetSuite_Resync").findall(f"{NS}fieldPermissions")
    }
    assert grants == {f"Opportunity.{RESYNC_FIELD}": ("true", "true")}
