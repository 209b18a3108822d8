from common.exceptions import AgdrefAnefError


class PipelineError(AgdrefAnefError):
    """Root of the pipeline's errors."""


class RejectionRateExceeded(PipelineError):
    """More events were rejected in the recent window than the configured ceiling allows: the
    worker stops (without acknowledging the batch) rather than empty the stream into the dead letters."""


class RangeRaced(PipelineError):
    """A live recording took one of an initial-load range's rows while the range was being
    written: nothing was committed, and writing the range again defers that dossier."""
