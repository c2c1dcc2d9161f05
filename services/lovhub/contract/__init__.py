"""The published contract of lovhub's topics: ``docs/asyncapi.yaml`` (AsyncAPI 3.0), built
from the topology, the topics' contents and ``schemas/`` (``lovhub admin asyncapi``)."""

from lovhub.contract.access import Principals
from lovhub.contract.asyncapi import asyncapi_document, contract_yaml, render_yaml
from lovhub.contract.topics import ContractError

__all__ = ["ContractError", "Principals", "asyncapi_document", "contract_yaml", "render_yaml"]
