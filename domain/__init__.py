"""The domain: every pure rule that several parts of the product use, in one home.

The mapping from AGDREF to ANEF (one module per concern), the foreigner number and its owner, the
department and prefecture, "valid on a day", and the assembly of dossiers. No I/O. ``pipeline``
(the worker), ``reconciliation`` and ``operations`` import it; where a rule must also run in SQL,
its SQL twin sits in the same module and a test runs both on the same cases. The rights ledger
(``rights``) deliberately does not import it.

Every rule is documented in ``docs/mapping.md`` with its reason and an example, and has a unit test
that names it.
"""
