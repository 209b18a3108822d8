from common.exceptions import AgdrefAnefError


class PipelineError(AgdrefAnefError):
    """Root of the pipeline's errors."""


class RejectionRateExceeded(PipelineError):
    """More events were rejected in the recent window than the configured ceiling allows.

    The worker stops rather than empty the stream into the dead letters after a bad deploy."""


class SinkUnavailable(PipelineError):
    """ANEF's database cannot be reached; the batch is retried, never rejected."""
