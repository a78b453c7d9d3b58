"""Clients: create and change them, and the client card with its contact history.

What lives here: ``clients`` (``add_client``, ``set_client``, ``new_owner`` and
``check_owner`` for every new record, ``client_names``, ``client_card`` and
the linked records' details on the card).

What it may import: the core; other domains only through what they declare
for the card (their details, their log and mail lines).  Never a front end.
"""
