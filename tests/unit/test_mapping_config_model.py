"""The mapping config: every nested key is checked; a partial nested block merges over defaults."""

from __future__ import annotations

import datetime as dt

import pytest

from closedwon.config import MappingConfig, parse_mapping_config
from closedwon.errors import AuthOrConfig


def invalid(data: dict) -> str:
    with pytest.raises(AuthOrConfig) as info:
        parse_mapping_config(data)
    return str(info.value)


def test_given_one_field_limit_then_the_other_defaults_are_kept() -> None:
    config = parse_mapping_config({"netsuite": {"field_limits": {"companyName": 40}}})
    limits = config.netsuite.field_limits
    assert limits.companyName == 40
    assert (limits.firstName, limits.lastName, limits.email, limits.phone, limits.itemId) == (
        32,
        32,
        254,
        32,
        60,
    )


def test_given_a_typo_inside_field_limits_then_the_config_is_invalid_naming_the_key() -> None:
    message = invalid({"netsuite": {"field_limits": {"compnyName": 40}}})
    assert "netsuite.field_limits.compnyName: Extra inputs are not permitted" in message


@pytest.mark.parametrize("limit", [0, -1, "long"])
def test_a_field_limit_must_be_a_positive_whole_number(limit: object) -> None:
    assert "netsuite.field_limits.email" in invalid(
        {"netsuite": {"field_limits": {"email": limit}}}
    )


@pytest.mark.parametrize("decimals", [-1, 7, 100])
def test_currency_decimals_are_0_to_6(decimals: int) -> None:
    message = invalid({"netsuite": {"currency_decimals": {"JPY": decimals}}})
    assert "netsuite.currency_decimals.JPY" in message


@pytest.mark.parametrize("decimals", [0, 3, 6])
def test_currency_decimals_within_bounds_are_accepted(decimals: int) -> None:
    config = parse_mapping_config({"netsuite": {"currency_decimals": {"BHD": decimals}}})
    assert config.netsuite.decimals("BHD") == decimals


@pytest.mark.parametrize("code", ["usd", "US", "US Dollar"])
def test_currency_keys_are_iso_4217_codes(code: str) -> None:
    assert "netsuite.currencies" in invalid({"netsuite": {"currencies": {code: "1"}}})


def test_given_a_typo_in_a_line_type_charge_type_then_the_config_is_invalid() -> None:
    message = invalid({"netsuite": {"line_types": {"Reccuring": "2"}}})
    assert "netsuite.line_types" in message and "unknown charge type(s) Reccuring" in message


def test_given_a_typo_inside_writeback_then_the_config_is_invalid() -> None:
    message = invalid({"salesforce": {"writeback": {"opportunity_stauts": "X__c"}}})
    assert "salesforce.writeback.opportunity_stauts" in message


def test_a_writeback_field_must_be_a_salesforce_field_name() -> None:
    message = invalid({"salesforce": {"writeback": {"opportunity_status": "Sync Status"}}})
    assert "salesforce.writeback.opportunity_status" in message


def test_the_integration_user_must_be_a_salesforce_id() -> None:
    message = invalid({"salesforce": {"integration_user_id": "0055f000001Sales1AA\n"}})
    assert "salesforce.integration_user_id" in message


def test_the_date_window_defaults_and_its_order_is_checked() -> None:
    window = MappingConfig().netsuite.date_window
    assert (window.earliest, window.latest) == (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
    message = invalid(
        {"netsuite": {"date_window": {"earliest": "2030-01-01", "latest": "2029-01-01"}}}
    )
    assert "earliest must not be after latest" in message
    assert "netsuite.date_window.earlist" in invalid(
        {"netsuite": {"date_window": {"earlist": "2001-01-01"}}}
    )


def test_the_default_term_must_be_within_the_term_bound() -> None:
    message = invalid({"netsuite": {"default_term_months": 24, "max_term_months": 12}})
    assert "default_term_months (24) exceeds max_term_months (12)" in message


@pytest.mark.parametrize("key", ["max_term_months", "max_packages_per_deal", "default_term_months"])
def test_bounds_are_positive(key: str) -> None:
    assert f"netsuite.{key}" in invalid({"netsuite": {key: 0}})


def test_the_bundled_mapping_yaml_is_valid_and_uses_every_default() -> None:
    from closedwon.config import load_mapping_config

    assert load_mapping_config() == MappingConfig()
