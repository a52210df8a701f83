"""Domain events: an outbox item written in the same transaction as each state change, published from the
table's stream to the stack's EventBridge bus (docs/events.md)."""
