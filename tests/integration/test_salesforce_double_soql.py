"""SOQL semantics of the Salesforce double, evaluated directly (no HTTP).

Given a small org, when a SOQL statement is run, then rows, order and errors follow Salesforce's
rules: case-insensitive text, nulls kept by !=, typed literals, ORDER BY null placement, ids
compared on 15 characters, parenthesised AND/OR.
"""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simple_salesforce import format_soql

from offline.salesforce_double.errors import ApiError
from offline.salesforce_double.org import Org, to_18
from offline.salesforce_double.query import QueryEngine

U1 = "0055f000005mc66AAA"
U2 = "0055f000005mc67AAA"
A1, A2, A3, A4, A5 = (f"0015f00002J9YY{c}AA3" for c in "ABCDE")
T1, T2, T3 = (f"a095f00000Tsk0{n}AAA" for n in "123")
TODAY = dt.datetime.now(dt.UTC)


def _account(
    aid: str,
    name: str,
    revenue: float | None,
    partner: bool,
    rating: str | None,
    created: str,
    sla: str | None,
    owner: str,
) -> dict:
    return {
        "Id": aid,
        "Name": name,
        "AnnualRevenue": revenue,
        "IsPartner": partner,
        "Rating": rating,
        "CreatedDate": created,
        "SLAExpirationDate__c": sla,
        "OwnerId": owner,
        "Primary_Task__c": None,
    }


def snapshot() -> dict:
    recent = TODAY.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return {
        "orgId": "00D5f000005KcCnEAK",
        "records": {
            "User": [
                {"Id": U1, "Name": "Ada Owner", "Username": "ada@example.com"},
                {"Id": U2, "Name": "Bo Owner", "Username": "bo@example.com"},
            ],
            "Account": [
                _account(
                    A1, "Acme", 100.0, True, "Hot", "2020-01-10T08:00:00.000+0000", "2020-06-30", U1
                ),
                _account(
                    A2, "acme labs", 50.5, False, None, "2020-02-01T00:00:00.000+0000", None, U2
                ),
                _account(
                    A3,
                    "Globex_50%",
                    None,
                    False,
                    "Cold",
                    "2019-12-31T23:59:59.000+0000",
                    "2020-01-01",
                    U1,
                ),
                _account(A4, "Initech", 250.0, True, "Warm", recent, "2030-01-01", U2),
                _account(
                    A5, "O'Brien \\ Sons", 75.0, False, "hot", "2020-03-04T17:21:08.000Z", None, U1
                ),
            ],
            "Task__c": [
                {"Id": T1, "Subject__c": "Call", "Account__c": A1, "Priority__c": 2.0},
                {"Id": T2, "Subject__c": "Email", "Account__c": A1, "Priority__c": 1.0},
                {"Id": T3, "Subject__c": "Visit", "Account__c": A2, "Priority__c": None},
            ],
        },
        "relationships": {
            "children": {"Account": {"Tasks__r": {"sObject": "Task__c", "field": "Account__c"}}},
            "parents": {
                "Account": {"Main_Task__r": {"field": "Primary_Task__c", "sObject": "Task__c"}}
            },
        },
    }


@pytest.fixture
def engine(tmp_path) -> QueryEngine:
    return QueryEngine(Org(snapshot(), tmp_path / "overlay.json"))


def names(engine: QueryEngine, soql: str) -> list[str]:
    return [r["Name"] for r in engine.run(soql, "62.0").records]


