"""Read models built from the event log, their runner, rebuilds and reports."""
