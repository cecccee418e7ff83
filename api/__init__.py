"""Berkas at its edges: settings, the composition root, the CLI and the HTTP API."""
