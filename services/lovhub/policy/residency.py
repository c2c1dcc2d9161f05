"""Where delivered data may be: the countries a policy allows recipients to keep it in.

A recipient's residency (its own country and every sub-processor's) must lie within the
policy's ``allowed_countries``, else the decision core withholds ``RESIDENCY``. By default
that is the EU/EEA, where the GDPR applies without a transfer mechanism (art. 44-49).
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import StringConstraints

__all__ = ["EU_EEA_COUNTRIES", "CountryCode"]

#: ISO 3166-1 alpha-2, upper case (``SE``, ``NO``). Checked for its form only: a code the
#: policy does not list is not allowed, whatever it is (fail closed).
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

#: The 27 EU member states (Greece as ISO's ``GR``, not the EU's ``EL``) and the three
#: further EEA states (Iceland, Liechtenstein, Norway).
EU_EEA_COUNTRIES: Final = frozenset(
    {
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
        *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
        *("IS", "LI", "NO"),
    }
)
