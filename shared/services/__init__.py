"""Business logic: plain classes and functions over repositories, a clock and settings; no HTTP here."""
