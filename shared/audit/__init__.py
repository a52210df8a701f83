"""Who changed what and when: every staff console write, listed per program and per partner."""
