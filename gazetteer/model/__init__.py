"""The gazetteer's domain: classification, administrative areas, places, roads, facilities.

The dataclasses and enums (with the Chinese label table beside each enum) are in
:mod:`gazetteer.model.domain` and offered here; accounts and roles are in
:mod:`gazetteer.model.accounts`, the subsidy policy in :mod:`gazetteer.model.subsidies`,
the composite read models of the use cases in :mod:`gazetteer.model.views`.
"""

from gazetteer.model import domain
from gazetteer.model.classification import Category, Classification, classification
from gazetteer.model.domain import *  # noqa: F403  (the names listed in domain.__all__)

__all__ = ["Category", "Classification", "classification"]
__all__ += domain.__all__
