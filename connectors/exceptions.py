from common.exceptions import AgdrefAnefError


class ConnectorError(AgdrefAnefError):
    """Root of the connectors' errors."""


class ProtocolError(ConnectorError):
    """A logical replication message could not be decoded (an unknown pgoutput message type,
    or a row for a relation that was never described). The connector stops without acknowledging:
    nothing is lost, the same bytes come back on restart."""


class PublishError(ConnectorError):
    """Kafka did not acknowledge a change event. The slot is not acknowledged past it."""


class SlotInUseError(ConnectorError):
    """The replication slot stayed held by another server process for longer than the connector
    waits (``log_stream.SLOT_WAIT_SECONDS``): another connector runs on the same slot, or a dead
    one's server process was not released. Nothing was read; nothing is lost."""
