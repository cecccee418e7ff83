"""The HTTP API: FastAPI app built by ``create_app(system)``; nothing at import time."""
