"""The read models (views) built from the event log: case index, annual report, audit trail."""
