"""Commercial documents (docs/documents.md): quotes, contracts, invoices, payments.

What lives here: ``kind`` (the document kind, and the stage gate it adds to
deals), ``documents`` (``add_document``, ``set_status``, ``pay``, line items,
balances, ``document_gate``), ``settings`` (the ``documents:``
settings and what each stage requires), ``numbering`` (number formats and
series), ``receivables`` (invoiced, paid, owed; ageing), ``check`` (the
documents' part of ``plaincrm check``) and ``overdue`` (overdue invoices for
``today``).

What it may import: the core and ``clients``; the deals it gates it reaches
through the gate it registers.  Never a front end.
"""
