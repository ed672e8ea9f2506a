"""Mapping rules (docs/mapping.md §7): custom, routed and overridden NetSuite fields from config.

``model`` is the rule (validated and compiled when the config is parsed), ``values`` the types a
value is sent as, ``evaluate`` one rule against a document, ``paths`` the Salesforce fields an
expression reads, ``catalog`` the fields a rule may set, ``document`` the deal document and the
SOQL fields the rules add, ``deal_values`` every rule of one deal evaluated before the first write.
Nothing here does I/O.
"""
