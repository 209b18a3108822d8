from common.exceptions import AgdrefAnefError


class InfraError(AgdrefAnefError):
    """Local infrastructure could not be installed, started, reached or stopped."""


class MissingToolError(InfraError):
    """A program the launcher needs (java, mvn, PostgreSQL's binaries) is absent and cannot be installed."""


class StartTimeoutError(InfraError):
    """A service was started but did not answer in time; its log file says why."""
