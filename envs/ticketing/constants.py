"""Numbers the ticketing world, its tasks and its tools share, defined once."""

REOPEN_DAYS = 14  # resolved tickets close after this many days; closed ones cannot be reopened
