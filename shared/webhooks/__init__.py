"""Outgoing webhooks: staff register endpoints for event types; every event from the bus becomes one signed
delivery per subscribed endpoint, retried with back-off for more than 24 hours (docs/webhooks.md)."""
