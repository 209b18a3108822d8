"""The mapping from AGDREF to ANEF: pure functions, no I/O, one module per concern.

Every rule is documented in ``docs/mapping.md`` with its reason and an example, and has a unit test
that names it.
"""
