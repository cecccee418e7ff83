"""The event store: where the log lives (store), how each database is spoken to (dialects),
fast bulk appends, and reading the log back in order (log)."""
