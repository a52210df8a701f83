"""Partner onboarding: the public application, the staff queue (approve or reject), invitations."""
