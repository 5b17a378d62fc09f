"""The web shop's site: one WSGI application (``app``), its state machine (``shop``), templates and
server."""