def error(engine: QueryEngine, soql: str) -> ApiError:
    with pytest.raises(ApiError) as exc:
        engine.run(soql, "62.0")
    assert exc.value.status == 400
    return exc.value


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Name = 'ACME'", ["Acme"]),  # text compares case-insensitively
        ("Rating = 'hot'", ["Acme", "O'Brien \\ Sons"]),
        ("Rating != 'Hot'", ["acme labs", "Globex_50%", "Initech"]),  # != keeps nulls
        ("Rating = null", ["acme labs"]),
        ("Rating != null", ["Acme", "Globex_50%", "Initech", "O'Brien \\ Sons"]),
        ("AnnualRevenue > 75", ["Acme", "Initech"]),
        ("AnnualRevenue >= 75", ["Acme", "Initech", "O'Brien \\ Sons"]),
        ("AnnualRevenue < 75.0", ["acme labs"]),
        ("AnnualRevenue <= -1", []),
        ("IsPartner = true", ["Acme", "Initech"]),
        ("IsPartner != TRUE", ["acme labs", "Globex_50%", "O'Brien \\ Sons"]),
        ("Rating IN ('warm', 'COLD')", ["Globex_50%", "Initech"]),
        ("Rating NOT IN ('Hot')", ["acme labs", "Globex_50%", "Initech"]),
        ("Rating IN ('Warm', null)", ["acme labs", "Initech"]),
        ("Name LIKE 'acme%'", ["Acme", "acme labs"]),
        ("Name LIKE '_cme'", ["Acme"]),
        ("Name LIKE '%\\_50\\%'", ["Globex_50%"]),
        ("Name LIKE '%\\\\%'", ["O'Brien \\ Sons"]),
        ("NOT Name LIKE 'a%'", ["Globex_50%", "Initech", "O'Brien \\ Sons"]),
        ("(Rating = 'Hot' OR Rating = 'Warm') AND IsPartner = true", ["Acme", "Initech"]),
        (
            "Rating = 'Cold' OR (IsPartner = true AND AnnualRevenue > 200)",
            ["Globex_50%", "Initech"],
        ),
        ("NOT (IsPartner = true OR Rating = null)", ["Globex_50%", "O'Brien \\ Sons"]),
        ("CreatedDate > 2020-01-10T08:00:00Z", ["acme labs", "Initech", "O'Brien \\ Sons"]),
        ("CreatedDate = 2020-03-04T17:21:08.000+0000", ["O'Brien \\ Sons"]),
        ("CreatedDate < 2020-01-01T00:00:00-01:00", ["Globex_50%"]),
        ("CreatedDate < 2020-01-01T00:00:00+01:00", []),
        ("SLAExpirationDate__c >= 2020-06-30", ["Acme", "Initech"]),
        ("CreatedDate = TODAY", ["Initech"]),
        ("CreatedDate = LAST_N_DAYS:1", ["Initech"]),
        ("CreatedDate < YESTERDAY", ["Acme", "acme labs", "Globex_50%", "O'Brien \\ Sons"]),
        ("Owner.Name = 'Bo Owner'", ["acme labs", "Initech"]),
        ("Name = 'O\\'Brien \\\\ Sons'", ["O'Brien \\ Sons"]),
    ],
)
def test_where_clause_semantics(engine, where, expected):
    assert names(engine, f"SELECT Name FROM Account WHERE {where}") == expected


def test_ids_compare_on_their_first_15_characters_case_sensitively(engine):
    soql = "SELECT Name FROM Account WHERE Id IN ('{}', '{}', '{}')"

    assert names(engine, soql.format(A1[:15], A2, A3.lower())) == ["Acme", "acme labs"]
    assert names(engine, f"SELECT Name FROM Account WHERE OwnerId = '{U2[:15]}'") == [
        "acme labs",
        "Initech",
    ]
    assert names(engine, f"SELECT Name FROM Account WHERE OwnerId != '{U2[:15]}'") == [
        "Acme",
        "Globex_50%",
        "O'Brien \\ Sons",
    ]


def test_15_char_ids_convert_to_the_documented_18_char_form():
    # Salesforce's published example pair.
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("AnnualRevenue = '100'", "field 'AnnualRevenue' must be of type double and should not"),
        ("IsPartner = 'true'", "field 'IsPartner' must be of type boolean and should not"),
        ("Name = 5", "field 'Name' must be of type string and should be enclosed in quotes"),
        ("CreatedDate > 2026-01-01", "field 'CreatedDate' must be of type dateTime"),
        ("SLAExpirationDate__c = '2026-06-30'", "must be of type date and should not"),
        ("Id = 'not-an-id'", "invalid ID field: not-an-id"),
        ("OwnerId IN ('005')", "invalid ID field: 005"),
    ],
)
def test_literal_of_the_wrong_type_is_invalid_query_filter_operator(engine, where, message):
    err = error(engine, f"SELECT Name FROM Account WHERE {where}")

    assert err.error_code == "INVALID_QUERY_FILTER_OPERATOR"
    assert message in err.message


