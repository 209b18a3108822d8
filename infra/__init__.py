"""Local infrastructure the project starts and stops itself: Kafka (KRaft) and PostgreSQL.

Nothing here depends on a system service: both run from folders the project owns, on ports of
their own, bound to 127.0.0.1 only.
"""
