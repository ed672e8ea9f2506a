"""The Salesforce double reads field types from the project's sfdx source, every package."""

from __future__ import annotations

import json
from pathlib import Path

from offline.salesforce_double.metadata import SFDX_ROOT, load_fields


def test_the_project_fields_are_read_with_their_types_lengths_and_picklists() -> None:
    fields = load_fields()

    status = fields["Opportunity"]["NetSuite_Sync_Status__c"]
    assert status.value_type == "picklist" and status.restricted
    assert status.picklist == ("Pending", "Synced", "Error", "Skipped", "Drift")
    assert fields["Opportunity"]["NetSuite_Last_Sync__c"].value_type == "datetime"
    assert fields["Opportunity"]["NetSuite_Sync_Error__c"].length == 32_768
    account_id = fields["Account"]["NetSuite_Id__c"]
    assert (account_id.external_id, account_id.unique, account_id.length) == (True, True, 30)
    assert not account_id.case_sensitive


def test_every_package_directory_of_the_sfdx_project_is_read(tmp_path: Path) -> None:
    project = json.loads((SFDX_ROOT / "sfdx-project.json").read_text())
    (tmp_path / "sfdx-project.json").write_text(
        json.dumps({**project, "packageDirectories": [{"path": "extra"}]})
    )
    folder = tmp_path / "extra/main/default/objects/Thing__c/fields"
    folder.mkdir(parents=True)
    (folder / "Code__c.field-meta.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">'
        "<fullName>Code__c</fullName><label>Code</label><length>8</length><type>Text</type>"
        "</CustomField>"
    )

    fields = load_fields(tmp_path)

    assert set(fields) == {"Thing__c"}
    assert fields["Thing__c"]["Code__c"].length == 8
    assert fields["Thing__c"]["Code__c"].value_type == "string"
