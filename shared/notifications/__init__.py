"""Partner emails from the domain events (application received, lead status, commission earned, payout sent)
and the monthly summary, in the partner's language, each kind with its own unsubscribe (docs/events.md)."""