# --------------------------------------------------------------------------- ordering and paging


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("Name", ["Acme", "acme labs", "Globex_50%", "Initech", "O'Brien \\ Sons"]),
        ("AnnualRevenue", ["Globex_50%", "acme labs", "O'Brien \\ Sons", "Acme", "Initech"]),
        ("AnnualRevenue DESC", ["Initech", "Acme", "O'Brien \\ Sons", "acme labs", "Globex_50%"]),
        (
            "AnnualRevenue ASC NULLS LAST",
            ["acme labs", "O'Brien \\ Sons", "Acme", "Initech", "Globex_50%"],
        ),
        (
            "AnnualRevenue DESC NULLS FIRST",
            ["Globex_50%", "Initech", "Acme", "O'Brien \\ Sons", "acme labs"],
        ),
        (
            "IsPartner DESC, Name DESC",
            ["Initech", "Acme", "O'Brien \\ Sons", "Globex_50%", "acme labs"],
        ),
        (
            "Owner.Name, CreatedDate DESC",
            ["O'Brien \\ Sons", "Acme", "Globex_50%", "Initech", "acme labs"],
        ),
    ],
)
def test_order_by_sorts_like_salesforce(engine, order_by, expected):
    assert names(engine, f"SELECT Name FROM Account ORDER BY {order_by}") == expected


def test_limit_offset_and_count(engine):
    assert names(engine, "SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 1") == [
        "acme labs",
        "Globex_50%",
    ]
    counted = engine.run("SELECT COUNT() FROM Account WHERE IsPartner = false", "62.0")
    assert (counted.count_only, counted.total, counted.records) == (True, 3, [])
    err = error(engine, "SELECT Name FROM Account LIMIT 10 OFFSET 2001")
    assert err.error_code == "NUMBER_OUTSIDE_VALID_RANGE"


# --------------------------------------------------------------------------- relationships


def test_child_subquery_filters_sorts_and_limits_per_parent(engine):
    rows = engine.run(
        "SELECT Name, (SELECT Subject__c FROM Tasks__r WHERE Priority__c != null "
        "ORDER BY Priority__c LIMIT 5) FROM Account WHERE Name LIKE 'acme%' ORDER BY Name",
        "62.0",
    ).records

    acme, labs = rows
    assert [t["Subject__c"] for t in acme["Tasks__r"]["records"]] == ["Email", "Call"]
    assert acme["Tasks__r"]["totalSize"] == 2
    assert acme["Tasks__r"]["records"][0]["attributes"]["type"] == "Task__c"
    assert labs["Tasks__r"] is None  # its only task has a null priority


def test_lookup_relationships_are_inferred_from_id_values(engine):
    rows = engine.run(
        "SELECT Subject__c, Account__r.Name, Account__r.Owner.Name FROM Task__c ORDER BY Subject__c",
        "62.0",
    ).records

    assert [(r["Subject__c"], r["Account__r"]["Name"]) for r in rows] == [
        ("Call", "Acme"),
        ("Email", "Acme"),
        ("Visit", "acme labs"),
    ]
    assert rows[2]["Account__r"]["Owner"]["Name"] == "Bo Owner"
    assert (
        rows[2]["Account__r"]["attributes"]["url"] == f"/services/data/v62.0/sobjects/Account/{A2}"
    )


