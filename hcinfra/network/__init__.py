"""Hospital networks: the network file, its validation, and the names sites derive."""

from hcinfra.network.load import NetworkError, load_network
from hcinfra.network.model import Network

__all__ = ["Network", "NetworkError", "load_network"]
