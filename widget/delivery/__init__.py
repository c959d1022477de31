"""Delivery of stored leads: the outbox worker and one module per channel."""
