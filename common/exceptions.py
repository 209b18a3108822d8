"""The root of every error this project raises on purpose.

Each package has its own ``exceptions.py`` whose classes derive from :class:`AgdrefAnefError`,
so a caller can catch "anything the migration raised" without catching programming errors.
"""


class AgdrefAnefError(Exception):
    """Root of the project's error tree."""


class ConfigurationError(AgdrefAnefError):
    """A setting is missing or contradicts another one."""


class KafkaUnreachableError(AgdrefAnefError):
    """No Kafka broker answered within the time a process waits for one at start-up."""
