"""A synthetic world whose registry records lack what the vetting requires (issue 15): as
records written before undertakings, residency and agreements were required would."""

from __future__ import annotations

import dataclasses

from lovhub.registry import Residency, SubProcessor
from lovhub.synthetic import World, build_world

UNSIGNED = "karriarbron"  # a provider whose record predates undertakings
ABROAD = "framtidsvagen"  # a provider whose backups go to a sub-processor outside the EU/EEA
NO_AGREEMENT = "praktik-nord"  # a third party without a data-sharing agreement on record
VETTED = "jobbcoach-syd"

OUTSIDE = Residency(
    country="SE",
    hosting="own data centre",
    sub_processors=(SubProcessor(name="Exempelbackup Inc", country="US"),),
)


def unvetted_world() -> World:
    """The seed world with :data:`UNSIGNED`, :data:`ABROAD` and :data:`NO_AGREEMENT` changed."""
    world = build_world()
    recipients = world.recipients
    unsigned = recipients.get(UNSIGNED)
    abroad = recipients.get(ABROAD)
    third = recipients.get(NO_AGREEMENT)
    assert unsigned is not None
    assert abroad is not None
    assert third is not None
    for changed in (
        unsigned.model_copy(update={"undertaking": None}),
        abroad.model_copy(update={"residency": OUTSIDE}),
        third.model_copy(update={"contract_id": None}),
    ):
        recipients = recipients.with_recipient(changed)
    return dataclasses.replace(world, recipients=recipients)
