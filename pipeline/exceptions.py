from common.exceptions import AgdrefAnefError


class PipelineError(AgdrefAnefError):
    """Root of the pipeline's errors."""


class RejectionRateExceeded(PipelineError):
    """More events were rejected in the recent window than the configured ceiling allows: the
    worker stops (without acknowledging the batch) rather than empty the stream into the dead letters."""


class RangeRaced(PipelineError):
    """A live recording took one of an initial-load range's rows while the range was being
    written: nothing was committed, and writing the range again defers that dossier."""


class SinkUnavailable(PipelineError):
    """ANEF's database could not be reached during a sink step: nothing of it was committed, and
    the very same step can run again once it answers."""


class SinkDefect(PipelineError):
    """A sink step failed for another reason than an unreachable database (a constraint, a bug):
    the worker stops without acknowledging the batch, which is read again after its restart."""
