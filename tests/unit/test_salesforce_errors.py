"""Salesforce error bodies become messages that keep the field names (and stay short).

Source: Salesforce REST API Developer Guide, "Status Codes and Error Responses": an error body is
a list of ``{"message", "errorCode", "fields"}``; for a query error the message echoes the SOQL,
then ``ERROR at Row:r:Column:c`` and the sentence naming the field.
"""

from __future__ import annotations

from simple_salesforce.exceptions import SalesforceMalformedRequest

from closedwon.errors import AuthOrConfig
from closedwon.salesforce import soql
from closedwon.salesforce.errors import capped, classify, error_messages

QUERY = soql.opportunity_query("0065f0000000001AAA", multi_currency=True)
INVALID_FIELD = [
    {
        "message": f"\n{QUERY}\n       ^\nERROR at Row:1:Column:8\nNo such column "
        "'CurrencyIsoCode' on entity 'Opportunity'. If you are attempting to use a custom field, "
        "be sure to append the '__c' after the custom field name. Please reference your WSDL or "
        "the describe call for the appropriate names.",
        "errorCode": "INVALID_FIELD",
    }
]


def test_a_query_error_keeps_the_sentence_that_names_the_field() -> None:
    assert len(QUERY) > 500  # the echoed query alone is longer than the old 500-character cut
    exc = SalesforceMalformedRequest("url", 400, "query", INVALID_FIELD)
    error = classify(exc, "reading opportunity 0065f0000000001AAA")
    assert isinstance(error, AuthOrConfig)
    assert "No such column 'CurrencyIsoCode' on entity 'Opportunity'" in str(error)
    assert "ERROR at Row:1:Column:8" in str(error)
    assert "SELECT" not in str(error)
    assert "(INVALID_FIELD)" in str(error)


def test_a_record_error_lists_its_fields() -> None:
    body = [{"message": "value too long", "errorCode": "STRING_TOO_LONG", "fields": ["Name"]}]
    assert error_messages(body) == "value too long (fields: Name)"


def test_each_error_is_capped_keeping_both_ends() -> None:
    text = "Field X__c: " + "junk " * 10_000 + "is not writable by the integration user"
    out = capped(text)
    assert len(out) <= 300
    assert out.startswith("Field X__c: ") and out.endswith("by the integration user")


def test_many_errors_are_counted_not_all_listed() -> None:
    body = [{"message": f"problem {i}", "errorCode": "E"} for i in range(50)]
    out = error_messages(body)
    assert "problem 9" in out and "problem 10" not in out and "and 40 more" in out
