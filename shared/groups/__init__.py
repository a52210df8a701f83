"""Partner groups (customers, agencies, consultants...): each with its own default commission plan."""
