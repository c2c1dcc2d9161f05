"""The agency's side of the hub: the JSON form of its events and the checks ``lovhub
emit`` makes before it sends one (:mod:`~lovhub.agency.json_form`,
:mod:`~lovhub.agency.lines`). The shell that reads files and produces is
:mod:`lovhub.cli.emit`; the synthetic history ``lovhub generate`` writes is
:func:`lovhub.synthetic.agency_inputs`.
"""

from lovhub.agency.json_form import JsonFormError, NamedTypes, event_from_json, event_to_json
from lovhub.agency.lines import Accepted, EventLineChecker, Refused, validate_event

__all__ = [
    "Accepted",
    "EventLineChecker",
    "JsonFormError",
    "NamedTypes",
    "Refused",
    "event_from_json",
    "event_to_json",
    "validate_event",
]
