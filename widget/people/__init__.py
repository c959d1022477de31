"""One person's data, by email address: everything held about them found, and all of it erased.

``find_person`` gathers their requests (with deliveries and attempt details), suspected spam,
audit entries that mention the address and emails written to the outbox folder;
``forget_person`` erases them and records the erasure under a keyed hash of the address.
``flask rtr find-person`` / ``forget-person`` and the admin's "A person's data" page use them.
"""

from __future__ import annotations

from .find import Person, address_forms, find_person
from .forget import Erasure, address_hash, forget_person

__all__ = ["Erasure", "Person", "address_forms", "address_hash", "find_person", "forget_person"]
