"""Service (docs/service.md): tickets, their service levels, and the service report.

What lives here: ``kind`` (the ticket kind, ``core.kinds``), ``tickets`` (open,
answer, wait, resolve, close with an upsell; the conversation format), ``sla``
(ticket moments, the ``service:`` settings, the SLA clocks,
``ticket_attention`` for ``today``) and ``report`` (``report service``).

What it may import: the core, ``clients``, and the sales domain for the deal
an upsell opens and its figures.  Never a front end.
"""