def test_snapshot_declared_parent_relationship_with_a_null_lookup_is_null(engine):
    row = engine.run(f"SELECT Main_Task__r.Subject__c FROM Account WHERE Id = '{A1}'", "62.0")

    assert row.records[0]["Main_Task__r"] is None


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("soql", "error_code", "message"),
    [
        ("SELECT Name FROM Acount", "INVALID_TYPE", "sObject type 'Acount' is not supported"),
        ("SELECT Nme FROM Account", "INVALID_FIELD", "No such column 'Nme' on entity 'Account'"),
        ("SELECT Owner.Nme FROM Account", "INVALID_FIELD", "No such column 'Nme' on entity 'User'"),
        (
            "SELECT Ownr.Name FROM Account",
            "INVALID_FIELD",
            "Didn't understand relationship 'Ownr' in field path",
        ),
        (
            "SELECT Name, (SELECT Id FROM Taskz__r) FROM Account",
            "INVALID_TYPE",
            "Didn't understand relationship 'Taskz__r' in FROM part of query call",
        ),
        ("SELECT Name FROM Account WHERE Ratin = 'Hot'", "INVALID_FIELD", "No such column 'Ratin'"),
        ("SELECT Name FROM Account ORDER BY Ratin", "INVALID_FIELD", "No such column 'Ratin'"),
        ("SELECT Name, name FROM Account", "MALFORMED_QUERY", "duplicate field selected: name"),
        (
            "SELECT Name FROM Account WHERE Rating = 'a' AND IsPartner = true OR Name = 'b'",
            "MALFORMED_QUERY",
            "unexpected token: 'OR'",
        ),
        ('SELECT Name FROM Account WHERE Name = "Acme"', "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Name FROM Account WHERE Name = 'Acme", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Name FROM Account WHERE Name = 'a\\qb'", "MALFORMED_QUERY", "Illegal escape"),
        ("SELECT Name FROM Account WHERE", "MALFORMED_QUERY", "unexpected token: '<EOF>'"),
        ("SELECT FROM Account", "MALFORMED_QUERY", "unexpected token: 'FROM'"),
        ("SELECT Name, COUNT() FROM Account", "MALFORMED_QUERY", "COUNT() must be the only"),
        (
            "SELECT Rating FROM Account GROUP BY Rating",
            "MALFORMED_QUERY",
            "not supported by the offline Salesforce double",
        ),
        (
            "SELECT Name FROM Account WHERE Id IN (SELECT Account__c FROM Task__c)",
            "MALFORMED_QUERY",
            "not supported by the offline Salesforce double",
        ),
    ],
)
def test_bad_soql_is_rejected_with_the_salesforce_error_code(engine, soql, error_code, message):
    err = error(engine, soql)

    assert err.error_code == error_code
    assert message in err.message


def test_errors_point_at_row_and_column(engine):
    err = error(engine, "SELECT Id,\n       Nme\nFROM Account")

    assert err.message.startswith("\n       Nme\n       ^\nERROR at Row:2:Column:8\n")


def test_keywords_are_case_insensitive(engine):
    assert names(
        engine,
        "select Name from account where rating = 'Warm' order by name asc nulls first limit 1",
    ) == ["Initech"]


# --------------------------------------------------------------------------- format_soql round trip

_names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(target=_names, others=st.lists(_names, max_size=4))
def test_format_soql_literal_matches_exactly_the_equal_names(tmp_path, target, others):
    accounts = [
        {"Id": f"0015f00002J9Y{i:02d}AAA", "Name": n} for i, n in enumerate([target, *others])
    ]
    engine = QueryEngine(Org({"records": {"Account": accounts}}, tmp_path / "o.json"))

    rows = engine.run(format_soql("SELECT Id FROM Account WHERE Name = {}", target), "62.0")

    expected = {a["Id"] for a in accounts if a["Name"].casefold() == target.casefold()}
    assert {r["Id"] for r in rows.records} == expected


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fragment=st.text(alphabet=string.printable, max_size=12))
def test_format_soql_like_escapes_wildcards(tmp_path, fragment):
    accounts = [
        {"Id": "0015f00002J9Y01AAA", "Name": f"pre{fragment}post"},
        {"Id": "0015f00002J9Y02AAA", "Name": "prepost" if fragment else "pre-x-post"},
    ]
    engine = QueryEngine(Org({"records": {"Account": accounts}}, tmp_path / "o.json"))

    soql = format_soql("SELECT Id FROM Account WHERE Name LIKE 'pre{:like}post'", fragment)
    rows = engine.run(soql, "62.0").records

    assert [r["Id"] for r in rows] == ["0015f00002J9Y01AAA"]
