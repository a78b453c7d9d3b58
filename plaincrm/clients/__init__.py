"""Clients: create and change them, and the client card with its contact history.

What lives here: ``kind`` (the client kind, ``core.kinds``), ``clients``
(``add_client``, ``set_client``, ``new_owner`` for every new record,
``client_names``, ``client_card`` with what each linked record's kind shows
on it).

What it may import: the core only; the other domains add to the card by
registering (``RecordType.card``).  Never a front end.
"""

# The modules other domains may import (tests/test_layers.py).
INTERFACE = ("clients",)
