"""The web app of ``plaincrm serve`` (issue 14): Flask pages over the same domain
operations as the command line.

A front end, like ``cli/``: it may import anything below it (core, git, the domains,
formats) and nothing imports it; ``plaincrm serve`` imports it when it starts, so
``plaincrm --help`` never does.  ``app`` builds the Flask application (sign-in, CSRF,
the Host check, one store per request, the write lock), ``pages`` the read-only pages,
``actions`` the forms that change records, ``auth`` the users file and its scrypt
hashes, ``charts`` the server-rendered SVG charts, ``markup`` Markdown through a
sanitiser.
"""
