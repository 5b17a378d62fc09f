"""The web shop's site: one WSGI application (``app``; requests in ``request``, its pages in
``catalog_pages`` and ``cart_pages``, their URLs in ``links``, text pages in ``text_pages``), its
state machine (``shop``), templates and server."""
