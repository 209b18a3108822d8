from common.exceptions import AgdrefAnefError


class PipelineError(AgdrefAnefError):
    """Root of the pipeline's errors."""
