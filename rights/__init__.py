"""The rights ledger: a second, deliberately independent reading of both systems, restricted to
the facts that carry a person's rights (residence, work, pending applications, protection
against removal).

It never imports ``pipeline`` (the mapping) nor ``reconciliation``: a defect in the mapping must
show up here as a difference, not be reproduced. It shares only the contracts in ``schemas``
(the country and department referentials). Everything it reads is read in SQL; what it decides
is pure Python (``rights.rules``), each SQL reading beside the Python rule it twins.
"""
