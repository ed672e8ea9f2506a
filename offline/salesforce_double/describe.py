"""``GET /services/data/vXX.X/sobjects/<sObject>/describe``: an object's fields as the user sees them.

Salesforce answers describe with the fields the running user can read: a field hidden by
field-level security is left out of ``fields``, and one the user may read but not edit has
``updateable: false`` (REST API Developer Guide, "sObject Describe",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm;
SOAP API Developer Guide, "DescribeSObjectResult", field ``fields``). The org snapshot declares the
integration user's field-level security under ``fieldAccess``::

    "fieldAccess": {"Opportunity": {"NetSuite_Sync_Error__c": {"readable": false},
                                    "NetSuite_Sync_Status__c": {"updateable": false}}}

Every other field is readable, and updateable unless it is the record ``Id``.
"""

from __future__ import annotations

from typing import Any

from .org import SObject

# The double's value types (org.py) as describe's ``type`` values (SOAP API "Field Types").
_DESCRIBE_TYPES = {
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "double": "double",
    "id": "id",
    "int": "int",
    "picklist": "picklist",
    "string": "string",
}


def describe(obj: SObject, version: str, access: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The describe body of ``obj`` for a user with the field-level security ``access``."""
    own = {name.lower(): rules for name, rules in (access or {}).items()}
    fields = []
    for name in obj.fields.values():
        rules = own.get(name.lower(), {})
        if not rules.get("readable", True):
            continue
        value_type = obj.types.get(name) or "string"
        meta = obj.meta.get(name)
        fields.append(
            {
                "name": name,
                "label": meta.label if meta else name,
                "type": "reference"
                if value_type == "id" and name != "Id"
                else _DESCRIBE_TYPES.get(value_type, "string"),
                "custom": name.endswith("__c"),
                "length": meta.length if meta and meta.length else 0,
                "updateable": name != "Id" and bool(rules.get("updateable", True)),
                "createable": name != "Id" and bool(rules.get("updateable", True)),
                "nillable": name != "Id",
            }
        )
    return {
        "name": obj.name,
        "label": obj.name,
        "custom": obj.name.endswith("__c"),
        "queryable": True,
        "updateable": True,
        "fields": fields,
        "urls": {"describe": f"/services/data/v{version}/sobjects/{obj.name}/describe"},
    }
