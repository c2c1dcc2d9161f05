"""A real Apache Kafka broker (or a cluster of them) from Maven jars, for development and tests."""

from lovhub.devbroker.broker import BrokerStatus, LocalBroker, UpResult
from lovhub.devbroker.cluster import LocalCluster
from lovhub.devbroker.config import BrokerLayout
from lovhub.devbroker.errors import BrokerError, BrokerStartError, MissingToolError, PortInUseError
from lovhub.devbroker.process import free_port_pair

__all__ = [
    "BrokerError",
    "BrokerLayout",
    "BrokerStartError",
    "BrokerStatus",
    "LocalBroker",
    "LocalCluster",
    "MissingToolError",
    "PortInUseError",
    "UpResult",
    "free_port_pair",
]
