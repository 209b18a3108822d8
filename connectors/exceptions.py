from common.exceptions import AgdrefAnefError


class ConnectorError(AgdrefAnefError):
    """Root of the connectors' errors."""


class ProtocolError(ConnectorError):
    """A logical replication message could not be decoded (an unknown pgoutput message type,
    or a row for a relation that was never described). The connector stops without acknowledging:
    nothing is lost, the same bytes come back on restart."""


class PublishError(ConnectorError):
    """Kafka did not acknowledge a change event. The slot is not acknowledged past it."""
